import { describe, expect, it } from 'vitest';
import { eigh } from '@spam/laplace';
import { ShapeMismatchError } from '@spam/core';
import { randn } from '../../../test/helpers/index.js';

type Mat = Float64Array;

function matmul(a: Mat, b: Mat, n: number): Mat {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
    }
  return c;
}
const transpose = (a: Mat, n: number): Mat => {
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[j * n + i] = a[i * n + j];
  return t;
};
const fro = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0));

function randomSymmetric(n: number, seed: number): Mat {
  const r = randn(n * n, seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = 0.5 * (r[i * n + j] + r[j * n + i]);
  return a;
}

/** A random orthogonal matrix by modified Gram–Schmidt on Gaussian columns (stored as rows). */
function randomOrthogonal(n: number, seed: number): Mat {
  const q = Float64Array.from(randn(n * n, seed));
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
  return q;
}

/** Vᵀ diag(λ) V with V's rows orthonormal: the eigenvalues are λ by construction. */
function withSpectrum(lambda: number[], seed: number): Mat {
  const n = lambda.length;
  const v = randomOrthogonal(n, seed);
  const dv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) dv[i * n + k] = lambda[i] * v[i * n + k];
  return matmul(transpose(v, n), dv, n);
}

/** Checks ‖A Q − Q Λ‖/‖A‖, ‖QᵀQ − I‖, ascending order; returns the decomposition. */
function checkDecomposition(a: Mat, n: number, tol = 1e-10) {
  const r = eigh(a, n);
  expect(r.n).toBe(n);
  expect(r.values.length).toBe(n);
  expect(r.vectors.length).toBe(n * n);
  const scale = Math.max(fro(a), 1e-300);
  let res = 0;
  for (let i = 0; i < n; i++)
    for (let row = 0; row < n; row++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[row * n + k] * r.vectors[i * n + k];
      res += (s - r.values[i] * r.vectors[i * n + row]) ** 2;
    }
  expect(Math.sqrt(res) / (fro(a) === 0 ? 1 : scale), 'residual ‖AQ − QΛ‖/‖A‖').toBeLessThan(tol);
  const gram = matmul(r.vectors, transpose(r.vectors, n), n);
  for (let i = 0; i < n; i++) gram[i * n + i] -= 1;
  expect(fro(gram), '‖QᵀQ − I‖').toBeLessThan(tol);
  for (let i = 1; i < n; i++) expect(r.values[i]).toBeGreaterThanOrEqual(r.values[i - 1]);
  expect(r.values.every(Number.isFinite) && r.vectors.every(Number.isFinite)).toBe(true);
  return r;
}

const sortedClose = (got: ArrayLike<number>, want: number[], tol: number) => {
  const w = [...want].sort((x, y) => x - y);
  Array.from(got).forEach((g, i) => expect(Math.abs(g - w[i]), `eigenvalue ${i}`).toBeLessThan(tol));
};

describe('eigh on random symmetric matrices', () => {
  for (const n of [1, 2, 5, 50, 200]) {
    it(`n = ${n}: residual, orthonormality, ascending order; trace = Σλ`, () => {
      const a = randomSymmetric(n, 1000 + n);
      const r = checkDecomposition(a, n);
      let tr = 0;
      for (let i = 0; i < n; i++) tr += a[i * n + i];
      expect(Math.abs(r.values.reduce((s, v) => s + v, 0) - tr)).toBeLessThan(1e-9 * n);
    });
  }

  it('2×2 against the closed form', () => {
    const [p, q, s] = [1.5, -0.7, -2.25];
    const r = eigh([p, q, q, s], 2);
    const m = (p + s) / 2;
    const d = Math.sqrt(((p - s) / 2) ** 2 + q * q);
    sortedClose(r.values, [m - d, m + d], 1e-14);
  });

  for (const n of [6, 40]) {
    it(`n = ${n}: a prescribed spectrum (mixed signs, wide dynamic range) is recovered`, () => {
      const lambda = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -1 : 1) * 10 ** ((i % 9) - 4));
      const r = checkDecomposition(withSpectrum(lambda, 7 + n), n);
      sortedClose(r.values, lambda, 1e-12 * 1e4);
    });
  }

  it('accepts Float32Array input (as the KFAC factors arrive from tfjs)', () => {
    const a = Float32Array.from(randomSymmetric(8, 9));
    const r = checkDecomposition(Float64Array.from(a), 8);
    const r32 = eigh(a, 8);
    sortedClose(r32.values, Array.from(r.values), 1e-12);
  });

  it('wrong length → ShapeMismatchError', () => {
    expect(() => eigh([1, 2, 3], 2)).toThrow(ShapeMismatchError);
  });
});

