/**
 * Shared helpers for the unit tests: seeded random numbers, seeded model weights, comparisons
 * and backend switching. Nothing here calls the code under test.
 */
import * as tf from '@tensorflow/tfjs';

/** mulberry32: a small seeded uniform [0, 1) generator (a deliberate copy: test references never call the library). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` seeded standard-normal numbers (Box–Muller). */
export function randn(n: number, seed: number): number[] {
  const u = rng(seed);
  const out: number[] = [];
  while (out.length < n) {
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const th = 2 * Math.PI * u();
    out.push(r * Math.cos(th), r * Math.sin(th));
  }
  return out.slice(0, n);
}

/** A seeded normal tensor N(0, scale²). */
export function randomTensor(shape: number[], seed: number, scale = 1): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    randn(size, seed).map((v) => v * scale),
    shape,
  );
}

/** Seeded integer labels in [0, classes). */
export function randomLabels(n: number, classes: number, seed: number): number[] {
  const u = rng(seed);
  return Array.from({ length: n }, () => Math.floor(u() * classes));
}

/** Overwrites every weight of the model with seeded N(0, scale²) values (biases included). */
export function seedWeights(model: tf.LayersModel, seed: number, scale = 0.5): void {
  const ws = model.weights.map((w, i) => randomTensor(w.shape as number[], seed * 7919 + i, scale));
  model.setWeights(ws);
  tf.dispose(ws);
}

/** Copies the weights of `from` into `to` (same architecture). */
export function copyWeights(from: tf.LayersModel, to: tf.LayersModel): void {
  const ws = from.getWeights();
  to.setWeights(ws);
}

/** Float array of a tensor. */
export function arr(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}

/** Max |a − b| over equal-length arrays (Infinity when the lengths differ). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : Math.max(m, d);
  }
  return m;
}

/** ‖a − b‖ / ‖b‖ (Infinity when the lengths differ). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  let r = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    r += b[i] ** 2;
  }
  const e = r === 0 ? Math.sqrt(d) : Math.sqrt(d / r);
  return Number.isNaN(e) ? Infinity : e;
}

/** Runs `fn` on another backend, then switches back to the previous one (even on error). */
export async function onBackend<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
  const prev = tf.getBackend();
  await tf.setBackend(name);
  try {
    return await fn();
  } finally {
    await tf.setBackend(prev);
  }
}

/** Dense row-major Kronecker product of an [m, m] and a [k, k] matrix given as flat arrays. */
export function kron(a: ArrayLike<number>, m: number, b: ArrayLike<number>, k: number): number[] {
  const out = new Array<number>(m * k * m * k).fill(0);
  const cols = m * k;
  for (let i = 0; i < m; i++)
    for (let j = 0; j < m; j++)
      for (let o = 0; o < k; o++) for (let p = 0; p < k; p++) out[(i * k + o) * cols + j * k + p] = a[i * m + j] * b[o * k + p];
  return out;
}

/** Sub-block [r0, r0+rows) × [c0, c0+cols) of a flat [n, n] matrix. */
export function block(h: ArrayLike<number>, n: number, r0: number, rows: number, c0: number, cols: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out.push(h[(r0 + i) * n + c0 + j]);
  return out;
}

/** Runs fn and returns what it threw (fails the test when nothing is thrown). */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

/** Awaits p and returns its rejection (fails when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    const r = await p;
    (r as { dispose?: () => void })?.dispose?.();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}
