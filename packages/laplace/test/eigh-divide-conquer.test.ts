// eigh by tridiagonalisation + divide and conquer + back-transformation (issue 16 part 3):
// residual and orthogonality to ~1e-12 on every size class (QL leaves, one and several merges),
// spectra with repeats and clusters (deflation), KFAC-like rank-deficient Gram matrices, extreme
// scales; eigenvalues against a brute-force Jacobi reference or a spectrum known by construction.
import { describe, expect, it } from 'vitest';
import { NonFiniteError } from '@spam/core';
import { eigh, eigvalsh } from '@spam/laplace';
import { decompositionErrors, fro, gram, jacobiEigenvalues, maxSortedDiff, randomSymmetric, withSpectrum } from './eigh-helpers.js';

const TOL = 1e-12;

function checked(a: Float64Array, n: number) {
  const r = eigh(a, n);
  const { residual, orthogonality } = decompositionErrors(a, n, r.values, r.vectors);
  expect(residual, `n = ${n}: ‖AQ − QΛ‖/‖A‖`).toBeLessThan(TOL);
  expect(orthogonality, `n = ${n}: ‖QᵀQ − I‖`).toBeLessThan(TOL);
  for (let i = 1; i < n; i++) expect(r.values[i], 'ascending').toBeGreaterThanOrEqual(r.values[i - 1]);
  return r;
}

describe('eigh (divide and conquer) on random symmetric matrices', () => {
  // 1–3: trivial and QL-only; 31–33 around the QL leaf size; 63, 65, 100: one and two merge levels.
  for (const n of [1, 2, 3, 7, 31, 32, 33, 63, 65, 100]) {
    it(`n = ${n}: residual, orthogonality ≤ 1e-12; eigenvalues = Jacobi's`, () => {
      const a = randomSymmetric(n, 300 + n);
      const r = checked(a, n);
      expect(maxSortedDiff(r.values, jacobiEigenvalues(a, n)) / Math.max(fro(a), 1e-300)).toBeLessThan(1e-13);
    });
  }

  it('n = 257 (odd, three merge levels): residual, orthogonality; Σλ = tr A and Σλ² = ‖A‖²_F', () => {
    const n = 257;
    const a = randomSymmetric(n, 9);
    const r = checked(a, n);
    let tr = 0;
    for (let i = 0; i < n; i++) tr += a[i * n + i];
    const fa = fro(a);
    expect(Math.abs(r.values.reduce((s, v) => s + v, 0) - tr) / fa).toBeLessThan(1e-12);
    expect(Math.abs(Math.sqrt(r.values.reduce((s, v) => s + v * v, 0)) - fa) / fa).toBeLessThan(1e-13);
  });

  it('n = 500 KFAC-like Gram matrix XᵀX/m (m = 2n): residual, orthogonality, eigvalsh agrees', () => {
    const n = 500;
    const a = gram(n, 2 * n, 17);
    const r = checked(a, n);
    expect(maxSortedDiff(eigvalsh(a, n), r.values) / fro(a)).toBeLessThan(1e-13);
    expect(r.values[0]).toBeGreaterThan(0);
  });
});

