import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { NonFiniteError } from '@spam/core';
import { spdLogDetInverse } from './cholesky.js';

/**
 * log det(s·H + diag(δ)) for a constant dense H (row-major float64, n×n), differentiable in s and
 * δ: ∂/∂δ = diag(M⁻¹), ∂/∂s = tr(M⁻¹H). Computed in float64 by Cholesky.
 */
export function denseLogDet(h: Float64Array, n: number, s: Tensor, delta: Tensor, what: string): Tensor {
  const op = tf.customGrad(((sT: Tensor, dT: Tensor) => {
    const sv = sT.dataSync()[0];
    const dv = dT.dataSync();
    const m = new Float64Array(n * n);
    for (let i = 0; i < n * n; i++) m[i] = sv * h[i];
    for (let i = 0; i < n; i++) m[i * n + i] += dv[i];
    const r = spdLogDetInverse(m, n);
    if (!r)
      throw new NonFiniteError(
        `the posterior precision of ${what} is not positive definite (check the prior precisions for 0, NaN or Inf)`,
      );
    const diagInv = new Float32Array(n);
    let trInvH = 0;
    for (let i = 0; i < n; i++) diagInv[i] = r.inverse[i * n + i];
    for (let i = 0; i < n * n; i++) trInvH += r.inverse[i] * h[i];
    return {
      value: tf.scalar(r.logDet),
      gradFunc: (dy: Tensor) => [tf.mul(dy, tf.scalar(trInvH)), tf.mul(dy, tf.tensor1d(diagInv))],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(tf.reshape(s, []), tf.reshape(delta, [-1]));
}

/** The dense Kronecker product A ⊗ G (row-major float64) of two row-major square matrices. */
export function kronDense(a: ArrayLike<number>, na: number, g: ArrayLike<number>, ng: number): Float64Array {
  const n = na * ng;
  const out = new Float64Array(n * n);
  for (let i = 0; i < na; i++) {
    for (let j = 0; j < na; j++) {
      const aij = a[i * na + j];
      if (aij === 0) continue;
      for (let o = 0; o < ng; o++) {
        const row = (i * ng + o) * n + j * ng;
        for (let p = 0; p < ng; p++) out[row + p] = aij * g[o * ng + p];
      }
    }
  }
  return out;
}
