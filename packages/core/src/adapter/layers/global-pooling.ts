/**
 * Global poolings other than `GlobalAveragePooling2D` (which has its own file): `GlobalAveragePooling1D`,
 * `GlobalMaxPooling1D` (over the steps axis of `[N, T, C]`) and `GlobalMaxPooling2D` (over H and W).
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { UnsupportedLayerError } from '../../errors.js';
import type { LayerLike } from '../../model-like.js';
import type { OpLayer } from '../types.js';
import { requireRank } from './util.js';
import { inversePermutation } from './util-merge.js';

/**
 * Max over per-example `axes` (reduced axes of x `[N, ...]` are `axes + 1`). The VJP routes each
 * cotangent to the **first** maximum (row-major over the pooled axes), TensorFlow's MaxPool rule
 * and the one `MaxPooling2D` follows here. tfjs's own gradient of `tf.max` sends the full
 * cotangent to every tied entry, which is no derivative: after `RepeatVector(T)` a global max
 * pooling is the identity, yet tfjs's gradient is T times too large.
 */
function globalMax(layer: LayerLike, inputShape: number[], axes: number[]): OpLayer {
  const keptAxes = inputShape.map((_, i) => i).filter((i) => !axes.includes(i));
  const outputShape = keptAxes.map((i) => inputShape[i]);
  const reduce = axes.map((a) => a + 1);
  // x with the pooled axes moved last: [N, kept..., pooled...]; and back.
  const perm = [0, ...keptAxes.map((a) => a + 1), ...reduce];
  const inv = inversePermutation(perm);
  const rows = outputShape.reduce((a, b) => a * b, 1);
  const pooled = axes.reduce((a, i) => a * inputShape[i], 1);
  const moved = perm.slice(1).map((a) => inputShape[a - 1]);
  return {
    kind: 'op',
    name: layer.name,
    className: layer.getClassName(),
    inputShape,
    outputShape,
    linearity: 'piecewise-linear',
    forward: (x) => tf.max(x, reduce),
    vjp: (dy: Tensor, x: Tensor) =>
      tf.tidy(() => {
        const [k, n] = dy.shape as number[];
        const flat = tf.reshape(tf.transpose(x, perm), [n, rows, pooled]);
        const first = tf.oneHot(tf.argMax(flat, 2), pooled); // [N, rows, pooled], the first maximum
        const g = tf.mul(tf.reshape(dy, [k, n, rows, 1]), first); // [K, N, rows, pooled]
        return tf.transpose(tf.reshape(g, [k, n, ...moved]), [0, ...inv.map((a) => a + 1)]);
      }),
    ...(axes.includes(inputShape.length - 1) ? {} : { mapChannels: (keep: Uint8Array) => keep.slice() }),
  };
}

/** `tf.layers.globalAveragePooling1d`: y `[N, C]` = mean over the steps of x `[N, T, C]`; dx = dy / T. */
export function globalAveragePooling1dLayer(layer: LayerLike, inputShape: number[]): OpLayer {
  requireRank(layer, inputShape, 2);
  const [t, c] = inputShape;
  return {
    kind: 'op',
    name: layer.name,
    className: layer.getClassName(),
    inputShape,
    outputShape: [c],
    linearity: 'linear',
    forward: (x) => tf.mean(x, 1),
    vjp: (dy) =>
      tf.tidy(() => {
        const [k, n] = dy.shape as number[];
        // A broadcast multiply: wasm's broadcastTo (a tile) is ~25× slower for the ViT's [10, 128, 16, 128].
        return tf.mul(tf.reshape(dy, [k, n, 1, c]), tf.fill([1, 1, t, 1], 1 / t));
      }),
    mapChannels: (keep) => keep.slice(),
  };
}

/** `tf.layers.globalMaxPooling1d`: y `[N, C]` = max over the steps of x `[N, T, C]`. */
export function globalMaxPooling1dLayer(layer: LayerLike, inputShape: number[]): OpLayer {
  requireRank(layer, inputShape, 2);
  return globalMax(layer, inputShape, [0]);
}

/** `tf.layers.globalMaxPooling2d`: y = max over the spatial axes (H, W channels-last; the last two channelsFirst). */
export function globalMaxPooling2dLayer(layer: LayerLike, inputShape: number[]): OpLayer {
  requireRank(layer, inputShape, 3);
  const fmt = layer.getConfig().dataFormat ?? 'channelsLast';
  if (fmt !== 'channelsLast' && fmt !== 'channelsFirst')
    throw new UnsupportedLayerError(layer.name, layer.getClassName(), `dataFormat '${String(fmt)}'`);
  return globalMax(layer, inputShape, fmt === 'channelsLast' ? [0, 1] : [1, 2]);
}
