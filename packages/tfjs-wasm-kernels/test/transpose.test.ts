// Transpose on wasm: (batched) matrix transposes through heap views, bit-exact against the cpu
// backend over random shapes and permutations (rank 1–5, size-1 axes, float32 / int32, bool through
// the wasm backend's own kernel), the permutation reduction, gradients, no leaks.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmKernels } from '@spam/tfjs-wasm-kernels';
import { reducePermutation } from '../src/transpose.js';
import { expectClose, expectNoLeak, expectSameBits, onBackend, randomArray, seeded, values } from './helpers.js';

/** A random permutation of 0..n−1 from `rand` (values in [−1, 1)). */
function permutation(n: number, rand: () => number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(((rand() + 1) / 2) * (i + 1)) % (i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

describe('reducePermutation', () => {
  it('drops size-1 axes and merges axes that stay neighbours', () => {
    expect(reducePermutation([20, 30], [1, 0])).toEqual({ shape: [20, 30], perm: [1, 0] });
    expect(reducePermutation([4, 5, 6], [2, 0, 1])).toEqual({ shape: [20, 6], perm: [1, 0] });
    expect(reducePermutation([4, 5, 6], [1, 2, 0])).toEqual({ shape: [4, 30], perm: [1, 0] });
    expect(reducePermutation([3, 4, 5], [0, 2, 1])).toEqual({ shape: [3, 4, 5], perm: [0, 2, 1] });
    expect(reducePermutation([2, 1, 3], [0, 2, 1])).toEqual({ shape: [6], perm: [0] });
    expect(reducePermutation([1, 7, 1, 9], [3, 2, 1, 0])).toEqual({ shape: [7, 9], perm: [1, 0] });
    expect(reducePermutation([2, 3, 4, 5], [1, 0, 2, 3])).toEqual({ shape: [2, 3, 20], perm: [1, 0, 2] });
    expect(reducePermutation([1, 1], [1, 0])).toEqual({ shape: [], perm: [] });
  });
});

describe('Transpose (wasm, heap-view strips)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerWasmKernels();
  });

  it('matches cpu bit for bit on random shapes and permutations (rank 1–5, float32 / int32 / bool)', async () => {
    const rand = seeded(33);
    const int = (lo: number, hi: number) => lo + Math.floor(((rand() + 1) / 2) * (hi - lo + 1));
    for (let c = 0; c < 80; c++) {
      const rank = 1 + (c % 5);
      const dtype = (['float32', 'int32', 'bool'] as const)[c % 3];
      const shape = Array.from({ length: rank }, () => (int(0, 3) === 0 ? 1 : int(2, 11)));
      const perm = permutation(rank, rand);
      const x = values(
        shape.reduce((a, b) => a * b, 1),
        dtype,
        c,
      );
      await expectSameBits(() => [tf.transpose(tf.tensor(x, shape, dtype), perm)], `${dtype} [${shape}] perm [${perm}]`);
    }
  });

  it('matrices with row counts not a multiple of the 8-row strip, batched matrices, a wide KFAC operand', async () => {
    for (const [shape, perm] of [
      [
        [13, 29],
        [1, 0],
      ],
      [
        [8, 3],
        [1, 0],
      ],
      [
        [5, 17, 11],
        [0, 2, 1],
      ],
      [
        [3, 2, 9, 7],
        [0, 1, 3, 2],
      ],
      [
        [640, 96],
        [1, 0],
      ],
    ] as Array<[number[], number[]]>) {
      const x = values(
        shape.reduce((a, b) => a * b, 1),
        'float32',
        shape[0],
      );
      await expectSameBits(() => [tf.transpose(tf.tensor(x, shape), perm)], `[${shape}] perm [${perm}]`);
    }
  });

  it('gradients through transposes and a transposed matMul match cpu, without leaks', async () => {
    const x = randomArray(6 * 5 * 4, 7);
    const w = randomArray(6 * 3, 8);
    const fn = () =>
      tf.grad((t: tf.Tensor) => {
        const y = tf.transpose(t, [2, 0, 1]); // [4, 6, 5]
        const z = tf.matMul(tf.reshape(tf.transpose(y, [0, 2, 1]), [20, 6]), tf.tensor2d(w, [6, 3])); // [20, 3]
        return tf.sum(tf.square(z));
      })(tf.tensor(x, [6, 5, 4]));
    const want = await onBackend('cpu', fn);
    let got: Float32Array[] = [];
    await expectNoLeak(async () => {
      got = await onBackend('wasm', fn);
    });
    expectClose(got, want, 1e-5, 'transpose gradient');
  });
});
