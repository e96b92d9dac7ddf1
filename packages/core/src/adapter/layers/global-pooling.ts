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

/**
 * Max over per-example `axes` (reduced axes of x `[N, ...]` are `axes + 1`). The VJP is tfjs's
 * gradient of `tf.max`: every entry equal to its maximum receives the cotangent (ties all do).
 */
function globalMax(layer: LayerLike, inputShape: number[], axes: number[]): OpLayer {
  const outputShape = inputShape.filter((_, i) => !axes.includes(i));
  const reduce = axes.map((a) => a + 1);
  // Shape of y with the reduced axes kept as 1 (to broadcast against x).
  const kept = inputShape.map((d, i) => (axes.includes(i) ? 1 : d));
  return {
    kind: 'op',
    name: layer.name,
    className: layer.getClassName(),
    inputShape,
    outputShape,
    linearity: 'piecewise-linear',
    forward: (x) => tf.max(x, reduce),
    vjp: (dy: Tensor, x: Tensor, y: Tensor) =>
      tf.tidy(() => {
        const [k, n] = dy.shape as number[];
        const mask = tf.cast(tf.equal(x, tf.reshape(y, [n, ...kept])), 'float32');
        return tf.mul(tf.reshape(dy, [k, n, ...kept]), mask);
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
        return tf.broadcastTo(tf.reshape(tf.div(dy, t), [k, n, 1, c]), [k, n, t, c]);
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
  if (fmt !== 'channelsLast' && fmt !== 'channelsFirst') throw new UnsupportedLayerError(layer.name, layer.getClassName(), `dataFormat '${String(fmt)}'`);
  return globalMax(layer, inputShape, fmt === 'channelsLast' ? [0, 1] : [1, 2]);
}
