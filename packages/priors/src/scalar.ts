import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import type { ModelLike } from '@spam/core';
import { Prior, type PriorOptions, type PriorParam } from './prior.js';
import { buildPrior, modelParams, type PriorDefinition } from './definition.js';
import { initialLogPrecision } from './bounds.js';

/** One precision δ for the whole network: log δ_i = v. */
export class ScalarPrior extends Prior {
  readonly structure = 'scalar' as const;
  /** @internal Use {@link scalarPrior}. */
  constructor(params: readonly PriorParam[], variables: Variable[]) {
    super(params, variables);
  }
  protected override computeLogDet(): Tensor {
    return tf.tidy(() => tf.mul(tf.reshape(this.vars[0], []), this.numParams));
  }
  protected override computeScatter(_sq: readonly Tensor[], sums: Tensor): Tensor {
    return tf.tidy(() => tf.mul(tf.exp(tf.reshape(this.vars[0], [])), tf.sum(sums)));
  }
  protected override computeTensorConstants(): Tensor[] {
    return tf.tidy(() => this.params.map(() => tf.exp(tf.reshape(this.vars[0], []))));
  }
  protected computeLogPrecisionBlocks(): Tensor[] {
    return tf.tidy(() => this.params.map((p) => tf.add(tf.zeros(p.shape), tf.reshape(this.vars[0], []))));
  }
}

/** Scalar prior: one variable `[1]` holding log δ. */
export const scalarDefinition: PriorDefinition<ScalarPrior> = {
  variables: (_params, l0) => [{ shape: [1], init: l0, label: 'scalar' }],
  create: (params, variables) => new ScalarPrior(params, variables),
};

/** Scalar prior over a model's parameters, δ = δ₀ initially. */
export function scalarPrior(model: ModelLike, options: PriorOptions = {}): ScalarPrior {
  const l0 = initialLogPrecision(options, 'scalar prior');
  return buildPrior(scalarDefinition, modelParams(model), l0);
}
