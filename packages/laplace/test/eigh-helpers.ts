// Shared by the eigh-*.test.ts files: random matrices with known structure, the decomposition
// error measures, and a brute-force reference (cyclic Jacobi) independent of the code under test.
import { randn } from '../../../test/helpers/index.js';

/** A random symmetric n×n matrix (symmetrised Gaussian). */
export function randomSymmetric(n: number, seed: number): Float64Array {
  const r = randn(n * n, seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = 0.5 * (r[i * n + j] + r[j * n + i]);
  return a;
}

/** A Gram matrix XᵀX/m of m Gaussian rows (rank min(m, n)), the shape of a KFAC factor. */
export function gram(n: number, m: number, seed: number): Float64Array {
  const x = randn(m * n, seed);
  const a = new Float64Array(n * n);
  for (let r = 0; r < m; r++) {
    for (let i = 0; i < n; i++) {
      const xi = x[r * n + i] / m;
      for (let j = 0; j < n; j++) a[i * n + j] += xi * x[r * n + j];
    }
  }
  return a;
}

/** Rows of a random orthogonal matrix (modified Gram–Schmidt on Gaussian rows, twice). */
export function randomOrthogonal(n: number, seed: number): Float64Array {
  const q = Float64Array.from(randn(n * n, seed));
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        let d = 0;
        for (let k = 0; k < n; k++) d += q[i * n + k] * q[j * n + k];
        for (let k = 0; k < n; k++) q[i * n + k] -= d * q[j * n + k];
      }
      let s = 0;
      for (let k = 0; k < n; k++) s += q[i * n + k] ** 2;
      for (let k = 0; k < n; k++) q[i * n + k] /= Math.sqrt(s);
    }
  }
  return q;
}

/** Vᵀ diag(λ) V for a random orthogonal V: the eigenvalues are λ by construction. */
export function withSpectrum(lambda: ArrayLike<number>, seed: number): Float64Array {
  const n = lambda.length;
  const v = randomOrthogonal(n, seed);
  const a = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const lk = lambda[k];
    for (let i = 0; i < n; i++) {
      const c = lk * v[k * n + i];
      for (let j = 0; j < n; j++) a[i * n + j] += c * v[k * n + j];
    }
  }
  return a;
}

/** Frobenius norm. */
export function fro(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/**
 * ‖A Q − Q Λ‖_F / ‖A‖_F (1 for a zero A) and ‖QᵀQ − I‖_F for eigenvectors stored as rows.
 * Products are formed on A/‖A‖_max so tiny and huge matrices neither underflow nor overflow.
 */
export function decompositionErrors(a: ArrayLike<number>, n: number, values: ArrayLike<number>, vectors: ArrayLike<number>) {
  let amax = 0;
  for (let i = 0; i < n * n; i++) amax = Math.max(amax, Math.abs(a[i]));
  const s = amax === 0 ? 1 : amax;
  const as = Float64Array.from({ length: n * n }, (_, i) => a[i] / s);
  let res = 0;
  for (let i = 0; i < n; i++) {
    const vo = i * n;
    const li = values[i] / s;
    for (let r = 0; r < n; r++) {
      let t = 0;
      const ro = r * n;
      for (let k = 0; k < n; k++) t += as[ro + k] * vectors[vo + k];
      res += (t - li * vectors[vo + r]) ** 2;
    }
  }
  const fa = fro(as);
  let orth = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let t = 0;
      for (let k = 0; k < n; k++) t += vectors[i * n + k] * vectors[j * n + k];
      const e = t - (i === j ? 1 : 0);
      orth += (i === j ? 1 : 2) * e * e;
    }
  }
  return { residual: Math.sqrt(res) / (fa === 0 ? 1 : fa), orthogonality: Math.sqrt(orth) };
}

/** Eigenvalues (ascending) by cyclic Jacobi rotations: slow, simple, and unrelated to eigh's algorithms. */
export function jacobiEigenvalues(a: ArrayLike<number>, n: number): number[] {
  const m = Float64Array.from({ length: n * n }, (_, i) => a[i]);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += m[i * n + j] ** 2;
    if (off <= 1e-34 * Math.max(fro(m) ** 2, 1e-300)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (apq === 0) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const kp = m[k * n + p];
          const kq = m[k * n + q];
          m[k * n + p] = c * kp - s * kq;
          m[k * n + q] = s * kp + c * kq;
        }
        for (let k = 0; k < n; k++) {
          const pk = m[p * n + k];
          const qk = m[q * n + k];
          m[p * n + k] = c * pk - s * qk;
          m[q * n + k] = s * pk + c * qk;
        }
      }
    }
  }
  return Array.from({ length: n }, (_, i) => m[i * n + i]).sort((x, y) => x - y);
}

/** Largest |got_i − want_i| over sorted copies. */
export function maxSortedDiff(got: ArrayLike<number>, want: ArrayLike<number>): number {
  const g = Array.from(got).sort((x, y) => x - y);
  const w = Array.from(want).sort((x, y) => x - y);
  if (g.length !== w.length) return Infinity;
  return g.reduce((m, v, i) => Math.max(m, Math.abs(v - w[i])), 0);
}
