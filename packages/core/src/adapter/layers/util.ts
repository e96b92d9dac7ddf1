import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { UnsupportedLayerError } from '../../errors.js';
import { getActivation, type Activation } from '../../activations.js';
import type { LayerLike } from '../../model-like.js';

/** `[a, b]` from a number or a pair. */
export function pair(v: unknown, fallback: number): [number, number] {
  if (v === undefined || v === null) return [fallback, fallback];
  if (typeof v === 'number') return [v, v];
  const arr = v as number[];
  return [arr[0], arr[1] ?? arr[0]];
}

/** Output length of a sliding window along one axis (TensorFlow's `valid` / `same` rules). */
export function windowOutputSize(size: number, window: number, stride: number, padding: string): number {
  return padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - window) / stride) + 1;
}

/** Throws `UnsupportedLayerError` unless the layer is channels-last with `valid`/`same` padding. */
export function requireChannelsLast(layer: LayerLike, cfg: Record<string, unknown>): void {
  const fmt = cfg.dataFormat ?? 'channelsLast';
  if (fmt !== 'channelsLast')
    throw new UnsupportedLayerError(layer.name, layer.getClassName(), `dataFormat '${String(fmt)}' (only channelsLast)`);
  const pad = cfg.padding ?? 'valid';
  if (pad !== 'valid' && pad !== 'same') throw new UnsupportedLayerError(layer.name, layer.getClassName(), `padding '${String(pad)}'`);
}

/** Throws `UnsupportedLayerError` unless the per-example input has the given rank. */
export function requireRank(layer: LayerLike, inputShape: number[], rank: number): void {
  if (inputShape.length !== rank) {
    throw new UnsupportedLayerError(
      layer.name,
      layer.getClassName(),
      `input of rank ${inputShape.length + 1} (shape [N, ${inputShape.join(', ')}]); expected rank ${rank + 1}`,
    );
  }
}

/** The layer's activation, or `UnsupportedLayerError` naming an unknown identifier. */
export function activationOf(layer: LayerLike, name: unknown): Activation {
  const act = getActivation(name === undefined || name === null ? 'linear' : String(name));
  if (!act) throw new UnsupportedLayerError(layer.name, layer.getClassName(), `activation '${String(name)}'`);
  return act;
}

/** Folds the leading `[K, N]` axes of a cotangent into one batch axis. */
export function foldK(t: Tensor): Tensor {
  return tf.reshape(t, [t.shape[0] * (t.shape[1] as number), ...t.shape.slice(2)]);
}

/** Splits a folded `[K·N, ...]` batch back into `[K, N, ...]`. */
export function unfoldK(t: Tensor, k: number): Tensor {
  return tf.reshape(t, [k, t.shape[0] / k, ...t.shape.slice(1)]);
}
