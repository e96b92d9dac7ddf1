/**
 * `BatchMatMul` / `_FusedMatMul` with `transposeA` / `transposeB` for the wasm backend: tfjs-backend-wasm
 * 4.22 sends a transposed operand to a scalar loop instead of XNNPACK (several times slower), and
 * every Dense layer's gradient in `model.fit` asks for one (dW = xᵀ·dy, dx = dy·Wᵀ). Here the flagged
 * operand is transposed explicitly (wasm `Transpose`) and the wasm backend's own kernel, saved
 * before it was replaced, runs the untransposed product.
 * @packageDocumentation
 */
import type { KernelConfig, KernelFunc, NamedAttrMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { UnsupportedKernelOptionError } from './errors.js';
import { asTensor, input, replacingConfig } from './util.js';

/** Swaps the last two axes (a copy in wasm's `Transpose`). */
function swapLastTwo(t: Tensor): Tensor {
  const perm = t.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return tf.transpose(t, perm);
}

/**
 * A `KernelConfig` for `kernelName` on wasm that materialises the transposes flagged in its attrs
 * and calls `original` (the wasm backend's own config for the same kernel) with the flags off.
 * Inputs other than `a` / `b` (bias, PReLU weights of `_FusedMatMul`) and other attrs pass through.
 */
export function transposingMatMulConfig(original: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const attrs = args.attrs as NamedAttrMap & { transposeA?: boolean; transposeB?: boolean };
    const a = input(args.inputs, 'a', original.kernelName);
    const b = input(args.inputs, 'b', original.kernelName);
    if (a.dtype !== 'float32' || b.dtype !== 'float32') {
      throw new UnsupportedKernelOptionError(original.kernelName, 'dtype', `${a.dtype}, ${b.dtype}`, 'float32 operands');
    }
    if (!attrs.transposeA && !attrs.transposeB) return original.kernelFunc(args);
    const made: Tensor[] = [];
    const operand = (info: TensorInfo, flag: boolean | undefined): TensorInfo => {
      if (!flag) return info;
      const t = tf.tidy(() => swapLastTwo(asTensor(info)));
      made.push(t);
      return t;
    };
    try {
      const inputs = { ...args.inputs, a: operand(a, attrs.transposeA), b: operand(b, attrs.transposeB) };
      return original.kernelFunc({ ...args, inputs, attrs: { ...attrs, transposeA: false, transposeB: false } });
    } finally {
      for (const t of made) t.dispose();
    }
  };
  return replacingConfig(original, kernelFunc);
}
