// squaredKernelGradSums (the diag curvature of a layer with T > 1 locations) against a brute-force
// float64 sum of squared per-example gradients, on both of its routes (location pairs t ≤ t′, and
// a depthwise convolution with the examples as channels) and on the cost model's choice.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { squaredKernelGradSums } from '../src/curvature/kernel-grad-squares.js';

/** Deterministic values in [−1, 1). */
function values(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** h_io = Σ_{k,n} (Σ_t a_nti g_knto)² in float64. */
function bruteForce(a: Float32Array, g: Float32Array, k: number, n: number, t: number, fanIn: number, units: number): Float64Array {
  const h = new Float64Array(fanIn * units);
  for (let kk = 0; kk < k; kk++) {
    for (let nn = 0; nn < n; nn++) {
      for (let i = 0; i < fanIn; i++) {
        for (let o = 0; o < units; o++) {
          let s = 0;
          for (let tt = 0; tt < t; tt++) s += a[(nn * t + tt) * fanIn + i] * g[((kk * n + nn) * t + tt) * units + o];
          h[i * units + o] += s * s;
        }
      }
    }
  }
  return h;
}

describe('squaredKernelGradSums', () => {
  // [K, N, T, fanIn, units]: each on both routes and on the cost model's choice.
  const cases: Array<[number, number, number, number, number, string]> = [
    [3, 5, 4, 6, 7, 'T = 4, K = 3'],
    [9, 4, 16, 5, 3, 'T = 16, K = C − 1 = 9 (the ViT: 16 tokens)'],
    [1, 6, 2, 4, 5, 'K = 1 (MC / EF), T = 2'],
    [2, 3, 7, 4, 6, 'T = 7, K = 2'],
    [1, 4, 9, 3, 2, 'T = 9, K = 1'],
    [2, 2, 40, 3, 2, 'T = 40 (more than 32 locations)'],
  ];
  for (const [k, n, t, fanIn, units, label] of cases) {
    for (const route of ['pairs', 'depthwise', undefined] as const) {
      it(`${label}, route ${route ?? 'chosen'}: equals the brute-force float64 sum, no tensors left`, () => {
        const av = values(n * t * fanIn, 11 + t);
        const gv = values(k * n * t * units, 97 + k);
        const a = tf.tensor3d(av, [n, t, fanIn]);
        const g = tf.tensor4d(gv, [k, n, t, units]);
        const before = tf.memory().numTensors;
        const h = squaredKernelGradSums(a, g, { route });
        expect(tf.memory().numTensors).toBe(before + 1);
        expect(h.shape).toEqual([fanIn, units]);
        const got = h.dataSync();
        const want = bruteForce(av, gv, k, n, t, fanIn, units);
        const scale = Math.max(...want);
        for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(2e-6 * scale);
        tf.dispose([a, g, h]);
      });
    }
  }

  it('pairs with K taken in chunks (a small bound on the pair products) give the same sums', () => {
    const [k, n, t, fanIn, units] = [7, 3, 5, 4, 6];
    const av = values(n * t * fanIn, 5);
    const gv = values(k * n * t * units, 6);
    const a = tf.tensor3d(av, [n, t, fanIn]);
    const g = tf.tensor4d(gv, [k, n, t, units]);
    const want = bruteForce(av, gv, k, n, t, fanIn, units);
    const scale = Math.max(...want);
    const m = (t * (t + 1)) / 2;
    // Chunks of 1, 2 (with a remainder of 1) and 3 cotangents.
    for (const per of [1, 2, 3]) {
      const before = tf.memory().numTensors;
      const h = squaredKernelGradSums(a, g, { route: 'pairs', pairElements: n * m * units * per });
      expect(tf.memory().numTensors).toBe(before + 1);
      const got = h.dataSync();
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(2e-6 * scale);
      h.dispose();
    }
    tf.dispose([a, g]);
  });
});
