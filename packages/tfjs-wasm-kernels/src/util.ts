/**
 * Shared tensor plumbing of the kernels: inputs as tensors, explicit padding / cropping, zero
 * insertion between entries (the transpose of a stride). Only whole-tensor tfjs ops: no per-element
 * JavaScript loops.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedTensorInfoMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import { UnsupportedKernelOptionError } from './errors.js';

/**
 * A kernel input as a `Tensor`. Inputs arriving through `tf.engine().runKernel` from an op are
 * tensors already; a bare `TensorInfo` gets a tensor view that the enclosing `tf.tidy` disposes.
 */
export function asTensor(info: TensorInfo): Tensor {
  if ((info as Tensor).rank != null) return info as Tensor;
  return tf.engine().makeTensorFromTensorInfo(info);
}

/**
 * The `KernelConfig` that replaces `original` (the wasm backend's own config for the same kernel)
 * by `kernelFunc`, keeping its setup and dispose hooks (the wasm backend's memory management).
 */
export function replacingConfig(original: KernelConfig, kernelFunc: KernelFunc): KernelConfig {
  return {
    kernelName: original.kernelName,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc,
  };
}

/** Input `name` of a kernel call; a missing one is an {@link UnsupportedKernelOptionError} naming the kernel and input. */
export function input(inputs: NamedTensorInfoMap, name: string, kernel: string): TensorInfo {
  const info = inputs[name];
  if (info == null) throw new UnsupportedKernelOptionError(kernel, `inputs.${name}`, null, 'a tensor');
  return info;
}

/** Runs a registered kernel of the active backend (bypassing the op-level checks, e.g. stride with dilation). */
export function run(kernel: string, inputs: Record<string, Tensor>, attrs: object): Tensor {
  return tf.engine().runKernel(kernel, inputs, attrs as tf.NamedAttrMap) as Tensor;
}

/**
 * Pads (positive amounts) or crops (negative amounts) axis `axis` of `t`: `before` entries at the
 * start, `after` at the end, with `value` as the padding.
 */
export function padOrCrop(t: Tensor, axis: number, before: number, after: number, value = 0): Tensor {
  let out = t;
  const cropBefore = Math.max(0, -before);
  const cropAfter = Math.max(0, -after);
  if (cropBefore > 0 || cropAfter > 0) {
    const begin = out.shape.map((_, i) => (i === axis ? cropBefore : 0));
    const size = out.shape.map((d, i) => (i === axis ? d - cropBefore - cropAfter : d));
    out = tf.slice(out, begin, size);
  }
  if (before > 0 || after > 0) {
    const pads = out.shape.map<[number, number]>((_, i) => (i === axis ? [Math.max(0, before), Math.max(0, after)] : [0, 0]));
    out = tf.pad(out, pads, value);
  }
  return out;
}

/**
 * Inserts `s − 1` zeros between consecutive entries of axis `axis` (length L → (L − 1)·s + 1): the
 * adjoint of a stride-`s` subsampling. A reshape, a pad and a slice; `s = 1` returns `t`.
 */
export function insertZeros(t: Tensor, axis: number, s: number): Tensor {
  if (s === 1) return t;
  const shape = t.shape;
  const outer = shape.slice(0, axis + 1).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const spread = tf.pad(tf.reshape(t, [outer, 1, inner]), [
    [0, 0],
    [0, s - 1],
    [0, 0],
  ]);
  const l = shape[axis];
  const wide = tf.reshape(spread, [...shape.slice(0, axis), l * s, ...shape.slice(axis + 1)]);
  return tf.slice(
    wide,
    shape.map(() => 0),
    shape.map((d, i) => (i === axis ? (l - 1) * s + 1 : d)),
  );
}
