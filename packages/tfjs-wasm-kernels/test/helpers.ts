// Shared helpers of the kernel tests: seeded host data, the same computation on two backends,
// relative comparison, tensor-count checks.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

/** Deterministic pseudo-random numbers in (−1, 1) (mulberry32), so both backends see identical data. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

/** `n` seeded values in (−1, 1). */
export function randomArray(n: number, seed: number): Float32Array {
  const r = seeded(seed);
  return Float32Array.from({ length: n }, r);
}

/** Runs `fn` with `name` as the active backend and returns its result as host arrays (tensors disposed). */
export async function onBackend(name: string, fn: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  const prev = tf.getBackend();
  await tf.setBackend(name);
  try {
    const out = tf.tidy(fn);
    const list = Array.isArray(out) ? out : [out];
    const host = list.map((t) => Float32Array.from(t.dataSync()));
    tf.dispose(list);
    return host;
  } finally {
    await tf.setBackend(prev);
  }
}

/** max |a − b| / (max |b| + tiny): a relative error over the whole array. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / (scale + 1e-30);
}

/** Expects every array of `got` to match `want` to `tol` relative error; `what` names the case in a failure. */
export function expectClose(got: Float32Array[], want: Float32Array[], tol: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    expect(Number.isFinite(relError(got[i], want[i])), `${what} [${i}] finite`).toBe(true);
    expect(relError(got[i], want[i]), `${what} [${i}]`).toBeLessThan(tol);
  }
}

/** Runs `fn` and expects no tensor to be left behind. */
export async function expectNoLeak(fn: () => unknown): Promise<void> {
  const before = tf.memory().numTensors;
  await fn();
  expect(tf.memory().numTensors).toBe(before);
}
