/**
 * Registration of this package's kernels for the `wasm` backend: added where tfjs-backend-wasm has
 * none, replacing (and remembering) its own where it is wrong or slow. Idempotent; reversible with
 * {@link unregisterWasmKernels} (the wasm backend's own kernels come back).
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { transposingMatMulConfig } from './batch-mat-mul.js';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig } from './depthwise-backprop.js';
import { MissingWasmKernelError } from './errors.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { tileConfig } from './tile.js';
import { sliceConfig } from './slice.js';
import { splitVConfig } from './split-v.js';
import { fusedBatchNormConfig } from './fused-batch-norm.js';
import { transposeConfig } from './transpose.js';

/** The kernels this package registers for `wasm`, in registration order. */
export const WASM_KERNEL_NAMES = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'MaxPoolGrad',
  'BatchMatMul',
  '_FusedMatMul',
  'Tile',
  'Slice',
  'SplitV',
  'FusedBatchNorm',
  'Transpose',
] as const;

/** One of {@link WASM_KERNEL_NAMES}. */
export type WasmKernelName = (typeof WASM_KERNEL_NAMES)[number];

/** Kernels that wrap the wasm backend's own registration of the same name (it must exist). */
const WRAPPED: Partial<Record<WasmKernelName, (original: KernelConfig) => KernelConfig>> = {
  BatchMatMul: transposingMatMulConfig,
  _FusedMatMul: transposingMatMulConfig,
  Tile: tileConfig,
  Slice: sliceConfig,
  SplitV: splitVConfig,
  FusedBatchNorm: fusedBatchNormConfig,
  Transpose: transposeConfig,
};

/** Kernels that stand alone (added, or replacing a wrong wasm kernel). */
const STANDALONE: Partial<Record<WasmKernelName, KernelConfig>> = {
  Conv2DBackpropFilter: conv2dBackpropFilterConfig,
  DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilterConfig,
  DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInputConfig,
  MaxPoolGrad: maxPoolGradConfig,
};

/** What was registered for 'wasm' under each name before this package, `null` where nothing was. */
let saved: Map<WasmKernelName, KernelConfig | null> | null = null;

/**
 * Registers this package's kernels for the `wasm` backend (the package's
 * side-effect import calls it): `Conv2DBackpropFilter`, `DepthwiseConv2dNativeBackpropFilter` / `…BackpropInput` (missing in
 * tfjs-backend-wasm 4.22), a correct `MaxPoolGrad`, and `BatchMatMul` / `_FusedMatMul` that
 * transpose flagged operands explicitly and run the wasm backend's fast path, and copy kernels
 * that read the wasm heap in place: `Tile` of contiguous block copies, `Slice` / `SplitV` without a
 * copy of the whole input per call (float32 / int32; other dtypes keep the wasm backend's own), and
 * `FusedBatchNorm` as one multiply-add pass (float32 with per-channel parameters; the rest keeps the original),
 * and `Transpose` of (batched) matrices in strips through heap views (other permutations keep the original).
 * Idempotent: a second call changes nothing.
 * @returns the names of the kernels now registered by this package, {@link WASM_KERNEL_NAMES}.
 * @throws {@link MissingWasmKernelError} when tfjs-backend-wasm's own `BatchMatMul` / `_FusedMatMul` /
 *   `Tile` / `Slice` / `SplitV` / `FusedBatchNorm` / `Transpose` are not registered (the replacements call them).
 */
export function registerWasmKernels(): readonly WasmKernelName[] {
  if (saved) return WASM_KERNEL_NAMES;
  const before = new Map<WasmKernelName, KernelConfig | null>();
  for (const name of WASM_KERNEL_NAMES) {
    const existing = tf.getKernel(name, 'wasm') ?? null;
    if (WRAPPED[name] && !existing) throw new MissingWasmKernelError(name);
    before.set(name, existing);
  }
  for (const name of WASM_KERNEL_NAMES) {
    const existing = before.get(name) ?? null;
    const config = WRAPPED[name]?.(existing as KernelConfig) ?? STANDALONE[name];
    if (!config) throw new MissingWasmKernelError(name);
    if (existing) tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(config);
  }
  saved = before;
  return WASM_KERNEL_NAMES;
}

/**
 * Undoes {@link registerWasmKernels}: the wasm backend's own kernels are registered again (and the
 * ones it lacks removed). For A/B comparisons and tests; a no-op when nothing is registered.
 * @returns the names of the kernels it restored or removed (empty when nothing was registered).
 */
export function unregisterWasmKernels(): readonly WasmKernelName[] {
  if (!saved) return [];
  for (const [name, original] of saved) {
    tf.unregisterKernel(name, 'wasm');
    if (original) tf.registerKernel(original);
  }
  saved = null;
  return WASM_KERNEL_NAMES;
}

/** Whether this package's kernels are registered for `wasm` right now. */
export function wasmKernelsRegistered(): boolean {
  return saved !== null;
}