describe('eigh on hard matrices', () => {
  it('singular PSD with zero rows/columns (dead ReLUs): zero eigenvalues, their eigenvectors are the unit vectors of the dead units', () => {
    const n = 12;
    const x = randn(n * 5, 21);
    const dead = new Set([0, 4, 11]);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (dead.has(i) || dead.has(j)) continue;
        for (let k = 0; k < 5; k++) a[i * n + j] += x[i * 5 + k] * x[j * 5 + k];
      }
    const r = checkDecomposition(a, n);
    // rank 5: 7 zero eigenvalues, all ≥ −tiny
    const zeros = Array.from(r.values).filter((v) => Math.abs(v) < 1e-10 * fro(a));
    expect(zeros.length).toBe(n - 5);
    // every eigenvector of a non-zero eigenvalue has no weight on the dead units
    for (let i = 0; i < n; i++) {
      if (Math.abs(r.values[i]) < 1e-10 * fro(a)) continue;
      for (const d of dead) expect(Math.abs(r.vectors[i * n + d])).toBeLessThan(1e-12);
    }
  });

  it('zero rows in an indefinite matrix: the zero eigenvalues sit between the negative and positive ones', () => {
    const [p, q, s] = [-1, 0.5, 2];
    const a = new Float64Array(16);
    a[1 * 4 + 1] = p;
    a[1 * 4 + 3] = a[3 * 4 + 1] = q;
    a[3 * 4 + 3] = s;
    const m = (p + s) / 2;
    const d = Math.sqrt(((p - s) / 2) ** 2 + q * q);
    sortedClose(checkDecomposition(a, 4).values, [m - d, 0, 0, m + d], 1e-14);
    const c = eigh(a, 4, { clampNegative: true });
    sortedClose(c.values, [0, 0, 0, m + d], 1e-14);
    expect(Math.abs(c.vectors[3 * 4 + 0]) + Math.abs(c.vectors[3 * 4 + 2])).toBe(0); // top vector lives on rows 1, 3
  });

  it('the all-zero matrix', () => {
    const r = checkDecomposition(new Float64Array(25), 5);
    expect(Array.from(r.values)).toEqual([0, 0, 0, 0, 0]);
  });

  it('the identity (all eigenvalues repeated) and a scaled identity', () => {
    for (const c of [1, 3.5]) {
      const n = 7;
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) a[i * n + i] = c;
      const r = checkDecomposition(a, n, 1e-13);
      sortedClose(r.values, new Array(n).fill(c), 1e-14);
    }
  });

  it('block-diagonal copies diag(B, B, B): every eigenvalue of B three times', () => {
    const m = 4;
    const b = randomSymmetric(m, 31);
    const n = 3 * m;
    const a = new Float64Array(n * n);
    for (let c = 0; c < 3; c++) for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) a[(c * m + i) * n + c * m + j] = b[i * m + j];
    const rb = checkDecomposition(b, m);
    const r = checkDecomposition(a, n);
    sortedClose(
      r.values,
      Array.from(rb.values).flatMap((v) => [v, v, v]),
      1e-12,
    );
  });

  it('a rank-1 matrix v vᵀ: one eigenvalue ‖v‖², the others 0, top eigenvector ±v/‖v‖', () => {
    const n = 9;
    const v = randn(n, 41);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = v[i] * v[j];
    const r = checkDecomposition(a, n);
    const nv = fro(v);
    sortedClose(r.values, [nv * nv, ...new Array(n - 1).fill(0)], 1e-12 * nv * nv);
    const top = Array.from(r.vectors.subarray((n - 1) * n));
    const dot = top.reduce((s, x, i) => s + (x * v[i]) / nv, 0);
    expect(Math.abs(Math.abs(dot) - 1)).toBeLessThan(1e-12);
  });

  it('near-degenerate eigenvalues (gaps of 1e-10) are recovered with orthonormal vectors', () => {
    const lambda = [1, 1 + 1e-10, 1 + 2e-10, 2, 2 + 1e-12, -3, 5, 5];
    const r = checkDecomposition(withSpectrum(lambda, 51), lambda.length, 1e-12);
    sortedClose(r.values, lambda, 1e-13);
  });

  it('n = 100 in 5 tight clusters of 20 eigenvalues (spread 1e-9) and a graded spectrum 1e-12…1e3', () => {
    const clustered = Array.from({ length: 100 }, (_, i) => [-2, 0.5, 1, 3, 10][i % 5] + 1e-9 * Math.floor(i / 5));
    sortedClose(checkDecomposition(withSpectrum(clustered, 91), 100, 1e-11).values, clustered, 1e-12);
    const graded = Array.from({ length: 16 }, (_, i) => 10 ** (i - 12));
    sortedClose(checkDecomposition(withSpectrum(graded, 92), 16, 1e-11).values, graded, 1e-12);
  });

  it('KFAC-like rank-deficient Gram matrices XᵀX/N (N < n: many eigenvalues ≈ 0 but no zero rows)', () => {
    for (const [n, rows] of [
      [30, 7],
      [120, 40],
    ]) {
      const x = randn(rows * n, 100 + n);
      const a = new Float64Array(n * n);
      for (let r = 0; r < rows; r++)
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] += (x[r * n + i] * x[r * n + j]) / rows;
      const res = checkDecomposition(a, n, 1e-10);
      const big = Array.from(res.values).filter((v) => v > 1e-10 * fro(a));
      expect(big.length).toBe(rows);
      expect(Math.min(...res.values)).toBeGreaterThan(-1e-12 * fro(a));
    }
  });

  it('a tridiagonal matrix already in reduced form and a diagonal one with unsorted entries', () => {
    const n = 30;
    const t = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      t[i * n + i] = 2;
      if (i > 0) t[i * n + i - 1] = t[(i - 1) * n + i] = -1;
    }
    const r = checkDecomposition(t, n);
    // eigenvalues of the 1-D Laplacian: 2 − 2cos(kπ/(n+1))
    sortedClose(
      r.values,
      Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1))),
      1e-12,
    );
    const dvals = [3, -1, 0, 7, 2];
    const d = new Float64Array(25);
    dvals.forEach((v, i) => (d[i * 5 + i] = v));
    sortedClose(checkDecomposition(d, 5).values, dvals, 1e-15);
  });
});

