import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import type { ModelLike } from '@spam/core';
import { initialLogPrecision, logPrecisionVariable, modelParams, Prior, type PriorOptions, type PriorParam } from './prior.js';

/** One precision per parameter tensor (kernel and bias separate): log δ_i = v_t for i in tensor t. */
export class LayerwisePrior extends Prior {
  readonly structure = 'layerwise' as const;
  /** @internal Use {@link layerwisePrior}. */
  constructor(params: readonly PriorParam[], variables: Variable[]) {
    super(params, variables);
  }
  override logDet(): Tensor {
    const sizes = this.params.map((p) => p.shape.reduce((a, b) => a * b, 1));
    return tf.tidy(() => tf.sum(tf.mul(this.variables[0], tf.tensor1d(sizes))));
  }
  override scatter(_sq: readonly Tensor[], sums: Tensor): Tensor {
    return tf.tidy(() => tf.sum(tf.mul(tf.exp(this.variables[0]), sums)));
  }
  override tensorConstants(): Tensor[] {
    return tf.tidy(() => this.params.map((_, t) => tf.reshape(tf.exp(tf.slice(this.variables[0], t, 1)), [])));
  }
  logPrecisionBlocks(): Tensor[] {
    return tf.tidy(() => this.params.map((p, t) => tf.add(tf.zeros(p.shape), tf.reshape(tf.slice(this.variables[0], t, 1), [])))
    );
  }
}

/** Layer-wise prior over a model's parameters, δ = δ₀ initially. */
export function layerwisePrior(model: ModelLike, options: PriorOptions = {}): LayerwisePrior {
  const params = modelParams(model);
  return new LayerwisePrior(params, [logPrecisionVariable(tf.fill([params.length], initialLogPrecision(options)), 'layerwise')]);
}
