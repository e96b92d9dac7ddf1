import * as tf from '@tensorflow/tfjs-core';
import type { LayerLike } from '../../model-like.js';
import type { ChannelFacts, OpLayer } from '../types.js';
import { ShapeMismatchError } from '../../errors.js';

/** A pure reshape between per-example shapes; the VJP reshapes back. */
function reshapeOp(layer: LayerLike, inputShape: number[], outputShape: number[], flatten = false): OpLayer {
  return {
    kind: 'op',
    name: layer.name,
    className: layer.getClassName(),
    inputShape,
    outputShape,
    linearity: 'linear',
    forward: (x) => tf.reshape(x, [x.shape[0], ...outputShape]),
    vjp: (dy) => tf.reshape(dy, [dy.shape[0], dy.shape[1] as number, ...inputShape]),
    // Flatten: feature (h·W + w)·C + c keeps channel c's flag. (Reshape has none: its targetShape
    // would have to change with the channel count.)
    ...(flatten ? { mapChannels: (keep: Uint8Array) => expandChannels(keep, outputShape[0]) } : {}),
    ...reshapeChannels(inputShape, outputShape, flatten),
  };
}

/**
 * Structured removal facts: Flatten's feature i carries channel i mod C; a Reshape that keeps the
 * last axis carries it unchanged (its `targetShape` ends in the new channel count).
 */
function reshapeChannels(inputShape: number[], outputShape: number[], flatten: boolean): { channels?: ChannelFacts } {
  const c = inputShape[inputShape.length - 1];
  if (flatten) return { channels: { flow: 'follow', source: Int32Array.from({ length: outputShape[0] }, (_, i) => i % c) } };
  if (outputShape[outputShape.length - 1] !== c || inputShape.length < 2 || outputShape.length < 2) return {};
  return {
    channels: {
      flow: 'follow',
      resize: (config, channels) => {
        const target = (config.targetShape as Array<number | null>).slice();
        if (target[target.length - 1] !== null && target[target.length - 1] !== -1) target[target.length - 1] = channels;
        config.targetShape = target;
      },
    },
  };
}

/** Keep flags over C channels repeated to `size` channels-last features: feature i takes flag i mod C. */
function expandChannels(keep: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = keep[i % keep.length];
  return out;
}

/** `tf.layers.flatten`: channels-last row-major, feature index (h·W + w)·C + c. */
export function flattenLayer(layer: LayerLike, inputShape: number[]): OpLayer {
  return reshapeOp(layer, inputShape, [inputShape.reduce((a, b) => a * b, 1)], true);
}

/** `tf.layers.reshape` with a `targetShape` that may hold one -1. */
export function reshapeLayer(layer: LayerLike, inputShape: number[]): OpLayer {
  // tfjs-layers stores an unknown (-1) target dimension as null in the config.
  const target = (layer.getConfig().targetShape as Array<number | null>).map((d) => (d === null || d < 0 ? -1 : d));
  const size = inputShape.reduce((a, b) => a * b, 1);
  const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const free = target.indexOf(-1);
  if (free >= 0) target[free] = size / known;
  if (target.reduce((a, b) => a * b, 1) !== size || !Number.isInteger(target[free] ?? 0)) {
    throw new ShapeMismatchError(`Reshape layer '${layer.name}': cannot reshape [${inputShape}] to [${layer.getConfig().targetShape}]`);
  }
  return reshapeOp(layer, inputShape, target);
}
