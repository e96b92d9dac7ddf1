import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import type { ModelLike } from '@spam/core';
import { Prior, type PriorOptions, type PriorParam } from './prior.js';
import { buildPrior, modelParams, type PriorDefinition } from './definition.js';
import { initialLogPrecision } from './bounds.js';

/** One precision per parameter tensor (kernel and bias separate): log δ_i = v_t for i in tensor t. */
export class LayerwisePrior extends Prior {
  readonly structure = 'layerwise' as const;
  /** @internal Use {@link layerwisePrior}. */
  constructor(params: readonly PriorParam[], variables: Variable[]) {
    super(params, variables);
  }
  protected override computeLogDet(): Tensor {
    const sizes = this.params.map((p) => p.shape.reduce((a, b) => a * b, 1));
    return tf.tidy(() => tf.sum(tf.mul(this.vars[0], tf.tensor1d(sizes))));
  }
  protected override computeScatter(_sq: readonly Tensor[], sums: Tensor): Tensor {
    return tf.tidy(() => tf.sum(tf.mul(tf.exp(this.vars[0]), sums)));
  }
  protected override computeTensorConstants(): Tensor[] {
    return tf.tidy(() => this.params.map((_, t) => tf.reshape(tf.exp(tf.slice(this.vars[0], t, 1)), [])));
  }
  protected computeLogPrecisionBlocks(): Tensor[] {
    return tf.tidy(() => this.params.map((p, t) => tf.add(tf.zeros(p.shape), tf.reshape(tf.slice(this.vars[0], t, 1), []))));
  }
}

/** Layer-wise prior: one variable `[T]`, log δ per parameter tensor. */
export const layerwiseDefinition: PriorDefinition<LayerwisePrior> = {
  variables: (params, l0) => [{ shape: [params.length], init: l0, label: 'layerwise' }],
  create: (params, variables) => new LayerwisePrior(params, variables),
};

/** Layer-wise prior over a model's parameters, δ = δ₀ initially. */
export function layerwisePrior(model: ModelLike, options: PriorOptions = {}): LayerwisePrior {
  const l0 = initialLogPrecision(options, 'layerwise prior');
  return buildPrior(layerwiseDefinition, modelParams(model), l0);
}
