/**
 * Direct access to wasm tensors' memory for the copy kernels (`Tile`, `Slice`, `SplitV`): views of
 * the wasm heap (no copy out, unlike the backend's `readSync`). Only 4-byte dtypes, always through
 * an `Int32Array`: copies are bit for bit (no float NaN rewriting), and the copy loops see one array
 * type (V8 slows a loop down several times once it has seen a second one). Views are taken after
 * every output is allocated: an allocation may grow the wasm memory, which detaches earlier views.
 * @packageDocumentation
 */
import type { DataType, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Whether the copy kernels here handle `dtype` (float32, int32); others go to the wasm backend's own kernels. */
export function copyableDtype(dtype: DataType): boolean {
  return dtype === 'float32' || dtype === 'int32';
}

/** A float32 / int32 wasm tensor's memory as an `Int32Array` view. */
export function int32View(backend: BackendWasm, info: TensorInfo): Int32Array {
  const a = backend.typedArrayFromHeap(info);
  return new Int32Array(a.buffer, a.byteOffset, a.length);
}

/** Below this many elements a block is copied by a loop instead of `set` / `copyWithin`. */
export const SHORT = 64;
