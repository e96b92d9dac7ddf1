/**
 * Cholesky-based log-determinant and inverse of a symmetric positive-definite matrix in float64
 * (tfjs has no Cholesky). Used for the dense log det of the `full` structure and of small
 * `kron` blocks with non-constant priors.
 */

/** log det M and M⁻¹ of a row-major SPD n×n matrix; `null` when M is not positive definite. */
export function spdLogDetInverse(m: Float64Array, n: number): { logDet: number; inverse: Float64Array } | null {
  const l = new Float64Array(n * n);
  let logDet = 0;
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let diag = m[rj + j];
    for (let k = 0; k < j; k++) diag -= l[rj + k] * l[rj + k];
    if (!(diag > 0) || !Number.isFinite(diag)) return null;
    const ljj = Math.sqrt(diag);
    l[rj + j] = ljj;
    logDet += 2 * Math.log(ljj);
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = m[ri + j];
      for (let k = 0; k < j; k++) s -= l[ri + k] * l[rj + k];
      l[ri + j] = s / ljj;
    }
  }
  // L⁻¹ (lower triangular), then M⁻¹ = L⁻ᵀ L⁻¹.
  const li = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    li[j * n + j] = 1 / l[j * n + j];
    for (let i = j + 1; i < n; i++) {
      let s = 0;
      const ri = i * n;
      for (let k = j; k < i; k++) s -= l[ri + k] * li[k * n + j];
      li[ri + j] = s / l[ri + i];
    }
  }
  const inverse = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < n; k++) s += li[k * n + i] * li[k * n + j];
      inverse[i * n + j] = s;
      inverse[j * n + i] = s;
    }
  }
  return { logDet, inverse };
}
