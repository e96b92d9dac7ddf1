import * as tf from '@tensorflow/tfjs-core';
import type { LayerLike } from '../../model-like.js';
import type { OpLayer } from '../types.js';
import { requireRank } from './util.js';

/** `tf.layers.repeatVector`: x `[N, d]` → `[N, n, d]` (n copies); the VJP sums the copies. */
export function repeatVectorLayer(layer: LayerLike, inputShape: number[]): OpLayer {
  requireRank(layer, inputShape, 1);
  const n = layer.getConfig().n as number;
  const d = inputShape[0];
  return {
    kind: 'op',
    name: layer.name,
    className: layer.getClassName(),
    inputShape,
    outputShape: [n, d],
    linearity: 'linear',
    forward: (x) => tf.tile(tf.expandDims(x, 1), [1, n, 1]),
    vjp: (dy) => tf.sum(dy, 2),
    mapChannels: (keep) => keep.slice(),
  };
}
