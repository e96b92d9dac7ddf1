// Slice and SplitV on wasm by heap-view runs: bit-exact against the cpu backend over random boxes
// (rank 1–6, float32 / int32, bool through the wasm backend's own kernel, empty slices), tf.split
// along every axis, slice gradients,
// no leaks.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, it } from 'vitest';
import { registerWasmKernels } from '@spam/tfjs-wasm-kernels';
import { expectClose, expectNoLeak, expectSameBits, onBackend, randomArray, seeded, values } from './helpers.js';

describe('Slice and SplitV (wasm, heap-view runs)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerWasmKernels();
  });

  it('slice matches cpu bit for bit on random boxes (rank 1–6, float32 / int32 / bool, empty)', async () => {
    const rand = seeded(21);
    const int = (lo: number, hi: number) => lo + Math.floor(((rand() + 1) / 2) * (hi - lo + 1));
    for (let c = 0; c < 90; c++) {
      const rank = 1 + (c % 6); // tfjs refuses to slice a scalar
      const dtype = (['float32', 'int32', 'bool'] as const)[c % 3];
      const shape = Array.from({ length: rank }, () => int(1, 5));
      const begin = shape.map((d) => int(0, d - 1));
      // Whole axes often (the contiguous runs), size 0 sometimes.
      const size = shape.map((d, i) => (int(0, 2) === 0 ? d - begin[i] : int(c % 23 === 4 ? 0 : 1, d - begin[i])));
      const x = values(
        shape.reduce((a, b) => a * b, 1),
        dtype,
        c,
      );
      await expectSameBits(
        () => [tf.slice(tf.tensor(x, shape, dtype), begin, size)],
        `${dtype} [${shape}] begin [${begin}] size [${size}]`,
      );
    }
  });

  it('one of K slices of a [K, N, T, C] cotangent and a head of 16 features', async () => {
    const x = values(10 * 6 * 4 * 32, 'float32', 1);
    const shape = [10, 6, 4, 32];
    await expectSameBits(
      () => [tf.slice(tf.tensor(x, shape), [3, 0, 0, 0], [1, 6, 4, 32]), tf.slice(tf.tensor(x, shape), [0, 1, 0, 16], [10, 5, 4, 16])],
      'K slice, head slice',
    );
  });

  it('split matches cpu bit for bit along every axis, equal and unequal pieces', async () => {
    const shape = [3, 4, 6, 70];
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      const x = values(3 * 4 * 6 * 70, dtype, 2);
      for (let axis = 0; axis < 4; axis++) {
        const d = shape[axis];
        const uneven = [1, d - 1];
        await expectSameBits(() => tf.split(tf.tensor(x, shape, dtype), d, axis), `${dtype} split ${d} along ${axis}`);
        await expectSameBits(() => tf.split(tf.tensor(x, shape, dtype), uneven, axis), `${dtype} split [${uneven}] along ${axis}`);
      }
    }
    const h = values(2 * 3 * 128, 'float32', 3);
    await expectSameBits(() => tf.split(tf.tensor(h, [2, 3, 128]), 8, -1), 'heads: 8 × 16 along −1');
  });

  it('slice and split gradients match cpu, without leaks', async () => {
    const x = randomArray(4 * 5 * 6, 4);
    const w = randomArray(3 * 5 * 4, 5);
    const fn = () => {
      const g = tf.grad((t: tf.Tensor) => {
        const [a, b] = tf.split(tf.slice(t, [1, 0, 2], [3, 5, 4]), [1, 3], -1);
        return tf.add(tf.sum(tf.mul(a, 2)), tf.sum(tf.mul(b, tf.tensor(w.subarray(0, 45), [3, 5, 3]))));
      });
      return g(tf.tensor(x, [4, 5, 6]));
    };
    const want = await onBackend('cpu', fn);
    let got: Float32Array[] = [];
    await expectNoLeak(async () => {
      got = await onBackend('wasm', fn);
    });
    expectClose(got, want, 1e-6, 'slice/split gradient');
  });
});
