import * as tf from '@tensorflow/tfjs-core';
import { UnsupportedLayerError } from '../../errors.js';
import type { LayerLike } from '../../model-like.js';
import type { OpLayer } from '../types.js';
import { inversePermutation } from './util-merge.js';

/**
 * `tf.layers.permute`: y = transpose(x, [0, ...dims]), `dims` 1-based over the non-batch axes.
 * The VJP transposes back. Channel flags map through when the last axis stays last.
 */
export function permuteLayer(layer: LayerLike, inputShape: number[]): OpLayer {
  const dims = layer.getConfig().dims;
  const rank = inputShape.length;
  const valid = Array.isArray(dims) && dims.length === rank && [...dims].sort((p, q) => p - q).every((d, i) => d === i + 1);
  if (!valid) {
    throw new UnsupportedLayerError(
      layer.name,
      layer.getClassName(),
      `dims ${JSON.stringify(dims)} is not a permutation of 1..${rank} for per-example shape [${inputShape}]`,
    );
  }
  const perm = (dims as number[]).map((d) => d - 1);
  const inv = inversePermutation(perm);
  return {
    kind: 'op',
    name: layer.name,
    className: layer.getClassName(),
    inputShape,
    outputShape: perm.map((p) => inputShape[p]),
    linearity: 'linear',
    forward: (x) => tf.transpose(x, [0, ...perm.map((p) => p + 1)]),
    vjp: (dy) => tf.transpose(dy, [0, 1, ...inv.map((p) => p + 2)]),
    ...(perm[rank - 1] === rank - 1 ? { mapChannels: (keep: Uint8Array) => keep.slice() } : {}),
  };
}
