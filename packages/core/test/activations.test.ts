import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { getActivation, SUPPORTED_ACTIVATIONS } from '@spam/core';
import { arr, maxAbsDiff, randn, rng } from '../../../test/helpers/index.js';

/** Points where an activation's derivative jumps; finite differences must stay clear of them. */
const KINKS: Record<string, number[]> = {
  relu: [0],
  relu6: [0, 6],
  selu: [0],
  hardSigmoid: [-2.5, 2.5],
};

const EPS = 1e-2;
const K = 3;
const N = 4;
const D = 5;

/** Seeded points spread over [-4, 8) (covering relu6's upper kink), kept 4·eps away from kinks. */
function points(name: string, seed: number): number[] {
  const u = rng(seed);
  const kinks = KINKS[name] ?? [];
  const out: number[] = [];
  while (out.length < N * D) {
    const z = -4 + 12 * u();
    if (kinks.every((c) => Math.abs(z - c) > 4 * EPS)) out.push(z);
  }
  return out;
}

/**
 * Central-difference J_fᵀ dy in float32: for coordinate j of row n, (Σ dy ⊙ (f(z + εe) − f(z − εe)))/2ε.
 * All rows are perturbed at once (rows are independent), one coordinate j at a time.
 */
function fdVjp(apply: (z: tf.Tensor) => tf.Tensor, z: tf.Tensor2D, dy: tf.Tensor3D): number[] {
  return tf.tidy(() => {
    const cols: tf.Tensor[] = [];
    for (let j = 0; j < D; j++) {
      const e = tf.mul(tf.oneHot(tf.fill([N], j, 'int32'), D), EPS);
      const diff = tf.sub(apply(tf.add(z, e)), apply(tf.sub(z, e))); // [N, D]
      cols.push(tf.div(tf.sum(tf.mul(dy, tf.expandDims(diff, 0)), -1), 2 * EPS)); // [K, N]
    }
    return arr(tf.stack(cols, -1)); // [K, N, D]
  });
}

describe('activation VJPs vs central finite differences (float32)', () => {
  it('the registry covers the activations tfjs-layers offers', () => {
    for (const name of [
      'linear',
      'relu',
      'relu6',
      'elu',
      'selu',
      'sigmoid',
      'hardSigmoid',
      'tanh',
      'softplus',
      'softsign',
      'swish',
      'mish',
      'gelu',
      'gelu_new',
      'softmax',
      'logSoftmax',
    ]) {
      expect(SUPPORTED_ACTIVATIONS).toContain(name);
    }
    expect(getActivation(undefined)?.name).toBe('linear');
    expect(getActivation('nope')).toBeUndefined();
  });

  SUPPORTED_ACTIVATIONS.forEach((name, i) => {
    it(name, () => {
      const act = getActivation(name)!;
      expect(act.name).toBe(name);
      expect(act.elementwise).toBe(name !== 'softmax' && name !== 'logSoftmax');
      const z = tf.tensor2d(points(name, 100 + i), [N, D]);
      const dy = tf.tensor3d(randn(K * N * D, 200 + i), [K, N, D]);
      const y = act.apply(z);
      const ours = tf.tidy(() => act.vjp(dy, z, y));
      expect(ours.shape).toEqual([K, N, D]);
      const ref = fdVjp((t) => act.apply(t), z, dy);
      // Truncation O(ε²·f''') plus float32 round-off ~1e-7·|f|/ε stay below ~1e-4 here; 1e-3 leaves margin.
      const scale = Math.max(1, ...ref.map(Math.abs));
      expect(maxAbsDiff(arr(ours), ref) / scale).toBeLessThan(1e-3);
      tf.dispose([z, dy, y, ours]);
    });
  });

  it('softmax and logSoftmax VJPs keep the K slices apart', () => {
    for (const name of ['softmax', 'logSoftmax']) {
      const act = getActivation(name)!;
      const z = tf.tensor2d(randn(N * D, 300), [N, D]);
      const dy = tf.tensor3d(randn(K * N * D, 301), [K, N, D]);
      tf.tidy(() => {
        const y = act.apply(z);
        const all = act.vjp(dy, z, y);
        for (let k = 0; k < K; k++) {
          const one = act.vjp(tf.slice(dy, [k], [1]), z, y);
          expect(maxAbsDiff(arr(tf.slice(all, [k], [1])), arr(one))).toBeLessThan(1e-6);
        }
      });
      tf.dispose([z, dy]);
    }
  });
});
