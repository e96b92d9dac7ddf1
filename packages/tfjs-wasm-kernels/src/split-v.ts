/**
 * `SplitV` for the wasm backend: each piece by {@link wasmSlice} (heap-view runs). tfjs-backend-wasm
 * 4.22's own `SplitV` calls its `Slice`, which copies the whole input out of the heap once per
 * piece: splitting a `[K, N, T, 128]` cotangent into 8 heads copied it 8 times, then row by row
 * (a model's `Concatenate` gradient, SpaM's VJP of it). Other dtypes than float32 / int32 go to the wasm backend's own kernel.
 * @packageDocumentation
 */
import { backend_util, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { copyableDtype } from './heap.js';
import { wasmSlice } from './slice.js';
import { input, replacingConfig } from './util.js';

/** A `KernelConfig` for `SplitV` on wasm: pieces by heap-view slices for float32 / int32, `original` for other dtypes. */
export function splitVConfig(original: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const x = input(args.inputs, 'x', 'SplitV');
    if (!copyableDtype(x.dtype)) return original.kernelFunc(args);
    const attrs = args.attrs as { numOrSizeSplits: number | number[]; axis: number | number[] };
    const axis = util.parseAxisParam(attrs.axis, x.shape)[0];
    const sizes = backend_util.prepareSplitSize(x, attrs.numOrSizeSplits, axis);
    const begin = x.shape.map(() => 0);
    return sizes.map((s): TensorInfo => {
      const size = x.shape.slice();
      size[axis] = s;
      const piece = wasmSlice(args.backend as BackendWasm, x, begin, size);
      begin[axis] += s;
      return piece;
    });
  };
  return replacingConfig(original, kernelFunc);
}
