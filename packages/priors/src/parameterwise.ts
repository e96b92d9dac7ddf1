import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { sumAll, type ModelLike } from '@spam/core';
import { Prior, type PriorOptions, type PriorParam } from './prior.js';
import { buildPrior, modelParams, type PriorDefinition } from './definition.js';
import { initialLogPrecision } from './bounds.js';

/** One precision per parameter: log δ_i = v_i (one variable per parameter tensor, same shape). */
export class ParameterwisePrior extends Prior {
  readonly structure = 'parameterwise' as const;
  /** @internal Use {@link parameterwisePrior}. */
  constructor(params: readonly PriorParam[], variables: Variable[]) {
    super(params, variables);
  }
  protected computeLogPrecisionBlocks(): Tensor[] {
    return tf.tidy(() => this.vars.map((v) => tf.clone(v)));
  }
  /** δ = exp(v) straight from the variables (no copies of them). */
  protected override computePrecisionBlocks(): Tensor[] {
    return this.vars.map((v) => tf.exp(v));
  }
  /** Σ log δ = Σ v straight from the variables (no copies of them). */
  protected override computeLogDet(): Tensor {
    return tf.tidy(() => tf.addN(this.vars.map((v) => sumAll(v))));
  }
}

/** Parameter-wise prior: one variable per parameter tensor, in its shape. */
export const parameterwiseDefinition: PriorDefinition<ParameterwisePrior> = {
  variables: (params, l0) => params.map((p) => ({ shape: [...p.shape], init: l0, label: 'param' })),
  create: (params, variables) => new ParameterwisePrior(params, variables),
};

/** Parameter-wise prior over a model's parameters, δ = δ₀ initially. */
export function parameterwisePrior(model: ModelLike, options: PriorOptions = {}): ParameterwisePrior {
  const l0 = initialLogPrecision(options, 'parameterwise prior');
  return buildPrior(parameterwiseDefinition, modelParams(model), l0);
}
