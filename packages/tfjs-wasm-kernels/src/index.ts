/**
 * `@spam/tfjs-wasm-kernels`: the kernels tfjs-backend-wasm 4.22 lacks or gets wrong, registered for
 * the `wasm` backend by importing this package once (after `@tensorflow/tfjs`; it imports `@tensorflow/tfjs-backend-wasm`
 * itself) before `tf.setBackend('wasm')`. See the README for a runnable example.
 *
 * Then `model.fit` / `optimizer.minimize` train `Conv2D`, `DepthwiseConv2D` and `MaxPooling2D`
 * models on wasm, with correct max-pool gradients, and Dense gradients stay on XNNPACK; `Tile`
 * (tfjs-layers' `LayerNormalization`, `tf.broadcastTo`), `Slice` and `SplitV` copy memory in place
 * instead of per-element index arithmetic or whole-input copies, and matrix `Transpose`s copy in strips.
 * @packageDocumentation
 */
// tfjs-core first: without the peer, Node's error names @tensorflow/tfjs-core.
import '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from './register.js';

registerWasmKernels();

export { registerWasmKernels, unregisterWasmKernels, wasmKernelsRegistered, WASM_KERNEL_NAMES } from './register.js';
export type { WasmKernelName } from './register.js';
export { MissingWasmKernelError, UnsupportedKernelOptionError, WasmKernelsError } from './errors.js';
export { conv2dBackpropFilter } from './conv2d-backprop-filter.js';
export { depthwiseBackpropFilter, depthwiseBackpropInput } from './depthwise-backprop.js';
export { maxPoolGrad } from './max-pool-grad.js';
