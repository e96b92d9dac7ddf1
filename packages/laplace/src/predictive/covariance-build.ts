/**
 * Σ = T·(s·H + diag δ)⁻¹ of the `diag` and `full` structures for the GLM predictive
 * (`kron`: `covariance-kron.ts`). Reached through each Laplace's `posteriorCovariance`.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { ParamBlock } from '@spam/core';
import type { KronPriorMode } from '../curvature/base.js';
import type { DiagLaplace } from '../curvature/diag.js';
import type { FullLaplace } from '../curvature/full.js';
import { PosteriorCovariance, type TensorCov } from './covariance.js';
import { conditionedInverse } from './dense.js';

/** What a posterior covariance is built from, besides the curvature. */
export interface CovarianceSpec {
  /** Prior precision δ per parameter tensor, in the tensors' shapes (canonical order). */
  readonly delta: readonly Tensor[];
  /** Per tensor: whether δ is constant on it (scalar / layer-wise priors; lets `kron` stay in its eigenbasis). */
  readonly constant: readonly boolean[];
  /** Posterior temperature T: Σ = T·(s·H + diag δ)⁻¹. */
  readonly temperature: number;
  /** Keep flags `[P]` in canonical order (0 = pruned, fixed at zero), or null. */
  readonly keep: Uint8Array | null;
  /** `kron` with a non-constant δ: projected prior (eigenbasis) or the exact dense block inverse. */
  readonly kronPrior: KronPriorMode;
}

/** Parameter tensors grouped by parameter layer (adapter `paramLayers` order): tensor indices. */
export function tensorsByLayer(params: readonly ParamBlock[]): number[][] {
  const out: number[][] = [];
  params.forEach((p, t) => (out[p.layerIndex] ??= []).push(t));
  return out;
}

/** Whether any entry of tensor `p` is pruned. */
export function isPruned(spec: CovarianceSpec, p: ParamBlock): boolean {
  return spec.keep !== null && spec.keep.subarray(p.offset, p.offset + p.size).some((v) => v !== 1);
}

/** The keep flags of tensor `p` as a float32 tensor in `shape`, or null when nothing is pruned. */
export function keepTensor(spec: CovarianceSpec, p: ParamBlock, shape: number[]): Tensor | null {
  if (!spec.keep || !isPruned(spec, p)) return null;
  return tf.tensor(Float32Array.from(spec.keep.subarray(p.offset, p.offset + p.size)), shape);
}

/** Diagonal block T·keep/(s·h + δ) `[size]` of tensor t for its curvature diagonal h. */
export function diagBlock(spec: CovarianceSpec, p: ParamBlock, t: number, h: Tensor, s: number): TensorCov {
  const v = tf.tidy(() => {
    const prec = tf.add(tf.mul(s, tf.reshape(h, [-1])), tf.reshape(spec.delta[t], [-1]));
    const keep = keepTensor(spec, p, [p.size]);
    return tf.div(keep ?? 1, tf.div(prec, spec.temperature));
  });
  return { kind: 'diag', v };
}

/** `diag`: Σ = diag(T/(s·h + δ)), pruned entries 0. */
export function diagCovariance(la: DiagLaplace, spec: CovarianceSpec): PosteriorCovariance {
  const layers = tensorsByLayer(la.params).map((ts) => ({
    kind: 'tensors' as const,
    tensors: ts.map((t) => {
      const p = la.params[t];
      const h = tf.slice(la.diag, p.offset, p.size);
      const c = diagBlock(spec, p, t, h, la.hFactor);
      h.dispose();
      return c;
    }),
  }));
  return PosteriorCovariance.layered(la.params, layers);
}

/** Dense T·M⁻¹ for M = s·H + diag δ (row-major float64 H), conditioned on the pruned entries; a float32 tensor. */
export function denseBlock(
  h: ArrayLike<number>,
  n: number,
  s: number,
  delta: ArrayLike<number>,
  spec: CovarianceSpec,
  keep: ArrayLike<number> | null,
  what: string,
): Tensor {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) m[i] = s * h[i];
  for (let i = 0; i < n; i++) m[i * n + i] += delta[delta.length === 1 ? 0 : i];
  return tf.tensor2d(Float32Array.from(conditionedInverse(m, n, spec.temperature, keep, what)), [n, n]);
}

/** `full`: the dense inverse (float64 Cholesky), conditioned on the pruned entries. */
export function fullCovariance(la: FullLaplace, spec: CovarianceSpec): PosteriorCovariance {
  const delta = tf.tidy(() => tf.concat(la.params.map((p, t) => tf.reshape(tf.add(tf.zeros(p.shape), spec.delta[t]), [-1]))));
  const d = delta.dataSync();
  delta.dispose();
  return PosteriorCovariance.dense(la.params, denseBlock(la.H.dataSync(), la.numParams, la.hFactor, d, spec, spec.keep, 'the full GGN'));
}
