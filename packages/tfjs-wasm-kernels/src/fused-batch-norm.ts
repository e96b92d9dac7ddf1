/**
 * `FusedBatchNorm` for the wasm backend as one XNNPACK pass. tfjs-backend-wasm 4.22's own kernel
 * divides every element by √(variance + ε) (a square root and a division per element, no SIMD):
 * on the bench ResNet it cost ~15× a `Relu` of the same tensor and ~23 % of inference.
 *
 * Here the per-channel factors a = scale / √(variance + ε) and b = offset − mean · a are computed
 * once per call (float64 from the parameters' heap views, stored as float32), and y = x · a + b is
 * the wasm backend's own `FusedDepthwiseConv2D` with a 1×1 filter `a` and bias `b` over x viewed as
 * `[rows, 1, 1, L]`: one SIMD pass, ~1–2× a `Relu`. (A JavaScript loop over the heap was as slow as
 * the original, a broadcast `Multiply` + `Add` ~2× slower than the depthwise pass.)
 *
 * Semantics are tfjs's (the `cpu` kernel's): entry j of a parameter with L entries applies to the
 * flat elements i with i mod L = j, so a rank-1 `[C]` parameter is the last axis. Not bit-exact
 * against `cpu`, which computes offset + (x − mean) · scale / √(variance + ε) in float64 and rounds
 * once: here a and b are rounded to float32 and x · a + b is rounded twice (float32 reassociation).
 * Handled: float32 operands whose parameters all have L entries with L dividing the input's size at
 * least {@link MIN_ROWS} times, at least {@link MIN_SIZE} elements, with finite factors. Everything else goes to the wasm backend's own kernel, saved before
 * it was replaced: other dtypes, mixed parameter lengths, empty tensors, and parameters tiled to (or
 * nearly to) the input's full size, as tfjs-layers' `LayerNormalization` sends, where the factors
 * cost a square root per element anyway (measured: no faster than the original). The gradient of
 * `tf.batchNorm` is built from other ops and never calls this kernel.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { input, replacingConfig } from './util.js';

/** Fewest rows (input size / parameter length) for which the factors are precomputed; fewer go to the original kernel. */
export const MIN_ROWS = 4;

/**
 * Fewest input elements for the fast path: below it the fixed cost of a call (factors, filter and
 * bias buffers, an XNNPACK operator; ~7 µs) exceeds the original's per-element work (measured:
 * `[1, 4, 4, 64]` 6.4 µs original, 8.8 µs here; `[1, 14, 14, 16]` 16 → 9 µs).
 */
export const MIN_SIZE = 2048;

/** The common parameter length L of a call handled here, or `null` to fall back to the original kernel. */
function commonLength(x: TensorInfo, params: readonly (TensorInfo | undefined)[]): number | null {
  if (x.dtype !== 'float32') return null;
  const size = x.shape.reduce((p, d) => p * d, 1);
  let length = -1;
  for (const p of params) {
    if (p == null) continue;
    if (p.dtype !== 'float32') return null;
    const l = p.shape.reduce((q, d) => q * d, 1);
    if (length >= 0 && l !== length) return null;
    length = l;
  }
  return length > 0 && size >= MIN_SIZE && size % length === 0 && size / length >= MIN_ROWS ? length : null;
}

/**
 * The factors of y = x · a + b per parameter entry j: a = scale / √(variance + ε), b = offset − mean · a,
 * computed in float64 (an absent scale is 1, an absent offset 0) and rounded to float32.
 * @returns `a` and `b`, each with `mean.length` entries, or `null` when one is not finite (zero or
 *   negative variance + ε, non-finite parameters, float32 overflow): x · a + b would then differ
 *   from offset + (x − mean) · a (∞ − ∞), so such calls go to the original kernel.
 */
export function batchNormFactors(
  mean: Float32Array,
  variance: Float32Array,
  offset: Float32Array | null,
  scale: Float32Array | null,
  epsilon: number,
): { a: Float32Array; b: Float32Array } | null {
  const n = mean.length;
  const a = new Float32Array(n);
  const b = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    const aj = (scale ? scale[j] : 1) / Math.sqrt(variance[j] + epsilon);
    a[j] = aj;
    b[j] = (offset ? offset[j] : 0) - mean[j] * aj;
    if (!Number.isFinite(a[j]) || !Number.isFinite(b[j])) return null;
  }
  return { a, b };
}

const DEPTHWISE_ATTRS = { strides: [1, 1], pad: 'valid', dilations: [1, 1], dataFormat: 'NHWC', activation: 'linear' };

/**
 * A `KernelConfig` for `FusedBatchNorm` on wasm: y = x · a + b as one 1×1 `FusedDepthwiseConv2D`
 * of the wasm backend for float32 inputs whose parameters share one length L (dividing the input's
 * size at least {@link MIN_ROWS} times, {@link MIN_SIZE} elements or more); `original` (the wasm backend's own kernel) for everything else.
 */
export function fusedBatchNormConfig(original: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { inputs } = args;
    const x = input(inputs, 'x', 'FusedBatchNorm');
    const mean = input(inputs, 'mean', 'FusedBatchNorm');
    const variance = input(inputs, 'variance', 'FusedBatchNorm');
    const offset = inputs.offset ?? undefined;
    const scale = inputs.scale ?? undefined;
    const length = commonLength(x, [mean, variance, offset, scale]);
    const depthwise = tf.getKernel('FusedDepthwiseConv2D', 'wasm');
    if (length == null || depthwise == null) return original.kernelFunc(args);
    const backend = args.backend as BackendWasm;
    const epsilon = (args.attrs as { varianceEpsilon?: number | null }).varianceEpsilon ?? 0.001;
    const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
    const factors = batchNormFactors(view(mean), view(variance), offset ? view(offset) : null, scale ? view(scale) : null, epsilon);
    if (factors == null) return original.kernelFunc(args);
    const { a, b } = factors;
    // Filter and bias are written from host arrays (no heap view is held across an allocation).
    const filter = backend.makeOutput([1, 1, length, 1], 'float32', undefined, a);
    const bias = backend.makeOutput([length], 'float32', undefined, b);
    const rows = x.shape.reduce((p, d) => p * d, 1) / length;
    // x viewed as [rows, 1, 1, L]: the backend reads only dataId and the shape passed here.
    const flat: TensorInfo = { dataId: x.dataId, shape: [rows, 1, 1, length], dtype: 'float32' };
    try {
      const y = depthwise.kernelFunc({ inputs: { x: flat, filter, bias }, backend, attrs: DEPTHWISE_ATTRS }) as TensorInfo;
      return { dataId: y.dataId, shape: x.shape, dtype: 'float32' };
    } finally {
      // Disposing them also deletes the XNNPACK operator cached for this filter / bias.
      backend.disposeData(filter.dataId);
      backend.disposeData(bias.dataId);
    }
  };
  return replacingConfig(original, kernelFunc);
}
