// outputHessianSqrt: Σ_k v_k v_kᵀ equals the output Hessian Λ computed independently in float64,
// for the full (C factors) and the reduced (C − 1 factors) square roots.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError, outputHessianSqrt } from '@spam/core';
import { thrown } from '../../../test/helpers/index.js';

/** diag(p) − ppᵀ of softmax(row), in float64. */
function softmaxHessian(row: number[]): number[][] {
  const m = Math.max(...row);
  const e = row.map((z) => Math.exp(z - m));
  const s = e.reduce((a, b) => a + b, 0);
  const p = e.map((x) => x / s);
  return p.map((pi, i) => p.map((pj, j) => (i === j ? pi : 0) - pi * pj));
}

/** Σ_k v_k v_kᵀ of example n from `[K, N, C]` factors. */
function outerSum(v: number[][][], n: number): number[][] {
  const c = v[0][n].length;
  const out = Array.from({ length: c }, () => new Array<number>(c).fill(0));
  for (const vk of v) for (let i = 0; i < c; i++) for (let j = 0; j < c; j++) out[i][j] += vk[n][i] * vk[n][j];
  return out;
}

const LOGITS: number[][] = [
  [0.3, -1.2, 2.0, 0.1],
  [9, -4, 0, 1], // one class dominates (p ≈ 1 on the first)
  [-6, 0, -3, 12], // the last class (the reference of the reduced root) dominates
  [5, 4, 6, -40], // the last class has p ≈ 0
  [0, 0, 0, 0],
];

describe('outputHessianSqrt', () => {
  for (const reduced of [false, true]) {
    it(`classification, reduced ${reduced}: Σ v vᵀ = diag(p) − ppᵀ (float64 reference), K = ${reduced ? 'C − 1' : 'C'}`, () => {
      const f = tf.tensor2d(LOGITS);
      const before = tf.memory().numTensors;
      const v = outputHessianSqrt('classification', f, { reduced });
      expect(tf.memory().numTensors).toBe(before + 1);
      const c = LOGITS[0].length;
      expect(v.shape).toEqual([reduced ? c - 1 : c, LOGITS.length, c]);
      const vs = v.arraySync() as number[][][];
      LOGITS.forEach((row, n) => {
        const want = softmaxHessian(row);
        const got = outerSum(vs, n);
        for (let i = 0; i < c; i++) for (let j = 0; j < c; j++) expect(Math.abs(got[i][j] - want[i][j])).toBeLessThan(2e-7);
      });
      tf.dispose([f, v]);
    });
  }

  it('reduced on random logits of 10 classes: Σ v vᵀ = Λ to float32 rounding, and Λ1 = 0 is kept', () => {
    const rows = Array.from({ length: 64 }, (_, n) => Array.from({ length: 10 }, (_, c) => 4 * Math.sin(7.1 * n + 3.3 * c + 0.5)));
    const f = tf.tensor2d(rows);
    const v = outputHessianSqrt('classification', f, { reduced: true });
    const vs = v.arraySync() as number[][][];
    rows.forEach((row, n) => {
      const want = softmaxHessian(row);
      const got = outerSum(vs, n);
      for (let i = 0; i < 10; i++) {
        for (let j = 0; j < 10; j++) expect(Math.abs(got[i][j] - want[i][j])).toBeLessThan(3e-7);
        // Each factor is orthogonal to 1 (Λ's null vector): Σ_i v_k[i] = 0.
      }
      for (const vk of vs) expect(Math.abs(vk[n].reduce((a, b) => a + b, 0))).toBeLessThan(3e-7);
    });
    tf.dispose([f, v]);
  });

  it('regression ignores reduced (Λ = I has full rank); one class gives one zero factor', () => {
    const f = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const r = outputHessianSqrt('regression', f, { reduced: true });
    expect(r.shape).toEqual([2, 2, 2]);
    expect(r.arraySync()).toEqual([
      [
        [1, 0],
        [1, 0],
      ],
      [
        [0, 1],
        [0, 1],
      ],
    ]);
    const one = tf.tensor2d([[0.5], [-2]]);
    const z = outputHessianSqrt('classification', one, { reduced: true });
    expect(z.shape).toEqual([1, 2, 1]);
    expect(z.arraySync()).toEqual([[[0], [0]]]);
    tf.dispose([f, r, one, z]);
  });

  it('bad options → InvalidOptionError naming the option', () => {
    const f = tf.tensor2d([[1, 2]]);
    expect(thrown(() => outputHessianSqrt('classification', f, { reduced: 'yes' as never }))).toBeInstanceOf(InvalidOptionError);
    expect(thrown(() => outputHessianSqrt('classification', f, { reduced: 1 as never })).message).toContain('reduced');
    expect(thrown(() => outputHessianSqrt('classification', f, null as never))).toBeInstanceOf(InvalidOptionError);
    f.dispose();
  });
});
