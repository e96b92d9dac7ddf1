import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import type { ModelLike } from '@spam/core';
import { initialLogPrecision, logPrecisionVariable, modelParams, Prior, type PriorOptions, type PriorParam } from './prior.js';

/** One precision δ for the whole network: log δ_i = v. */
export class ScalarPrior extends Prior {
  readonly structure = 'scalar' as const;
  /** @internal Use {@link scalarPrior}. */
  constructor(params: readonly PriorParam[], variables: Variable[]) {
    super(params, variables);
  }
  override logDet(): Tensor {
    return tf.tidy(() => tf.mul(tf.reshape(this.variables[0], []), this.numParams));
  }
  override scatter(_sq: readonly Tensor[], sums: Tensor): Tensor {
    return tf.tidy(() => tf.mul(tf.exp(tf.reshape(this.variables[0], [])), tf.sum(sums)));
  }
  override tensorConstants(): Tensor[] {
    return tf.tidy(() => this.params.map(() => tf.exp(tf.reshape(this.variables[0], []))));
  }
  logPrecisionBlocks(): Tensor[] {
    return tf.tidy(() => this.params.map((p) => tf.add(tf.zeros(p.shape), tf.reshape(this.variables[0], []))));
  }
}

/** Scalar prior over a model's parameters, δ = δ₀ initially. */
export function scalarPrior(model: ModelLike, options: PriorOptions = {}): ScalarPrior {
  const params = modelParams(model);
  return new ScalarPrior(params, [logPrecisionVariable(tf.fill([1], initialLogPrecision(options)), 'scalar')]);
}
