import * as tf from '@tensorflow/tfjs-core';
import type { LayerLike } from '../../model-like.js';
import type { OpLayer } from '../types.js';
import { getActivation } from '../../activations.js';
import { activationOpLayer } from './activation.js';

/** `tf.layers.reLU`: y = min(max(x, 0), maxValue); derivative 1 on (0, maxValue). */
export function reluLayer(layer: LayerLike, inputShape: number[]): OpLayer {
  const maxValue = layer.getConfig().maxValue as number | null | undefined;
  if (maxValue === undefined || maxValue === null) return activationOpLayer(layer, inputShape, getActivation('relu')!);
  return activationOpLayer(layer, inputShape, {
    name: `relu(max=${maxValue})`,
    elementwise: true,
    hessianIsZero: true,
    apply: (z) => tf.clipByValue(z, 0, maxValue),
    vjp: (dy, z) => tf.tidy(() => tf.mul(dy, tf.mul(tf.step(z), tf.step(tf.sub(maxValue, z))))),
  });
}
