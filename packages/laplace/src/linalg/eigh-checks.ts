/**
 * Argument and result checks of {@link eigh} / {@link eigvalsh}: typed errors instead of a
 * RangeError from a typed-array constructor or NaN eigenvalues.
 * @packageDocumentation
 */
import { InvalidOptionError, NonFiniteError, ShapeMismatchError, SpamError } from '@spam/core';

/**
 * An iterative step of {@link eigh} / {@link eigvalsh} did not converge (QL sweeps on a tridiagonal
 * block, or the secular equation of a divide-and-conquer merge). Not expected for finite input;
 * the message names the step and the block size.
 */
export class EighNotConvergedError extends SpamError {
  constructor(message: string) {
    super('EIGH_NOT_CONVERGED', message);
  }
}

/** Largest n whose n×n float64 working matrix fits one typed array (n² < 2³¹). */
const MAX_N = 46340;

/**
 * Checks the arguments of `fn` (`'eigh'` or `'eigvalsh'`): `InvalidOptionError` unless `n` is an
 * integer in [0, 46340] and `options` an object (or undefined) with a boolean `clampNegative`;
 * `ShapeMismatchError` unless `a` holds exactly n² entries; `NonFiniteError` naming the first
 * NaN/Inf entry. Returns `clampNegative`.
 */
export function checkEighArgs(fn: string, a: unknown, n: unknown, options: unknown): boolean {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_N) {
    throw new InvalidOptionError(`${fn}: the matrix size n must be an integer in [0, ${MAX_N}], got ${String(n)}`);
  }
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new InvalidOptionError(`${fn}: options must be an object such as { clampNegative: true }, got ${String(options)}`);
  }
  const clamp = (options as { clampNegative?: unknown } | undefined)?.clampNegative;
  if (clamp !== undefined && typeof clamp !== 'boolean')
    throw new InvalidOptionError(`${fn}: clampNegative must be a boolean, got ${String(clamp)}`);
  const length = (a as { length?: unknown } | null)?.length;
  if (a === null || typeof a !== 'object' || typeof length !== 'number') {
    throw new ShapeMismatchError(
      `${fn}: expected the ${n}x${n} matrix as an array of ${n * n} numbers (row-major), got ${a === null ? 'null' : typeof a}`,
    );
  }
  if (length !== n * n) throw new ShapeMismatchError(`${fn}: expected ${n * n} entries for a ${n}x${n} matrix, got ${length}`);
  const m = a as ArrayLike<unknown>;
  for (let i = 0; i < length; i++) {
    const v = m[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new NonFiniteError(
        `${fn}: entry (${Math.floor(i / n)}, ${i % n}) of the ${n}x${n} matrix is ${String(v)}, not a finite number`,
      );
    }
  }
  return clamp ?? false;
}

/** Throws `NonFiniteError` when a result of `fn` overflowed (entries near the float64 limit). */
export function checkEighResult(fn: string, n: number, ...arrays: ArrayLike<number>[]): void {
  for (const arr of arrays) {
    for (let i = 0; i < arr.length; i++) {
      if (!Number.isFinite(arr[i])) {
        throw new NonFiniteError(
          `${fn}: the decomposition of the ${n}x${n} matrix overflowed (NaN/Inf); its entries are too large (scale the matrix down first)`,
        );
      }
    }
  }
}
