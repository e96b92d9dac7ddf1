/**
 * Float64 helpers for dense covariance blocks: the conditioned inverse of a precision block
 * (pruned parameters fixed at zero) and a Cholesky factor of a positive semi-definite matrix.
 * @packageDocumentation
 */
import { NonFiniteError } from '@spam/core';
import { spdLogDetInverse } from '../linalg/cholesky.js';

/**
 * Σ = T·M⁻¹ for a row-major SPD precision M (n×n, float64), conditioned on the pruned entries
 * (`keep[i] = 0`) being fixed: the inverse of M restricted to the kept entries, zero rows and
 * columns elsewhere (the covariance of the Gaussian given θ_pruned = 0).
 */
export function conditionedInverse(
  m: Float64Array,
  n: number,
  temperature: number,
  keep: ArrayLike<number> | null,
  what: string,
): Float64Array {
  if (keep) {
    for (let i = 0; i < n; i++) {
      if (keep[i]) continue;
      for (let j = 0; j < n; j++) {
        m[i * n + j] = 0;
        m[j * n + i] = 0;
      }
      m[i * n + i] = 1;
    }
  }
  const r = spdLogDetInverse(m, n);
  if (!r)
    throw new NonFiniteError(`the posterior precision of ${what} is not positive definite (check the prior precisions for 0, NaN or Inf)`);
  const inv = r.inverse;
  for (let i = 0; i < n * n; i++) inv[i] *= temperature;
  if (keep) {
    for (let i = 0; i < n; i++) {
      if (keep[i]) continue;
      for (let j = 0; j < n; j++) {
        inv[i * n + j] = 0;
        inv[j * n + i] = 0;
      }
    }
  }
  return inv;
}

/**
 * Lower Cholesky factor L (L Lᵀ = S) of a symmetric positive semi-definite row-major n×n matrix,
 * in float64; a pivot ≤ 1e-12 × the largest diagonal (a zero-variance direction, e.g. a pruned
 * entry) gives a zero column instead of NaN.
 */
export function choleskyLowerPsd(s: ArrayLike<number>, n: number): Float64Array {
  const l = new Float64Array(n * n);
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, s[i * n + i]);
  const floor = 1e-12 * maxDiag;
  for (let j = 0; j < n; j++) {
    let d = s[j * n + j];
    for (let k = 0; k < j; k++) d -= l[j * n + k] ** 2;
    if (!(d > floor)) continue;
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let v = s[i * n + j];
      for (let k = 0; k < j; k++) v -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = v / ljj;
    }
  }
  return l;
}
