import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { countExamples, iterateBatches, permutation } from '@spam/core';

async function rows(data: Parameters<typeof iterateBatches>[0], epoch?: number, ordered?: boolean): Promise<number[]> {
  const out: number[] = [];
  for await (const b of iterateBatches(data, { epoch, ordered })) {
    out.push(...(b.xs.dataSync() as Float32Array));
    b.release();
  }
  return out;
}

describe('shuffled tensor data', () => {
  it('permutation is a seeded permutation', () => {
    const p = permutation(100, 3);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...permutation(100, 3)]).toEqual([...p]);
    expect([...permutation(100, 4)]).not.toEqual([...p]);
  });

  it('visits every example once per epoch, in a new order each epoch, and not when ordered', async () => {
    const xs = tf.range(0, 50).reshape([50, 1]);
    const ys = tf.zeros([50]);
    const before = tf.memory().numTensors;
    const data = { xs, ys, batchSize: 8, shuffle: 7 };
    const e0 = await rows(data, 0);
    const e1 = await rows(data, 1);
    const again = await rows(data, 0);
    expect([...e0].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(e0).toEqual(again);
    expect(e1).not.toEqual(e0);
    expect(await rows(data, 0, true)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(await rows({ xs, ys, batchSize: 8 }, 3)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([xs, ys]);
  });

  it('countExamples counts tensors and iterables', async () => {
    const xs = tf.zeros([13, 2]);
    const ys = tf.zeros([13]);
    expect(await countExamples({ xs, ys, batchSize: 4 })).toBe(13);
    const batches = [
      { xs: tf.zeros([5, 2]), ys: tf.zeros([5]) },
      { xs: tf.zeros([3, 2]), ys: tf.zeros([3]) },
    ];
    expect(await countExamples(batches)).toBe(8);
    tf.dispose([xs, ys, ...batches.flatMap((b) => [b.xs, b.ys])]);
  });
});
