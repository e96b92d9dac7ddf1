import { describe, expect, it } from 'vitest';
import { eigh, eigvalsh } from '@spam/laplace';
import { ShapeMismatchError } from '@spam/core';

function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
}

/** Random symmetric n×n with the given rows/columns set to zero. */
function symmetric(n: number, seed: number, zeroRows: number[] = []): Float64Array {
  const r = lcg(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = r();
  for (const z of zeroRows) for (let k = 0; k < n; k++) a[z * n + k] = a[k * n + z] = 0;
  return a;
}

describe('eigvalsh (eigenvalues only)', () => {
  it.each([1, 2, 3, 17, 80])('matches the eigenvalues of eigh for n = %i', (n) => {
    const a = symmetric(n, n + 11);
    const full = eigh(a, n).values;
    const vals = eigvalsh(a, n);
    vals.forEach((v, i) => expect(Math.abs(v - full[i])).toBeLessThan(1e-12));
  });

  it('matches trace and Frobenius norm (Σλ = tr A, Σλ² = ‖A‖²_F)', () => {
    const n = 40;
    const a = symmetric(n, 5);
    const vals = eigvalsh(a, n);
    let tr = 0;
    let fro = 0;
    for (let i = 0; i < n; i++) tr += a[i * n + i];
    for (const v of a) fro += v * v;
    expect(Math.abs(vals.reduce((s, v) => s + v, 0) - tr)).toBeLessThan(1e-10);
    expect(Math.abs(vals.reduce((s, v) => s + v * v, 0) - fro)).toBeLessThan(1e-10);
  });

  it('deflates zero rows (dead units) into zero eigenvalues and clamps negatives on request', () => {
    const n = 12;
    const a = symmetric(n, 9, [0, 4, 11]);
    const vals = eigvalsh(a, n);
    const full = eigh(a, n).values;
    vals.forEach((v, i) => expect(Math.abs(v - full[i])).toBeLessThan(1e-12));
    expect(vals.filter((v) => Math.abs(v) < 1e-14).length).toBeGreaterThanOrEqual(3);
    const clamped = eigvalsh(a, n, { clampNegative: true });
    expect(Math.min(...clamped)).toBe(0);
    expect([...clamped]).toEqual([...clamped].sort((x, y) => x - y));
  });

  it('rejects a wrong length', () => {
    expect(() => eigvalsh(new Float64Array(5), 2)).toThrow(ShapeMismatchError);
  });
});
