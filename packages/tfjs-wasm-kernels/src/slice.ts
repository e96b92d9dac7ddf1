/**
 * `Slice` for the wasm backend by contiguous runs read in place. tfjs-backend-wasm 4.22's own
 * kernel first copies the *whole* input out of the wasm heap (`readSync`), then copies the slice
 * row by row with a `TypedArray.set` per row: taking one of K slices of a `[K, N, …]` cotangent
 * cost K times the slice, and narrow rows (a head's 16 features) a call per 16 numbers. Here the
 * input is read through a heap view, the slice is walked as runs of its innermost contiguous
 * extent, and short runs are copied by a loop. Other dtypes than float32 / int32 go to the wasm
 * backend's own kernel.
 * @packageDocumentation
 */
import { slice_util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { copyableDtype, int32View, SHORT } from './heap.js';
import { input, replacingConfig } from './util.js';

/**
 * Copies the box `begin` + `size` (all sizes > 0) of `src` (row-major `shape`) into `dst` from
 * offset 0, as runs of its innermost contiguous extent (the trailing whole axes and the last
 * partial one); the axis just outside the runs is a tight loop, the ones further out an odometer.
 */
export function sliceInto(
  src: Int32Array,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  dst: Int32Array,
): void {
  const rank = shape.length;
  const strides = new Array<number>(rank + 1).fill(1);
  for (let k = rank - 1; k >= 0; k--) strides[k] = strides[k + 1] * shape[k];
  // Axes a+1.. are whole: one run covers size[a] · stride[a + 1] elements.
  let a = rank - 1;
  while (a > 0 && size[a] === shape[a]) a--;
  const run = rank === 0 ? 1 : size[a] * strides[a + 1];
  let from = 0;
  for (let k = 0; k < rank; k++) from += begin[k] * strides[k + 1];
  // Rows: axis a − 1 (step strides[a]); blocks of rows: the odometer over axes 0..a−2.
  const rows = a >= 1 ? size[a - 1] : 1;
  const step = a >= 1 ? strides[a] : 0;
  const outer = Math.max(a - 1, 0);
  const blocks = size.slice(0, outer).reduce((p, d) => p * d, 1);
  const index = new Array<number>(outer).fill(0);
  let to = 0;
  for (let b = 0; b < blocks; b++) {
    let f = from;
    if (run < SHORT) {
      for (let r = 0; r < rows; r++, f += step) for (let j = 0; j < run; j++) dst[to++] = src[f + j];
    } else {
      for (let r = 0; r < rows; r++, f += step, to += run) dst.set(src.subarray(f, f + run), to);
    }
    for (let k = outer - 1; k >= 0; k--) {
      from += strides[k + 1];
      if (++index[k] < size[k]) break;
      from -= size[k] * strides[k + 1];
      index[k] = 0;
    }
  }
}

/** Allocates the slice `begin` + `size` of a float32 / int32 `x` on the wasm backend and fills it (views taken after the allocation). */
export function wasmSlice(backend: BackendWasm, x: TensorInfo, begin: readonly number[], size: number[]): TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  if (size.every((d) => d > 0)) sliceInto(int32View(backend, x), x.shape, begin, size, int32View(backend, out));
  return out;
}

/** A `KernelConfig` for `Slice` on wasm: heap-view runs for float32 / int32, `original` for other dtypes. */
export function sliceConfig(original: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const x = input(args.inputs, 'x', 'Slice');
    if (!copyableDtype(x.dtype)) return original.kernelFunc(args);
    const attrs = args.attrs as { begin: number | number[]; size?: number | number[] };
    const [begin, size] = slice_util.parseSliceParams(x, attrs.begin, attrs.size);
    return wasmSlice(args.backend as BackendWasm, x, begin, size);
  };
  return replacingConfig(original, kernelFunc);
}
