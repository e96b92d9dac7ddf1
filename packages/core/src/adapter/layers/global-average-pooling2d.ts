import * as tf from '@tensorflow/tfjs-core';
import type { LayerLike } from '../../model-like.js';
import type { OpLayer } from '../types.js';
import { requireChannelsLast, requireRank } from './util.js';

/** `tf.layers.globalAveragePooling2d`: y_c = mean over (h, w) of x_{h,w,c}; dx = dy / (H·W) broadcast. */
export function globalAveragePooling2dLayer(layer: LayerLike, inputShape: number[]): OpLayer {
  requireChannelsLast(layer, { ...layer.getConfig(), padding: 'valid' });
  requireRank(layer, inputShape, 3);
  const [h, w, c] = inputShape;
  return {
    kind: 'op',
    name: layer.name,
    className: layer.getClassName(),
    inputShape,
    outputShape: [c],
    linearity: 'linear',
    forward: (x) => tf.mean(x, [1, 2]),
    vjp: (dy) =>
      tf.tidy(() => {
        const [k, n] = dy.shape;
        // A broadcast multiply: wasm's broadcastTo (a tile) is far slower.
        return tf.mul(tf.reshape(dy, [k, n, 1, 1, c]), tf.fill([1, 1, h, w, 1], 1 / (h * w)));
      }),
    mapChannels: (keep) => keep.slice(),
  };
}
