// Registration: the side-effect import registers, registerWasmKernels is idempotent and returns the
// names, unregisterWasmKernels restores the wasm backend's own kernels, a missing wasm kernel is a
// typed error that changes nothing.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  MissingWasmKernelError,
  registerWasmKernels,
  unregisterWasmKernels,
  WASM_KERNEL_NAMES,
  wasmKernelsRegistered,
} from '@spam/tfjs-wasm-kernels';

describe('registerWasmKernels', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });
  afterEach(() => {
    registerWasmKernels();
  });

  it('the import registered every kernel for wasm (and for no other backend)', () => {
    expect(wasmKernelsRegistered()).toBe(true);
    for (const name of WASM_KERNEL_NAMES) expect(tf.getKernel(name, 'wasm'), name).toBeDefined();
    expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')).not.toBe(tf.getKernel('Conv2DBackpropFilter', 'wasm'));
  });

  it('is idempotent and returns the names; unregister restores the originals and the missing ones go', () => {
    const now = WASM_KERNEL_NAMES.map((n) => tf.getKernel(n, 'wasm'));
    expect(registerWasmKernels()).toEqual(WASM_KERNEL_NAMES);
    expect(WASM_KERNEL_NAMES.map((n) => tf.getKernel(n, 'wasm'))).toEqual(now);
    expect(unregisterWasmKernels()).toEqual(WASM_KERNEL_NAMES);
    expect(wasmKernelsRegistered()).toBe(false);
    expect(unregisterWasmKernels()).toEqual([]);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    expect(tf.getKernel('DepthwiseConv2dNativeBackpropInput', 'wasm')).toBeUndefined();
    for (const name of ['MaxPoolGrad', 'BatchMatMul', '_FusedMatMul', 'Tile']) {
      const original = tf.getKernel(name, 'wasm');
      expect(original, name).toBeDefined();
      expect(now[WASM_KERNEL_NAMES.indexOf(name as (typeof WASM_KERNEL_NAMES)[number])]).not.toBe(original);
    }
    expect(registerWasmKernels()).toEqual(WASM_KERNEL_NAMES);
    expect(WASM_KERNEL_NAMES.map((n) => tf.getKernel(n, 'wasm')?.kernelName)).toEqual([...WASM_KERNEL_NAMES]);
  });

  it("without tfjs-backend-wasm's BatchMatMul: a typed error naming it, and nothing registered", () => {
    unregisterWasmKernels();
    const original = tf.getKernel('BatchMatMul', 'wasm');
    tf.unregisterKernel('BatchMatMul', 'wasm');
    try {
      expect(() => registerWasmKernels()).toThrow(MissingWasmKernelError);
      expect(() => registerWasmKernels()).toThrow(/'BatchMatMul'/);
      expect(wasmKernelsRegistered()).toBe(false);
      expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    } finally {
      tf.registerKernel(original);
    }
  });
});
