/**
 * Full reductions with cheap gradients, for objectives differentiated many times over large
 * tensors (the marglik hyper steps: ~0.5M precisions, 100 steps per marglik step).
 *
 * tfjs's own `Sum` gradient builds `tf.ones(x.shape)` as a JavaScript array filled element by
 * element and uploads it (wasm: ~1.8 ms and 2 MB of garbage per 0.5M entries, every backward
 * pass), and `sum(mul(x, w))` also saves copies of x, w and the product for its backward. These
 * ops compute the same values with a one-kernel backward (a `Fill` or a product) and save at
 * most one tensor.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { ShapeMismatchError } from './errors.js';

type CustomGradFn = Parameters<typeof tf.customGrad>[0];

/** dy (a scalar) broadcast to `shape`: one Fill and one Multiply kernel, whatever the backend. */
function broadcastScalar(dy: Tensor, shape: number[]): Tensor {
  return tf.mul(tf.reshape(dy, []), tf.fill(shape, 1));
}

/**
 * Σ x over every entry (a float32 scalar), the value `tf.sum(x)` gives, with the gradient
 * ∂/∂x = dy broadcast to x's shape (no JavaScript-built ones tensor, nothing saved for the backward).
 */
export function sumAll(x: Tensor): Tensor {
  const shape = [...x.shape];
  const op = tf.customGrad(((xIn: Tensor) => ({
    value: tf.sum(xIn),
    gradFunc: (dy: Tensor) => [broadcastScalar(dy, shape)],
  })) as unknown as CustomGradFn);
  return op(x);
}

/**
 * Σ x ⊙ w over every entry (a float32 scalar), the value `tf.sum(tf.mul(x, w))` gives,
 * differentiable in `x` only: `w` is a constant (its gradient is not computed), e.g. θ² in Σ δθ².
 * ∂/∂x = dy · w, one kernel; only w is saved for the backward. `ShapeMismatchError` unless x and
 * w have the same shape.
 */
export function weightedSum(x: Tensor, w: Tensor): Tensor {
  if (x.shape.length !== w.shape.length || x.shape.some((d, i) => d !== w.shape[i])) {
    throw new ShapeMismatchError(`weightedSum: x has shape [${x.shape}] but the weights w have [${w.shape}]`);
  }
  const op = tf.customGrad(((xIn: Tensor, save: tf.GradSaveFunc) => {
    save([w]);
    return {
      value: tf.sum(tf.mul(xIn, w)),
      gradFunc: (dy: Tensor, saved: Tensor[]) => [tf.mul(tf.reshape(dy, []), saved[0])],
    };
  }) as unknown as CustomGradFn);
  return op(x);
}
