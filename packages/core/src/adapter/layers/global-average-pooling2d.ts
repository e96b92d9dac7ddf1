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
        const scaled = tf.reshape(tf.div(dy, h * w), [k, n, 1, 1, c]);
        return tf.broadcastTo(scaled, [k, n, h, w, c]);
      }),
    mapChannels: (keep) => keep.slice(),
  };
}
