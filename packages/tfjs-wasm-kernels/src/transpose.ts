/**
 * `Transpose` for the wasm backend when it moves the innermost axis (a matrix transpose, possibly
 * batched): tfjs-backend-wasm 4.22 copies those element by element with strided writes, 110–185
 * million elements/s, while permutations that keep the innermost axis run at 400–1,000 M/s. Every
 * explicit transpose of a matMul operand is of the slow kind (the `BatchMatMul` here, KFAC's
 * Gram matrices XᵀX). Here the permutation is first reduced (size-1 axes dropped, axes that stay
 * neighbours merged); a reduced `[1, 0]` or `[0, 2, 1]` is copied through heap views in 8-row
 * strips, 2–3× faster; any other permutation, and other dtypes than float32 / int32, go to the
 * wasm backend's own kernel. Copies are bit for bit.
 * @packageDocumentation
 */
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { copyableDtype, int32View } from './heap.js';
import { input, replacingConfig } from './util.js';

/** Rows per strip: read 8 rows side by side, write 8 consecutive entries of each output row. */
const STRIP = 8;

/**
 * The permutation `perm` of `shape` with size-1 axes dropped and runs of axes that stay adjacent
 * and in order merged: `{ shape, perm }` of the same copy on fewer axes (rank 0 for a pure reshape).
 */
export function reducePermutation(shape: readonly number[], perm: readonly number[]): { shape: number[]; perm: number[] } {
  // Position of each kept (size ≠ 1) axis among the kept axes in input order.
  const keptInInput = shape.map((_, axis) => axis).filter((axis) => shape[axis] !== 1);
  const rank = (axis: number) => keptInInput.indexOf(axis);
  // Groups of kept axes that follow each other in the input and appear in that order in the output.
  const groups: number[][] = [];
  for (const axis of perm.filter((a) => shape[a] !== 1)) {
    const last = groups[groups.length - 1];
    if (last && rank(last[last.length - 1]) + 1 === rank(axis)) last.push(axis);
    else groups.push([axis]);
  }
  // Input order of the groups gives the reduced input shape; output order gives the reduced perm.
  const byInput = [...groups].sort((g, h) => g[0] - h[0]);
  return {
    shape: byInput.map((g) => g.reduce((p, axis) => p * shape[axis], 1)),
    perm: groups.map((g) => byInput.indexOf(g)),
  };
}

/**
 * `dst[b][j][i] = src[b][i][j]` for `batch` row-major `rows × cols` matrices, in strips of
 * {@link STRIP} source rows (each source row read sequentially, each output row written in
 * runs of 8).
 */
export function transposeMatrices(src: Int32Array, dst: Int32Array, batch: number, rows: number, cols: number): void {
  const size = rows * cols;
  for (let b = 0; b < batch; b++) {
    const base = b * size;
    let i0 = 0;
    for (; i0 + STRIP <= rows; i0 += STRIP) {
      const s = base + i0 * cols;
      for (let j = 0, d = base + i0; j < cols; j++, d += rows) {
        dst[d] = src[s + j];
        dst[d + 1] = src[s + cols + j];
        dst[d + 2] = src[s + 2 * cols + j];
        dst[d + 3] = src[s + 3 * cols + j];
        dst[d + 4] = src[s + 4 * cols + j];
        dst[d + 5] = src[s + 5 * cols + j];
        dst[d + 6] = src[s + 6 * cols + j];
        dst[d + 7] = src[s + 7 * cols + j];
      }
    }
    for (; i0 < rows; i0++) {
      const s = base + i0 * cols;
      for (let j = 0, d = base + i0; j < cols; j++, d += rows) dst[d] = src[s + j];
    }
  }
}

/** A `KernelConfig` for `Transpose` on wasm: (batched) matrix transposes through heap views, `original` for the rest. */
export function transposeConfig(original: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const x = input(args.inputs, 'x', 'Transpose');
    const { perm } = args.attrs as { perm: number[] };
    if (!copyableDtype(x.dtype) || !Array.isArray(perm) || perm.length !== x.shape.length) return original.kernelFunc(args);
    const r = reducePermutation(x.shape, perm);
    const matrix = r.perm.length === 2 && r.perm[0] === 1;
    const batched = r.perm.length === 3 && r.perm[0] === 0 && r.perm[1] === 2;
    if (!matrix && !batched) return original.kernelFunc(args);
    const backend = args.backend as BackendWasm;
    const out = backend.makeOutput(
      perm.map((axis) => x.shape[axis]),
      x.dtype,
    );
    const [batch, rows, cols] = matrix ? [1, r.shape[0], r.shape[1]] : (r.shape as [number, number, number]);
    // Views after the allocation (it may grow the wasm memory).
    transposeMatrices(int32View(backend, x), int32View(backend, out), batch, rows, cols);
    return out;
  };
  return replacingConfig(original, kernelFunc);
}
