import { InvalidOptionError } from './errors.js';

/**
 * mulberry32: a tiny seeded PRNG yielding uniform numbers in [0, 1); the same seed gives the same
 * sequence on every machine and backend (for shuffles, splits and sampling outside tfjs).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seeded random permutation of 0..n−1 (Fisher–Yates with {@link mulberry32}). Throws
 * `InvalidOptionError` unless `n` is an integer in [0, 2³¹ − 1] and `seed` an integer.
 */
export function permutation(n: number, seed: number): Int32Array {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 2 ** 31 - 1) {
    throw new InvalidOptionError(`permutation length n must be an integer in [0, 2^31 - 1], got ${String(n)}`);
  }
  if (typeof seed !== 'number' || !Number.isInteger(seed))
    throw new InvalidOptionError(`permutation seed must be an integer, got ${String(seed)}`);
  const p = Int32Array.from({ length: n }, (_, i) => i);
  const rand = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
