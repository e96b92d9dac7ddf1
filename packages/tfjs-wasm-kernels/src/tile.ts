/**
 * `Tile` for the wasm backend by contiguous block copies. tfjs-backend-wasm 4.22's own kernel
 * computes the source index of every output element (a division and a modulo per axis per
 * element); tfjs-layers' `LayerNormalization` tiles its mean, variance, `gamma` and `beta` to the
 * full input shape and `tf.broadcastTo` runs `Tile`, so on a small transformer that kernel was
 * most of the forward pass.
 *
 * Here the output is built from the innermost axis outwards: each input row is copied once to its
 * place (or `fill`ed when it is one entry), then every axis replicates the block it has finished by
 * doubling `copyWithin`s, so each output element is written once by a memory copy. Copies go
 * through an `Int32Array` view of the wasm heap for both `float32` and `int32`: bit-exact (−0, NaN
 * payloads, ±∞). Other dtypes (`bool`, and whatever else reaches it) go to the wasm backend's own
 * kernel, saved before it was replaced.
 * @packageDocumentation
 */
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { int32View, SHORT } from './heap.js';
import { input, replacingConfig } from './util.js';

/** One axis of a tile problem: the input's length `d` and the repetition count `r`. */
interface Axis {
  d: number;
  r: number;
}

/**
 * The same tiling on fewer axes: axes with `d = r = 1` dropped, neighbours with `r = 1` merged
 * (`d` multiplied), and a `d = 1` axis absorbed into a following `r = 1` axis (x[1, d] tiled by
 * [r, 1] is x[d] tiled by [r]) or into a following `d = 1` axis (reps multiplied).
 */
export function simplifyTile(shape: readonly number[], reps: readonly number[]): Axis[] {
  const out: Axis[] = [];
  for (let i = 0; i < shape.length; i++) {
    const cur: Axis = { d: shape[i], r: reps[i] };
    if (cur.d === 1 && cur.r === 1) continue;
    const prev = out[out.length - 1];
    if (prev && prev.r === 1 && cur.r === 1) prev.d *= cur.d;
    else if (prev && prev.d === 1 && cur.r === 1) out[out.length - 1] = { d: cur.d, r: prev.r };
    else if (prev && prev.d === 1 && cur.d === 1) prev.r *= cur.r;
    else out.push(cur);
  }
  return out.length > 0 ? out : [{ d: 1, r: 1 }];
}

/** Copies `out[start, start + len)` `r − 1` more times right after itself (doubling `copyWithin`s). */
function replicate(out: Int32Array, start: number, len: number, r: number): void {
  const total = len * r;
  if (len === 1) {
    out.fill(out[start], start + 1, start + total);
    return;
  }
  if (len < SHORT) {
    // Short blocks: a plain loop beats a call per copy.
    for (let i = start + len; i < start + total; i++) out[i] = out[i - len];
    return;
  }
  for (let done = len; done < total;) {
    const n = Math.min(done, total - done);
    out.copyWithin(start + done, start, start + n);
    done += n;
  }
}

/**
 * Calls `fn(at)` for every index of the input axes `0..k−1` (repetition 0 of each), in row-major
 * order, with `at` the output offset of that index (strides `block[1..k]`).
 */
function forEachBase(axes: readonly Axis[], k: number, block: readonly number[], fn: (at: number) => void): void {
  const index = new Array<number>(k).fill(0);
  const count = axes.slice(0, k).reduce((a, ax) => a * ax.d, 1);
  for (let n = 0, at = 0; n < count; n++) {
    fn(at);
    // Odometer over the axes before k; `at` follows the output strides.
    for (let j = k - 1; j >= 0; j--) {
      at += block[j + 1];
      if (++index[j] < axes[j].d) break;
      at -= axes[j].d * block[j + 1];
      index[j] = 0;
    }
  }
}

/**
 * Writes `x` tiled by the simplified `axes` into `out` (both flat, row-major, 4-byte elements).
 * Every output element is written exactly once.
 */
export function tileInto(x: Int32Array, out: Int32Array, axes: readonly Axis[]): void {
  const rank = axes.length;
  // block[k]: output elements under one index of axes 0..k-1 (the stride of axis k−1 in `out`).
  const block = new Array<number>(rank + 1).fill(1);
  for (let k = rank - 1; k >= 0; k--) block[k] = block[k + 1] * axes[k].d * axes[k].r;
  // 1. Each input row (innermost axis) to its place at repetition 0 of every other axis, replicated.
  const { d, r } = axes[rank - 1];
  let from = 0;
  forEachBase(axes, rank - 1, block, (at) => {
    if (d === 1) out.fill(x[from], at, at + r);
    else {
      if (d < SHORT) for (let j = 0; j < d; j++) out[at + j] = x[from + j];
      else out.set(x.subarray(from, from + d), at);
      if (r > 1) replicate(out, at, d, r);
    }
    from += d;
  });
  // 2. Axes outwards: under each index of the axes before k, the d_k finished blocks are contiguous.
  for (let k = rank - 2; k >= 0; k--) {
    const chunk = axes[k].d * block[k + 1];
    if (axes[k].r > 1) forEachBase(axes, k, block, (at) => replicate(out, at, chunk, axes[k].r));
  }
}

/**
 * A `KernelConfig` for `Tile` on wasm: block copies for `float32` / `int32` inputs with a non-empty
 * output, `original` (the wasm backend's own `Tile`) for everything else.
 */
export function tileConfig(original: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const x = input(args.inputs, 'x', 'Tile');
    const reps = (args.attrs as { reps: number[] }).reps;
    const shape = x.shape.map((d, i) => d * reps[i]);
    const size = shape.reduce((a, b) => a * b, 1);
    if ((x.dtype !== 'float32' && x.dtype !== 'int32') || size === 0 || reps.length !== x.shape.length) return original.kernelFunc(args);
    const backend = args.backend as BackendWasm;
    // Output first: its allocation may grow the wasm memory, which detaches earlier heap views.
    const out = backend.makeOutput(shape, x.dtype);
    tileInto(int32View(backend, x), int32View(backend, out), simplifyTile(x.shape, reps));
    return out;
  };
  return replacingConfig(original, kernelFunc);
}
