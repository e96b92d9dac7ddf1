// MaxPoolGrad on wasm: tfjs-backend-wasm 4.22's own kernel routes no gradient out of a window whose
// maximum is ≤ 0 (its running maximum starts at the smallest positive float); this package's
// replacement matches the cpu backend (first maximum in row-major window order gets the gradient).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmKernels, unregisterWasmKernels } from '@spam/tfjs-wasm-kernels';
import { expectClose, expectNoLeak, onBackend, randomArray, relError } from './helpers.js';

interface Case {
  x: [number, number, number, number];
  pool: [number, number];
  strides: [number, number];
  pad: 'valid' | 'same' | number;
}

const CASES: Case[] = [
  { x: [2, 4, 4, 2], pool: [2, 2], strides: [2, 2], pad: 'valid' },
  { x: [3, 5, 5, 2], pool: [3, 3], strides: [2, 2], pad: 'valid' },
  { x: [3, 5, 5, 2], pool: [3, 3], strides: [2, 2], pad: 'same' },
  { x: [2, 7, 5, 3], pool: [3, 2], strides: [2, 1], pad: 'same' },
  { x: [1, 9, 8, 1], pool: [2, 3], strides: [3, 3], pad: 'valid' },
  { x: [2, 6, 7, 4], pool: [3, 3], strides: [1, 1], pad: 'same' },
  { x: [2, 6, 6, 2], pool: [2, 2], strides: [1, 1], pad: 1 },
  { x: [5, 3, 3, 1], pool: [1, 1], strides: [1, 1], pad: 'valid' },
];

const label = (c: Case) => `x ${c.x.join('×')}, pool ${c.pool.join('×')}, s ${c.strides.join(',')}, pad ${c.pad}`;
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** d/dx of Σ maxPool(x)·R; `data` fills x (default: seeded values in (−1, 1), half of them negative). */
function grad(c: Case, seed: number, data?: Float32Array) {
  return () => {
    const x = tf.tensor4d(data ?? randomArray(size(c.x), seed), c.x);
    const y = tf.maxPool(x, c.pool, c.strides, c.pad);
    const r = tf.tensor(randomArray(y.size, seed + 1), y.shape);
    return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, c.pool, c.strides, c.pad as 'valid'), r)))(x);
  };
}

describe('MaxPoolGrad (wasm)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerWasmKernels();
  });

  it("reproduces tfjs-backend-wasm 4.22's own bug: windows with a negative maximum get no gradient", async () => {
    const c: Case = { x: [3, 2, 2, 1], pool: [1, 1], strides: [1, 1], pad: 'valid' };
    const data = Float32Array.from([0.5, -1, 2, -3, 1, -0.5, -2, 4, -1, 3, -4, 1]);
    const want = await onBackend('cpu', grad(c, 7, data));
    unregisterWasmKernels();
    let buggy: Float32Array[];
    try {
      buggy = await onBackend('wasm', grad(c, 7, data));
    } finally {
      registerWasmKernels();
    }
    // A 1×1 pool is the identity: its gradient is R everywhere; the wasm kernel zeroes it where x < 0.
    for (let i = 0; i < data.length; i++) {
      if (data[i] < 0) expect(buggy[0][i], `entry ${i} (x = ${data[i]})`).toBe(0);
      else expect(buggy[0][i]).toBeCloseTo(want[0][i], 6);
    }
    expect(want[0].filter((v, i) => data[i] < 0 && v !== 0).length).toBe(6);
    const fixed = await onBackend('wasm', grad(c, 7, data));
    expectClose(fixed, want, 1e-6, 'fixed');
  });

  it.each(CASES.map((c, i) => [label(c), c, i] as const))('matches cpu: %s', async (_, c, i) => {
    const want = await onBackend('cpu', grad(c, 10 * i));
    let got: Float32Array[] = [];
    await expectNoLeak(async () => {
      got = await onBackend('wasm', grad(c, 10 * i));
    });
    expectClose(got, want, 1e-6, label(c));
  });

  it('ties go to the first maximum in row-major window order, like cpu; overlapping windows add up', async () => {
    const c: Case = { x: [2, 5, 5, 2], pool: [3, 3], strides: [1, 1], pad: 'same' };
    // Few distinct values: many ties inside and across windows.
    const data = Float32Array.from(randomArray(size(c.x), 3), (v) => Math.round(v * 2) - 1);
    const want = await onBackend('cpu', grad(c, 3, data));
    const got = await onBackend('wasm', grad(c, 3, data));
    expect(relError(got[0], want[0])).toBeLessThan(1e-6);
  });
});
