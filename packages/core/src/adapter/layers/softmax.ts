import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { getActivation, type Activation } from '../../activations.js';
import { UnsupportedLayerError } from '../../errors.js';
import type { LayerLike } from '../../model-like.js';
import type { OpLayer } from '../types.js';
import { activationOpLayer } from './activation.js';
import { perExampleAxis } from './util-merge.js';

/**
 * Softmax over several per-example axes jointly, as tfjs's Softmax layer computes it for an
 * `axis` array: y = exp(x − logSumExp(x, axes)); dx = y ⊙ (dy − Σ_axes y ⊙ dy).
 */
function jointSoftmax(axes: number[]): Activation {
  const fwd = axes.map((a) => a + 1);
  const bwd = axes.map((a) => a + 2);
  return {
    name: `softmax(axes=[${fwd.join(', ')}])`,
    elementwise: false,
    apply: (z: Tensor) => tf.tidy(() => tf.exp(tf.sub(z, tf.logSumExp(z, fwd, true)))),
    vjp: (dy: Tensor, _z: Tensor, y: Tensor) => tf.tidy(() => tf.mul(y, tf.sub(dy, tf.sum(tf.mul(dy, y), bwd, true)))),
  };
}

/**
 * `tf.layers.softmax`. Its `axis` counts the batch axis and defaults to **1** (not −1). tfjs 4.22
 * runs a single axis only when it is the last one (`tf.softmax` throws otherwise), and an array
 * of two or more axes as a joint softmax; both are supported (the last-axis case is the plain
 * `softmax` activation, so a final Softmax layer is stripped with `{logits: true}`). Any other
 * axis, or the batch axis, raises `UnsupportedLayerError` naming `axis`.
 */
export function softmaxLayer(layer: LayerLike, inputShape: number[]): OpLayer {
  const raw = layer.getConfig().axis ?? 1;
  const rank = inputShape.length + 1;
  const list = Array.isArray(raw) ? (raw as unknown[]) : [raw];
  if (list.length === 0) throw new UnsupportedLayerError(layer.name, layer.getClassName(), 'axis [] (no axis)');
  const axes = list.map((a) => perExampleAxis(layer, 'axis', a, rank));
  if (new Set(axes).size !== axes.length)
    throw new UnsupportedLayerError(layer.name, layer.getClassName(), `axis ${JSON.stringify(raw)} repeats an axis`);
  if (axes.length === 1) {
    const single = list[0] as number;
    // tf.softmax accepts dim −1 or rank − 1 only.
    if (single !== -1 && single !== rank - 1) {
      throw new UnsupportedLayerError(
        layer.name,
        layer.getClassName(),
        `axis ${JSON.stringify(raw)} on inputs of rank ${rank}: tfjs 4.22 runs a single-axis softmax only along the last axis (its predict throws); use axis -1`,
      );
    }
    return activationOpLayer(layer, inputShape, getActivation('softmax')!);
  }
  return activationOpLayer(layer, inputShape, jointSoftmax(axes.sort((p, q) => p - q)));
}
