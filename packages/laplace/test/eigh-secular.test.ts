// The divide-and-conquer building blocks on their own: the secular-equation solver (eigenpairs of
// D + ρ z zᵀ, incl. poles 1e-12 apart and tiny weights) and the tridiagonal solver across the
// leaf/merge boundary and on a tridiagonal that splits (zero couplings).
import { describe, expect, it } from 'vitest';
import { solveSecular } from '../src/linalg/secular.js';
import { tridiagonalEigen, LEAF } from '../src/linalg/tridiagonal-eigen.js';
import { decompositionErrors, jacobiEigenvalues, maxSortedDiff } from './eigh-helpers.js';
import { randn } from '../../../test/helpers/index.js';

/** Dense D + ρ z zᵀ. */
function rankOne(d: Float64Array, z: Float64Array, rho: number): Float64Array {
  const k = d.length;
  const a = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) a[i * k + j] = rho * z[i] * z[j];
    a[i * k + i] += d[i];
  }
  return a;
}

describe('solveSecular (eigenpairs of D + ρ z zᵀ)', () => {
  const cases: Array<[string, number[], number[], number]> = [
    ['k = 1', [0.5], [1], 2],
    ['k = 2', [-1, 1], [0.6, 0.8], 0.5],
    ['k = 40, well spread', Array.from({ length: 40 }, (_, i) => i / 10 - 2), randn(40, 1).map((x) => x / Math.sqrt(40)), 1.3],
    [
      'k = 30, poles in pairs 1e-12 apart',
      Array.from({ length: 30 }, (_, i) => Math.floor(i / 2) * 0.1 + (i % 2) * 1e-12),
      randn(30, 2).map((x) => x / Math.sqrt(30)),
      0.7,
    ],
    [
      'k = 25, weights from 1 down to 1e-7',
      Array.from({ length: 25 }, (_, i) => i * 0.04),
      Array.from({ length: 25 }, (_, i) => 10 ** (-i / 4)),
      1,
    ],
  ];
  for (const [what, dl, zl, rho] of cases) {
    it(`${what}: interlacing, residual and orthogonality ≤ 1e-12, eigenvalues = Jacobi's`, () => {
      const d = Float64Array.from(dl);
      const z = Float64Array.from(zl);
      const k = d.length;
      const { lambda, vectors } = solveSecular(d, z, rho, k);
      for (let i = 0; i < k; i++) {
        expect(lambda[i]).toBeGreaterThan(d[i]);
        if (i + 1 < k) expect(lambda[i]).toBeLessThanOrEqual(d[i + 1]);
      }
      const a = rankOne(d, z, rho);
      const { residual, orthogonality } = decompositionErrors(a, k, lambda, vectors);
      expect(residual).toBeLessThan(1e-12);
      expect(orthogonality).toBeLessThan(1e-12);
      expect(maxSortedDiff(lambda, jacobiEigenvalues(a, k))).toBeLessThan(1e-13 * (1 + Math.max(...dl.map(Math.abs)) + rho));
    });
  }
});

describe('tridiagonalEigen', () => {
  /** The dense n×n tridiagonal. */
  const dense = (d: ArrayLike<number>, e: ArrayLike<number>, n: number) => {
    const t = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      t[i * n + i] = d[i];
      if (i + 1 < n) t[i * n + i + 1] = t[(i + 1) * n + i] = e[i];
    }
    return t;
  };

  for (const n of [LEAF, LEAF + 1, 2 * LEAF + 1, 4 * LEAF + 3]) {
    it(`n = ${n} random tridiagonal (leaf size ${LEAF}): residual and orthogonality ≤ 1e-12, = Jacobi`, () => {
      const d = randn(n, n);
      const e = randn(n - 1, n + 1);
      const { values, vectors } = tridiagonalEigen(d, e, n);
      const t = dense(d, e, n);
      const err = decompositionErrors(t, n, values, vectors);
      expect(err.residual).toBeLessThan(1e-12);
      expect(err.orthogonality).toBeLessThan(1e-12);
      expect(maxSortedDiff(values, jacobiEigenvalues(t, n))).toBeLessThan(1e-13 * n);
    });
  }

  it('a tridiagonal that splits at the tear (zero couplings) and all-zero input', () => {
    const n = 3 * LEAF;
    const d = Array.from({ length: n }, (_, i) => Math.cos(i));
    const e = Array.from({ length: n - 1 }, (_, i) => (i % 7 === 3 || i === (n >> 1) - 1 ? 0 : 0.5));
    const { values, vectors } = tridiagonalEigen(d, e, n);
    const err = decompositionErrors(dense(d, e, n), n, values, vectors);
    expect(err.residual).toBeLessThan(1e-12);
    expect(err.orthogonality).toBeLessThan(1e-12);
    const zero = tridiagonalEigen(new Float64Array(n), new Float64Array(n - 1), n);
    expect(zero.values.every((v) => v === 0)).toBe(true);
    expect(decompositionErrors(new Float64Array(n * n), n, zero.values, zero.vectors).orthogonality).toBe(0);
  });
});
