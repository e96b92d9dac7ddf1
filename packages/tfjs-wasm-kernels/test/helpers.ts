// Shared helpers of the kernel tests: seeded host data, the same computation on two backends,
// relative comparison, bit-for-bit comparison with cpu (the copy kernels), tensor-count checks.
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

/** Dtypes the copy-kernel tests cover (`bool` goes to the wasm backend's own kernels). */
export type DType = 'float32' | 'int32' | 'bool';

/** Host values for `size` elements of `dtype`, from seed `seed`. */
export function values(size: number, dtype: DType, seed: number): Float32Array | Int32Array | Uint8Array {
  const r = randomArray(size, seed);
  if (dtype === 'float32') return r;
  if (dtype === 'int32') return Int32Array.from(r, (v) => Math.round(v * 2 ** 31));
  return Uint8Array.from(r, (v) => (v > 0 ? 1 : 0));
}

/** Raw bit patterns of every output of `fn` run on `backend` (tensors disposed). */
export async function bitsOn(backend: string, fn: () => tf.Tensor[]): Promise<Array<{ shape: number[]; bits: number[] }>> {
  const prev = tf.getBackend();
  await tf.setBackend(backend);
  try {
    const outs = tf.tidy(fn);
    const host = outs.map((t) => {
      const v = t.dataSync<'float32' | 'int32' | 'bool'>();
      const bits = v instanceof Uint8Array ? Array.from(v) : Array.from(new Uint32Array(v.buffer, v.byteOffset, v.length));
      return { shape: t.shape, bits };
    });
    tf.dispose(outs);
    return host;
  } finally {
    await tf.setBackend(prev);
  }
}

/** Expects `fn` to give the same shapes and bits on wasm as on cpu, and to leave no tensor on wasm. */
export async function expectSameBits(fn: () => tf.Tensor[], what: string): Promise<void> {
  const want = await bitsOn('cpu', fn);
  let got = want;
  await expectNoLeak(async () => {
    got = await bitsOn('wasm', fn);
  });
  expect(got, what).toEqual(want);
}