describe('eigh (divide and conquer): repeated, clustered and degenerate spectra', () => {
  it('n = 120 with eigenvalues repeated 60, 40 and 20 times (heavy deflation)', () => {
    const lambda = Array.from({ length: 120 }, (_, i) => (i < 60 ? 1 : i < 100 ? -2.5 : 7));
    const r = checked(withSpectrum(lambda, 5), 120);
    expect(maxSortedDiff(r.values, lambda)).toBeLessThan(1e-13 * 7 * 11);
  });

  it('n = 150 in clusters of spread 1e-14, 1e-10 and 1e-6 around three centres', () => {
    const lambda = Array.from({ length: 150 }, (_, i) => [0.3, 2, 5][i % 3] + [1e-14, 1e-10, 1e-6][i % 3] * Math.floor(i / 3));
    const r = checked(withSpectrum(lambda, 6), 150);
    expect(maxSortedDiff(r.values, lambda)).toBeLessThan(1e-12 * 5);
  });

  it('rank-deficient PSD Gram matrices (n = 200, rank 20 and rank 1): the zero eigenvalues are ≈ 0, the rest match Jacobi', () => {
    for (const rank of [20, 1]) {
      const n = 200;
      const a = gram(n, rank, 40 + rank);
      const r = checked(a, n);
      const fa = fro(a);
      const big = Array.from(r.values).filter((v) => v > 1e-10 * fa);
      expect(big.length).toBe(rank);
      expect(Math.min(...r.values)).toBeGreaterThan(-1e-13 * fa);
    }
    const small = gram(60, 9, 3);
    expect(maxSortedDiff(eigh(small, 60).values, jacobiEigenvalues(small, 60)) / fro(small)).toBeLessThan(1e-13);
  });

  it('the identity, a scaled identity (n = 200) and the zero matrix: exact values, orthonormal vectors', () => {
    for (const c of [1, -3.25]) {
      const n = 200;
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) a[i * n + i] = c;
      const r = checked(a, n);
      expect(r.values.every((v) => v === c)).toBe(true);
    }
    const z = eigh(new Float64Array(64 * 64), 64);
    expect(z.values.every((v) => v === 0)).toBe(true);
    expect(decompositionErrors(new Float64Array(64 * 64), 64, z.values, z.vectors).orthogonality).toBe(0);
  });

  it('a diagonal matrix with unsorted, repeated and negative entries (n = 90): the entries, sorted', () => {
    const n = 90;
    const dv = Array.from({ length: n }, (_, i) => ((i * 37) % 11) - 5 + (i % 2) * 0.5);
    const a = new Float64Array(n * n);
    dv.forEach((v, i) => (a[i * n + i] = v));
    const r = checked(a, n);
    expect(maxSortedDiff(r.values, dv)).toBeLessThan(1e-15);
  });

  it('glued Wilkinson matrices (5 × W21+, glue 1e-10; pairs of eigenvalues ~1e-14 apart): residual, orthogonality, = Jacobi', () => {
    const n = 105;
    const t = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      t[i * n + i] = Math.abs(10 - (i % 21));
      if (i > 0) t[i * n + i - 1] = t[(i - 1) * n + i] = i % 21 === 0 ? 1e-10 : 1;
    }
    const r = checked(t, n);
    expect(maxSortedDiff(r.values, jacobiEigenvalues(t, n))).toBeLessThan(1e-13 * 10);
  });

  it('the 1-D Laplacian tridiagonal (n = 101): 2 − 2cos(kπ/(n+1))', () => {
    const n = 101;
    const t = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      t[i * n + i] = 2;
      if (i > 0) t[i * n + i - 1] = t[(i - 1) * n + i] = -1;
    }
    const r = checked(t, n);
    const want = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1)));
    expect(maxSortedDiff(r.values, want)).toBeLessThan(1e-14);
  });
});

describe('eigh (divide and conquer): scale and bad input', () => {
  it('huge (×1e150) and tiny (×1e-150) Gram matrices: relative errors as at scale 1, eigenvalues scale exactly', () => {
    const n = 80;
    const base = gram(n, 2 * n, 23);
    const ref = eigh(base, n).values;
    for (const s of [1e150, 1e-150]) {
      const a = base.map((v) => v * s);
      const r = checked(a, n);
      ref.forEach((v, i) => expect(Math.abs(r.values[i] / s - v) / ref[n - 1]).toBeLessThan(1e-14));
    }
  });

  it('a graded matrix (entries from 1e-8 to 1e8): residual relative to ‖A‖', () => {
    const lambda = Array.from({ length: 70 }, (_, i) => 10 ** (-8 + (16 * i) / 69));
    const r = checked(withSpectrum(lambda, 8), 70);
    expect(maxSortedDiff(r.values, lambda) / 1e8).toBeLessThan(1e-13);
  });

  it('a NaN deep in a 100×100 matrix → NonFiniteError naming the entry, for eigh and eigvalsh', () => {
    const a = randomSymmetric(100, 1);
    a[37 * 100 + 5] = Number.NaN;
    expect(() => eigh(a, 100)).toThrow(NonFiniteError);
    expect(() => eigh(a, 100)).toThrow('(37, 5)');
    expect(() => eigvalsh(a, 100)).toThrow(NonFiniteError);
  });
});
