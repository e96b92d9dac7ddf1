/**
 * The parameter-free advanced activation layers of tfjs-layers: `LeakyReLU`, `ELU`,
 * `ThresholdedReLU`. Each is an element-wise {@link Activation}, so its second-order facts (a
 * vanishing second derivative for the piecewise-linear ones) and channel mapping come with it.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { getActivation } from '../../activations.js';
import { UnsupportedLayerError } from '../../errors.js';
import type { LayerLike } from '../../model-like.js';
import type { OpLayer } from '../types.js';
import { activationOpLayer } from './activation.js';

function numberOption(layer: LayerLike, key: string, fallback: number): number {
  const v = layer.getConfig()[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new UnsupportedLayerError(layer.name, layer.getClassName(), `${key} ${JSON.stringify(v)}`);
  return v;
}

/** `tf.layers.leakyReLU`: y = x for x > 0, αx otherwise (α default 0.3); derivative 1 or α (α at 0, as tfjs). */
export function leakyReluLayer(layer: LayerLike, inputShape: number[]): OpLayer {
  const alpha = numberOption(layer, 'alpha', 0.3);
  return activationOpLayer(layer, inputShape, {
    name: `leakyRelu(alpha=${alpha})`,
    elementwise: true,
    hessianIsZero: true,
    apply: (z) => tf.leakyRelu(z, alpha),
    vjp: (dy, z) => tf.tidy(() => tf.mul(dy, tf.where(tf.greater(z, 0), tf.onesLike(z), tf.fill(z.shape, alpha)))),
  });
}

/** `tf.layers.elu`: tfjs supports only α = 1 (its constructor throws otherwise), the `elu` activation. */
export function eluLayer(layer: LayerLike, inputShape: number[]): OpLayer {
  const alpha = numberOption(layer, 'alpha', 1);
  if (alpha !== 1)
    throw new UnsupportedLayerError(layer.name, layer.getClassName(), `alpha ${alpha} (tfjs's ELU layer computes α = 1 only)`);
  return activationOpLayer(layer, inputShape, getActivation('elu')!);
}

/**
 * `tf.layers.thresholdedReLU`: y = x·[x > θ] (θ default 1). Its derivative is [x > θ] away from θ
 * (the jump at θ has no derivative), so its second derivative vanishes almost everywhere.
 */
export function thresholdedReluLayer(layer: LayerLike, inputShape: number[]): OpLayer {
  const theta = numberOption(layer, 'theta', 1);
  const mask = (z: tf.Tensor) => tf.cast(tf.greater(z, theta), 'float32');
  return activationOpLayer(layer, inputShape, {
    name: `thresholdedRelu(theta=${theta})`,
    elementwise: true,
    hessianIsZero: true,
    apply: (z) => tf.tidy(() => tf.mul(z, mask(z))),
    vjp: (dy, z) => tf.tidy(() => tf.mul(dy, mask(z))),
  });
}
