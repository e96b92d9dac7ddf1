// eigh / eigvalsh give typed errors for bad sizes, options and non-finite entries (issue 13 finding 12).
import { describe, expect, it } from 'vitest';
import { InvalidOptionError, NonFiniteError, ShapeMismatchError } from '@spam/core';
import { eigh, eigvalsh } from '@spam/laplace';
import { thrown } from '../../../test/helpers/index.js';

type ErrorClass = new (...a: never[]) => Error;
const fns = [
  ['eigh', (a: unknown, n: unknown, o?: unknown) => eigh(a as number[], n as number, o as never)],
  ['eigvalsh', (a: unknown, n: unknown, o?: unknown) => eigvalsh(a as number[], n as number, o as never)],
] as const;

describe('eigh / eigvalsh argument errors', () => {
  const cases: Array<[string, unknown, unknown, unknown, ErrorClass]> = [
    ['n = -1', [], -1, undefined, InvalidOptionError],
    ['n = 1.5', [1, 2], 1.5, undefined, InvalidOptionError],
    ['n = NaN', [], NaN, undefined, InvalidOptionError],
    ['n = Infinity', [1], Infinity, undefined, InvalidOptionError],
    ['3 entries for n = 2', [1, 2, 3], 2, undefined, ShapeMismatchError],
    ['a = null', null, 2, undefined, ShapeMismatchError],
    ['options null', [1, 0, 0, 1], 2, null, InvalidOptionError],
    ['clampNegative "yes"', [1, 0, 0, 1], 2, { clampNegative: 'yes' }, InvalidOptionError],
    ['a NaN entry', [NaN, 0, 0, 1], 2, undefined, NonFiniteError],
    ['an Infinity entry', [1, 0, 0, Infinity], 2, undefined, NonFiniteError],
    ['eigenvalues beyond the float64 range (4x4 of 1e308: λ = 4e308)', new Array<number>(16).fill(1e308), 4, undefined, NonFiniteError],
  ];
  for (const [fname, fn] of fns) {
    for (const [what, a, n, o, cls] of cases) {
      it(`${fname}: ${what} → ${cls.name}`, () => {
        const e = thrown(() => fn(a, n, o));
        expect(e).toBeInstanceOf(cls);
        expect(e.message).toContain(fname);
      });
    }
    it(`${fname}: the message names the NaN entry's position`, () => {
      expect(thrown(() => fn([1, 0, 0, 0, 1, 0, 0, NaN, 1], 3)).message).toContain('(2, 1)');
    });
    it(`${fname}: huge entries (4x4 of 1e300·k, λ ≈ 6e301) are scaled, not overflowed`, () => {
      const a = Array.from({ length: 16 }, (_, i) => 1e300 * (i + 1));
      const r = fn(a, 4);
      const values = r instanceof Float64Array ? r : r.values;
      // Σλ = trace = 1e300·(1 + 6 + 11 + 16); the symmetric part has rank 2 (a_ij = 1e300·(4i + j + 1)).
      expect(Math.abs(values.reduce((s, v) => s + v, 0) / 34e300 - 1)).toBeLessThan(1e-12);
      expect(values.every(Number.isFinite)).toBe(true);
    });
    it(`${fname}: n = 0 with no entries is the empty decomposition`, () => {
      const r = fn([], 0);
      expect((r instanceof Float64Array ? r : r.values).length).toBe(0);
    });
  }
});