describe('eigh options and input handling', () => {
  it('clampNegative sets negative eigenvalues to 0 and leaves the rest and the vectors unchanged', () => {
    const lambda = [-2, -1e-9, 0.5, 3];
    const a = withSpectrum(lambda, 61);
    const raw = eigh(a, 4);
    const clamped = eigh(a, 4, { clampNegative: true });
    sortedClose(raw.values, lambda, 1e-12);
    expect(Array.from(clamped.values.subarray(0, 2))).toEqual([0, 0]);
    expect(Math.abs(clamped.values[2] - 0.5)).toBeLessThan(1e-12);
    expect(Math.abs(clamped.values[3] - 3)).toBeLessThan(1e-12);
    expect(Array.from(clamped.vectors)).toEqual(Array.from(raw.vectors));
    expect(Array.from(clamped.values).every((v) => v >= 0)).toBe(true);
  });

  it('a non-symmetric input is decomposed as its symmetric part ½(A + Aᵀ)', () => {
    const n = 6;
    const lambda = [-1, 0.25, 0.5, 2, 4, 9];
    const s = withSpectrum(lambda, 71);
    const k = randn(n * n, 72);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = s[i * n + j] + (k[i * n + j] - k[j * n + i]); // S + antisymmetric
    const r = eigh(a, n);
    sortedClose(r.values, lambda, 1e-12);
    const rs = checkDecomposition(s, n);
    for (let i = 0; i < n; i++) {
      let dot = 0;
      for (let c = 0; c < n; c++) dot += r.vectors[i * n + c] * rs.vectors[i * n + c];
      expect(Math.abs(Math.abs(dot) - 1)).toBeLessThan(1e-9);
    }
  });

  it('does not modify its input', () => {
    const a = randomSymmetric(5, 81);
    const copy = Float64Array.from(a);
    eigh(a, 5, { clampNegative: true });
    expect(Array.from(a)).toEqual(Array.from(copy));
  });
});
