import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { LayerLike } from '../../model-like.js';
import type { WeightedLayer } from '../types.js';
import { UnsupportedLayerError } from '../../errors.js';
import { prod } from './util-weighted.js';

/**
 * `tf.layers.prelu`: y = x for x ≥ 0, α·x for x < 0 (tfjs's rule), with α shaped like the
 * per-example input except `sharedAxes` (size 1, broadcast). A weighted layer whose weight `alpha`
 * has role `'scale'` (units: the last axis; window = the other axes). Per-example gradients sum
 * over the shared axes. Element-wise products run on `[K, N·size]` (rank 2).
 */
export function preluLayer(layer: LayerLike, inputShape: number[]): WeightedLayer {
  const className = layer.getClassName();
  const [alpha] = layer.weights;
  const ashape = (alpha?.shape ?? []) as number[];
  if (!alpha || ashape.length !== inputShape.length || ashape.some((d, i) => d !== 1 && d !== inputShape[i])) {
    throw new UnsupportedLayerError(layer.name, className, `alpha [${ashape}] does not broadcast to the input [${inputShape}]`);
  }
  if (!alpha.trainable) throw new UnsupportedLayerError(layer.name, className, 'non-trainable (frozen) alpha');
  const shared = ashape.map((d, i) => (d === 1 && inputShape[i] !== 1 ? i + 2 : -1)).filter((a) => a >= 0);
  /** Folds `[K, N, ...shape]` to `[K, N·size]`. */
  const flat = (t: Tensor) => tf.reshape(t, [t.shape[0], -1]);
  return {
    kind: 'weighted',
    name: layer.name,
    className,
    inputShape,
    outputShape: inputShape,
    weights: [
      {
        weight: 'alpha',
        role: 'scale',
        variable: alpha,
        units: { window: prod(ashape.slice(0, -1)), inUnits: null, outUnits: ashape[ashape.length - 1] ?? 1 },
      },
    ],
    // Structured removal: alpha holds one slice per channel unless shared along the last axis.
    channels: {
      flow: 'follow',
      weights: ashape[ashape.length - 1] === 1 ? [] : [{ variable: alpha, axis: ashape.length - 1, by: 'output' }],
    },
    linearity: 'piecewise-linear',
    forward: (x) => tf.prelu(x, alpha.read()),
    vjp: (dy, x) =>
      tf.tidy(() => {
        const slope = tf.where(tf.less(x, 0), tf.broadcastTo(alpha.read(), x.shape), tf.onesLike(x));
        return tf.reshape(tf.mul(flat(dy), tf.reshape(slope, [-1])), dy.shape);
      }),
    weightVjp: (dy, x) =>
      tf.tidy(() => {
        const [k, n] = dy.shape as number[];
        const g = tf.reshape(tf.mul(flat(dy), tf.reshape(tf.minimum(x, 0), [-1])), dy.shape);
        const summed = shared.length > 0 ? tf.sum(g, shared, true) : g;
        return [tf.reshape(summed, [k, n, ...ashape])];
      }),
  };
}
