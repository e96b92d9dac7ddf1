import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import type { ModelLike } from '@spam/core';
import { initialLogPrecision, logPrecisionVariable, modelParams, Prior, type PriorOptions, type PriorParam } from './prior.js';

/** One precision per parameter: log δ_i = v_i (one variable per parameter tensor, same shape). */
export class ParameterwisePrior extends Prior {
  readonly structure = 'parameterwise' as const;
  /** @internal Use {@link parameterwisePrior}. */
  constructor(params: readonly PriorParam[], variables: Variable[]) {
    super(params, variables);
  }
  logPrecisionBlocks(): Tensor[] {
    return tf.tidy(() => this.variables.map((v) => tf.clone(v)));
  }
}

/** Parameter-wise prior over a model's parameters, δ = δ₀ initially. */
export function parameterwisePrior(model: ModelLike, options: PriorOptions = {}): ParameterwisePrior {
  const params = modelParams(model);
  const l0 = initialLogPrecision(options);
  return new ParameterwisePrior(params, params.map((p) => logPrecisionVariable(tf.fill(p.shape, l0), 'param')));
}
