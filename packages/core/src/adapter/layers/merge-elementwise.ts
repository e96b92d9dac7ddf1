/**
 * The element-wise merge layers of tfjs-layers: `Add`, `Average`, `Multiply`, `Maximum`,
 * `Minimum`. Per-example shapes broadcast as tfjs's `Merge` layers broadcast them (NumPy rules,
 * a lower-rank input gets leading 1s after the batch axis); a broadcast input's cotangent is
 * summed over the axes it was broadcast along.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { UnsupportedLayerError } from '../../errors.js';
import type { LayerLike } from '../../model-like.js';
import type { LayerAdapterContext, MergeLayer } from '../types.js';
import { alignRank, broadcastShapes, unbroadcast } from './util-merge.js';

interface MergeBase {
  shapes: number[][];
  outputShape: number[];
  /** Every input as `[N, ...]` with the output's per-example rank. */
  align(xs: Tensor[]): Tensor[];
}

function mergeBase(layer: LayerLike, context: LayerAdapterContext): MergeBase {
  const shapes = context.inputShapes.map((s) => s.slice());
  if (shapes.length < 2) {
    throw new UnsupportedLayerError(layer.name, layer.getClassName(), `a merge applied to ${shapes.length} input(s) (needs at least 2)`);
  }
  const outputShape = broadcastShapes(layer, shapes);
  return { shapes, outputShape, align: (xs) => xs.map((x) => alignRank(x, outputShape.length)) };
}

function header(layer: LayerLike, base: MergeBase) {
  return {
    kind: 'merge' as const,
    name: layer.name,
    className: layer.getClassName(),
    inputShapes: base.shapes,
    outputShape: base.outputShape,
    // Structured removal: channel i of every input is one channel (unless an input is broadcast).
    ...(base.shapes.every((s) => s.length === base.outputShape.length && s.every((d, i) => d === base.outputShape[i]))
      ? { channels: { flow: 'follow' as const } }
      : {}),
  };
}

/** y = the broadcast output shape of x for `[N, ...]` inputs (a no-op when the shapes already agree). */
function toOutput(x: Tensor, outputShape: number[]): Tensor {
  const full = [x.shape[0], ...outputShape];
  return x.shape.every((d, i) => d === full[i]) ? x : tf.broadcastTo(x, full);
}

/** `tf.layers.add`: y = Σ_i x_i; every input's cotangent is dy (summed over its broadcast axes). */
export function addLayer(layer: LayerLike, _inputShape: number[], context: LayerAdapterContext): MergeLayer {
  const base = mergeBase(layer, context);
  return {
    ...header(layer, base),
    linearity: 'linear',
    forward: (xs) => tf.tidy(() => toOutput(tf.addN(base.align(xs).map((x) => toOutput(x, base.outputShape))), base.outputShape)),
    vjp: (dy) => base.shapes.map((s) => unbroadcast(dy, s)),
  };
}

/** `tf.layers.average`: y = (Σ_i x_i) / m (tfjs sums, then multiplies by 1/m). */
export function averageLayer(layer: LayerLike, _inputShape: number[], context: LayerAdapterContext): MergeLayer {
  const base = mergeBase(layer, context);
  const m = base.shapes.length;
  return {
    ...header(layer, base),
    linearity: 'linear',
    forward: (xs) =>
      tf.tidy(() => {
        const [first, ...rest] = base.align(xs);
        let y = first;
        for (const x of rest) y = tf.add(y, x);
        return toOutput(tf.mul(1 / m, y), base.outputShape);
      }),
    vjp: (dy) =>
      tf.tidy(() => {
        const g = tf.mul(dy, 1 / m);
        return base.shapes.map((s) => unbroadcast(g, s));
      }),
  };
}

/**
 * `tf.layers.multiply`: y = Π_i x_i; the cotangent of x_j is dy ⊙ Π_{i≠j} x_i. Bilinear for two
 * inputs (its second derivative is constant); no linearity fact for more.
 */
export function multiplyLayer(layer: LayerLike, _inputShape: number[], context: LayerAdapterContext): MergeLayer {
  const base = mergeBase(layer, context);
  const product = (xs: Tensor[]) => xs.reduce((acc, x) => tf.mul(acc, x));
  return {
    ...header(layer, base),
    ...(base.shapes.length === 2 ? { linearity: 'bilinear' as const } : {}),
    forward: (xs) => tf.tidy(() => toOutput(product(base.align(xs)), base.outputShape)),
    vjp: (dy, xs) =>
      tf.tidy(() => {
        const al = base.align(xs);
        return base.shapes.map((s, j) => unbroadcast(tf.mul(dy, product(al.filter((_, i) => i !== j))), s));
      }),
  };
}

/**
 * `Maximum` / `Minimum`: tfjs folds the inputs left to right, acc_i = max(acc_{i−1}, x_i), and
 * its gradient sends the cotangent to acc_{i−1} where acc_{i−1} ≥ x_i (≤ for the minimum), else
 * to x_i: ties go to the earlier input. The VJP follows that rule exactly.
 */
function extremumLayer(kind: 'max' | 'min', layer: LayerLike, context: LayerAdapterContext): MergeLayer {
  const base = mergeBase(layer, context);
  const op = kind === 'max' ? tf.maximum : tf.minimum;
  const keepsAcc = kind === 'max' ? tf.greaterEqual : tf.lessEqual;
  return {
    ...header(layer, base),
    // Piecewise linear: MergeLayer has no such linearity fact, so second-order consumers refuse it.
    forward: (xs) =>
      tf.tidy(() =>
        toOutput(
          base.align(xs).reduce((acc, x) => op(acc, x)),
          base.outputShape,
        ),
      ),
    vjp: (dy, xs) =>
      tf.tidy(() => {
        const al = base.align(xs);
        const acc: Tensor[] = [al[0]];
        for (let i = 1; i < al.length; i++) acc.push(op(acc[i - 1], al[i]));
        const out: Tensor[] = new Array(al.length);
        let g = dy; // cotangent of acc_i, in acc_i's broadcast shape
        for (let i = al.length - 1; i >= 1; i--) {
          const mask = tf.cast(keepsAcc(acc[i - 1], al[i]), 'float32');
          out[i] = unbroadcast(tf.mul(g, tf.sub(1, mask)), base.shapes[i]);
          const accShape = accShapeOf(base.shapes.slice(0, i), base.outputShape.length);
          g = unbroadcast(tf.mul(g, mask), accShape);
        }
        out[0] = unbroadcast(g, base.shapes[0]);
        return out;
      }),
  };
}

/** Per-example shape of acc after folding inputs of these shapes, at the output's rank. */
function accShapeOf(shapes: number[][], rank: number): number[] {
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    const padded = [...new Array<number>(rank - s.length).fill(1), ...s];
    padded.forEach((d, i) => {
      if (d !== 1) out[i] = d;
    });
  }
  return out;
}

/** `tf.layers.maximum`: element-wise maximum of the inputs (ties: the earlier input gets the cotangent). */
export function maximumLayer(layer: LayerLike, _inputShape: number[], context: LayerAdapterContext): MergeLayer {
  return extremumLayer('max', layer, context);
}

/** `tf.layers.minimum`: element-wise minimum of the inputs (ties: the earlier input gets the cotangent). */
export function minimumLayer(layer: LayerLike, _inputShape: number[], context: LayerAdapterContext): MergeLayer {
  return extremumLayer('min', layer, context);
}
