/**
 * Passes over any model the adapter takes (graph models with merges, weighted layers such as
 * BatchNormalization / LayerNormalization / DepthwiseConv2D, Embedding), for the scores whose exact
 * chain passes in `hessian-vector.ts` do not reach them (SynFlow, GraSP): parameter gradients (`parameterGradients` of @spam/core) from
 * the adapter's own backward, and a scoped overwrite of the model's parameters that restores them
 * bit-exactly.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { parameterGradients, ShapeMismatchError, type LayerVariableLike, type ModelAdapter } from '@spam/core';

/** The underlying `tf.Variable` of a layer variable, written without the layer's constraint. */
function assign(v: LayerVariableLike, value: Tensor): void {
  const live = v.read() as Partial<Variable>;
  if (typeof live.assign === 'function') live.assign(value);
  else v.write(value);
}

/**
 * Runs `fn` (synchronously) with the model's trainable parameters temporarily set to `values`
 * (one tensor per canonical block, not consumed), then puts the original values back: the same
 * data buffers, so the weights are restored bit-exactly, also when `fn` throws. Non-trainable
 * weights (BatchNormalization's moving statistics) are not touched. Values are written to the
 * underlying variables directly, so a layer's weight constraint is not applied to them.
 * `ShapeMismatchError` when a value's shape differs from its parameter's.
 */
export function withParameters<T>(adapter: ModelAdapter, values: readonly Tensor[], fn: () => T): T {
  if (values.length !== adapter.params.length) {
    throw new ShapeMismatchError(`${values.length} parameter values for ${adapter.params.length} parameter tensors`);
  }
  adapter.params.forEach((p, i) => {
    const s = values[i].shape;
    if (s.length !== p.shape.length || s.some((d, j) => d !== p.shape[j])) {
      throw new ShapeMismatchError(`a value for '${p.name}' has shape [${s}], the parameter has [${p.shape}]`);
    }
  });
  // tf.clone shares the variable's data buffer: it keeps the original values alive while the variable holds others.
  const saved = adapter.params.map((p) => tf.clone(p.variable.read()));
  try {
    adapter.params.forEach((p, i) => assign(p.variable, values[i]));
    return fn();
  } finally {
    adapter.params.forEach((p, i) => assign(p.variable, saved[i]));
    tf.dispose(saved);
  }
}

/**
 * SynFlow's ∂R/∂θ, R = Σ f(𝟙), at θ = `theta` (one tensor per canonical block, not consumed) by the
 * adapter's forward and backward on any supported model, with `theta`
 * written into the model for the call. Embedding tables (token-id inputs) get the one-hot
 * all-ones input: every row is set to Σ_v θ_v and the ids to 0, so the embedding output is that
 * sum everywhere, and row 0's gradient (the only non-zero one) is every row's gradient. The
 * model's weights are restored bit-exactly ({@link withParameters}). Returns owned tensors.
 */
export function outputSumGradientThroughAdapter(adapter: ModelAdapter, theta: Tensor[]): Tensor[] {
  const tables = new Set<number>();
  adapter.params.forEach((p, i) => {
    const layer = adapter.paramLayers[p.layerIndex];
    if (layer.kind === 'parametric' && layer.integerInput && p.role === 'kernel') tables.add(i);
  });
  const values = tf.tidy(() => theta.map((t, i) => (tables.has(i) ? tf.mul(tf.onesLike(t), tf.sum(t, 0, true)) : t)));
  try {
    return withParameters(adapter, values, () =>
      tf.tidy(() => {
        const x = tables.size > 0 ? tf.zeros([1, ...adapter.inputShape], 'int32') : tf.ones([1, ...adapter.inputShape]);
        const trace = adapter.forward(x);
        const gz = adapter.backward(trace, tf.onesLike(tf.expandDims(trace.output, 0)));
        const grads = parameterGradients(adapter, trace, gz);
        return grads.map((g, i) => (tables.has(i) ? tf.mul(tf.onesLike(g), tf.slice(g, [0, 0], [1, -1])) : g));
      }),
    );
  } finally {
    tf.dispose(values.filter((_, i) => tables.has(i)));
  }
}
