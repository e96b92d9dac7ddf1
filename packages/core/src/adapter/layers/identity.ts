import * as tf from '@tensorflow/tfjs-core';
import type { LayerLike } from '../../model-like.js';
import type { OpLayer } from '../types.js';

/** Layers that are the identity at inference: `InputLayer`, `Dropout` (and its spatial variants). */
export function identityLayer(layer: LayerLike, inputShape: number[]): OpLayer {
  return {
    kind: 'op',
    name: layer.name,
    className: layer.getClassName(),
    inputShape,
    outputShape: inputShape,
    linearity: 'linear',
    forward: (x) => tf.clone(x),
    vjp: (dy) => tf.clone(dy),
    mapChannels: (keep) => keep.slice(),
  };
}
