/**
 * Helpers of the merge and shape-op layer adapters: tfjs's axis conventions (config axes count
 * the batch axis), NumPy broadcasting of per-example shapes as tfjs's `Merge` layers do it, and
 * the reduction of a broadcast cotangent back to an input's shape.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { UnsupportedLayerError } from '../../errors.js';
import type { LayerLike } from '../../model-like.js';

/**
 * Resolves a tfjs config axis (which counts the batch axis: 0 = batch) against a tensor of full
 * rank `rank` (batch included) and returns the per-example axis (0 = the first non-batch axis).
 * Raises `UnsupportedLayerError` naming `option` for the batch axis or an axis out of range.
 */
export function perExampleAxis(layer: LayerLike, option: string, axis: unknown, rank: number): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis)) {
    throw new UnsupportedLayerError(layer.name, layer.getClassName(), `${option} ${JSON.stringify(axis)} (expected an integer axis)`);
  }
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) {
    throw new UnsupportedLayerError(layer.name, layer.getClassName(), `${option} ${axis} is out of range for inputs of rank ${rank}`);
  }
  if (a === 0) {
    throw new UnsupportedLayerError(
      layer.name,
      layer.getClassName(),
      `${option} ${axis} is the batch axis (examples must stay independent)`,
    );
  }
  return a - 1;
}

/**
 * The broadcast of per-example shapes as tfjs's `Merge` layers compute it (NumPy rules, aligned on
 * the right; a lower-rank input gets leading 1s), or `UnsupportedLayerError` when they do not broadcast.
 */
export function broadcastShapes(layer: LayerLike, shapes: number[][]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    const padded = padShape(s, rank);
    padded.forEach((d, i) => {
      if (d === out[i] || d === 1) return;
      if (out[i] !== 1) {
        throw new UnsupportedLayerError(
          layer.name,
          layer.getClassName(),
          `inputs of shapes ${shapes.map((x) => `[${x}]`).join(', ')} do not broadcast`,
        );
      }
      out[i] = d;
    });
  }
  return out;
}

/** `shape` with leading 1s up to `rank`. */
export function padShape(shape: number[], rank: number): number[] {
  return [...new Array<number>(rank - shape.length).fill(1), ...shape];
}

/**
 * Reshapes x `[N, ...shape]` to `[N, ...padShape(shape, rank)]`, so that element-wise ops with
 * tensors of per-example rank `rank` broadcast as tfjs's `Merge` layers do (leading axes after the batch).
 */
export function alignRank(x: Tensor, rank: number): Tensor {
  const shape = x.shape.slice(1);
  return shape.length === rank ? x : tf.reshape(x, [x.shape[0], ...padShape(shape, rank)]);
}

/**
 * Sums a cotangent `g` `[K, N, ...outShape]` over the axes along which an input of per-example
 * shape `inShape` was broadcast, giving `[K, N, ...inShape]` (the VJP of a broadcast).
 */
export function unbroadcast(g: Tensor, inShape: number[]): Tensor {
  const outShape = g.shape.slice(2);
  const padded = padShape(inShape, outShape.length);
  const axes: number[] = [];
  padded.forEach((d, i) => {
    if (d === 1 && outShape[i] !== 1) axes.push(i + 2);
  });
  const [k, n] = g.shape;
  if (axes.length === 0) return padded.length === inShape.length ? tf.clone(g) : tf.reshape(g, [k, n, ...inShape]);
  return tf.reshape(tf.sum(g, axes, true), [k, n, ...inShape]);
}

/** The inverse of a permutation. */
export function inversePermutation(perm: number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => {
    inv[p] = i;
  });
  return inv;
}
