// Data-path errors of iterateBatches: typed, telling (unbatched datasets), and leaking nothing.
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  assertFinite,
  countExamples,
  DisposedError,
  InvalidDataError,
  InvalidOptionError,
  iterateBatches,
  knownExampleCount,
  ShapeMismatchError,
  SpamError,
  type DataSource,
} from '@spam/core';
import { rejection } from '../../../test/helpers/index.js';

/** Drains the batches (releasing each), returning the number of rows seen. */
async function drain(data: DataSource): Promise<number> {
  let n = 0;
  for await (const b of iterateBatches(data)) {
    n += b.xs.shape[0];
    b.release();
  }
  return n;
}

/**
 * Builds a source with `make()` (`inputs`: the tensors it holds, freed afterwards), drains it, and
 * asserts that the rejection leaves the tensor count where it was once the source existed.
 */
async function failsClean(make: () => { data: DataSource; inputs?: tf.Tensor[] }): Promise<Error> {
  const { data, inputs = [] } = make();
  const before = tf.memory().numTensors;
  const err = await rejection(drain(data));
  expect(tf.memory().numTensors, `leaked after: ${err.message}`).toBe(before);
  tf.dispose(inputs);
  return err;
}

describe('unbatched tf.data.Dataset', () => {
  // Sources held by the datasets (tf.data.array yields clones of them); freed after the last test.
  const rows = Array.from({ length: 6 }, (_, i) => tf.fill([20], i));
  const labels = [0, 1, 0, 1, 0, 1].map((v) => tf.scalar(v));
  const oneHot = Array.from({ length: 6 }, () => tf.oneHot(1, 3));
  const xs = () => tf.data.array(rows);
  afterAll(() => tf.dispose([...rows, ...labels, ...oneHot]));

  it('{xs: [20], ys: scalar} elements → ShapeMismatchError telling to call .batch(n), no tensor left', async () => {
    const err = await failsClean(() => ({ data: tf.data.zip({ xs: xs(), ys: tf.data.array(labels) }) }));
    expect(err).toBeInstanceOf(ShapeMismatchError);
    expect(err.message).toMatch(/\.batch\(n\)/);
    expect(err.message).toMatch(/not batched|must be batched/);
    expect(err.message).not.toContain('undefined');
  });

  it('labels that are plain numbers (tf.data.array([0, 1, …])) → InvalidDataError telling to batch, no tensor left', async () => {
    const err = await failsClean(() => ({ data: tf.data.zip({ xs: xs(), ys: tf.data.array([0, 1, 0, 1, 0, 1]) }) }));
    expect(err).toBeInstanceOf(InvalidDataError);
    expect(err.message).toMatch(/\.batch\(n\)/);
  });

  it('[xs, ys] tuples of single examples with one-hot ys [3] (rows 20 ≠ 3) → the mismatch message suggests .batch(n)', async () => {
    const err = await failsClean(() => ({ data: tf.data.zip([xs(), tf.data.array(oneHot)]) }));
    expect(err).toBeInstanceOf(ShapeMismatchError);
    expect(err.message).toContain('20');
    expect(err.message).toMatch(/\.batch\(n\)/);
  });

  it('the same dataset batched works (control)', async () => {
    const ds = tf.data.zip({ xs: xs(), ys: tf.data.array(labels) }).batch(4);
    const before = tf.memory().numTensors;
    expect(await drain(ds)).toBe(6);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('other data-path errors free what SpaM took and never raise a raw TypeError', () => {
  it('a Dataset whose 2nd batch has mismatched rows: its two tensors are freed', async () => {
    const err = await failsClean(() => ({
      data: tf.data.generator(function* () {
        yield { xs: tf.zeros([2, 3]), ys: tf.zeros([2]) };
        yield { xs: tf.zeros([2, 3]), ys: tf.zeros([3]) };
      }),
    }));
    expect(err).toBeInstanceOf(ShapeMismatchError);
    expect(err.message).toContain('batch 1');
  });

  it('a Dataset yielding a non-batch element ({a, b}) frees the tensors in it', async () => {
    const err = await failsClean(() => ({
      data: tf.data.generator(function* () {
        yield { a: tf.zeros([2, 3]), b: tf.zeros([2]) };
      }),
    }));
    expect(err).toBeInstanceOf(InvalidDataError);
    expect(err.message).toContain('batch 0');
  });

  it('[xs, ys] arrays that are not tensors → InvalidDataError (was a TypeError reading shape)', async () => {
    const err = await failsClean(() => ({ data: [[1, 2]] as unknown as DataSource }));
    expect(err).toBeInstanceOf(InvalidDataError);
  });

  it('an iterable of caller-owned batches with mismatched rows: the caller keeps its tensors', async () => {
    const batches = [{ xs: tf.zeros([2, 3]), ys: tf.zeros([5]) }];
    const before = tf.memory().numTensors;
    const err = await rejection(drain(batches));
    expect(err).toBeInstanceOf(ShapeMismatchError);
    expect(batches.every((b) => !b.xs.isDisposed && !b.ys.isDisposed)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(batches.map((b) => [b.xs, b.ys]).flat());
  });

  it('a generator yielding a single example (ys scalar) → ShapeMismatchError saying each element must be a batch', async () => {
    const b = { xs: tf.zeros([4]), ys: tf.scalar(1) };
    const err = await failsClean(() => ({ data: [b], inputs: [b.xs, b.ys] }));
    expect(err).toBeInstanceOf(ShapeMismatchError);
    expect(err.message).toMatch(/single example/);
  });

  it('tensor data: arrays instead of tensors, scalar xs, disposed tensors → typed errors', async () => {
    const arrays = await failsClean(() => ({ data: { xs: [[1, 2]], ys: [0] } as unknown as DataSource }));
    expect(arrays).toBeInstanceOf(InvalidDataError);
    expect(arrays.message).toMatch(/xs/);
    const scalar = await failsClean(() => {
      const inputs = [tf.scalar(1), tf.scalar(0)];
      return { data: { xs: inputs[0], ys: inputs[1] }, inputs };
    });
    expect(scalar).toBeInstanceOf(ShapeMismatchError);
    const gone = tf.zeros([3, 2]);
    const ys = tf.zeros([3]);
    gone.dispose();
    const disposed = await failsClean(() => ({ data: { xs: gone, ys }, inputs: [] }));
    expect(disposed).toBeInstanceOf(DisposedError);
    expect(disposed.message).toContain('xs');
    ys.dispose();
  });

  it('a disposed tensor in a caller batch → DisposedError naming the batch', async () => {
    const b = { xs: tf.zeros([2, 3]), ys: tf.zeros([2]) };
    b.ys.dispose();
    const err = await failsClean(() => ({ data: [b], inputs: [b.xs] }));
    expect(err).toBeInstanceOf(DisposedError);
    expect(err.message).toContain('batch 0');
  });

  it('every error above is a SpamError (never a raw TypeError)', async () => {
    const cases: DataSource[] = [
      [[1, 2]] as unknown as DataSource,
      [null] as unknown as DataSource,
      { xs: 'a', ys: 'b' } as unknown as DataSource,
      [{ xs: tf.zeros([0, 2]), ys: tf.zeros([0]) }],
    ];
    for (const data of cases) {
      const err = await rejection(drain(data));
      expect(err, err.message).toBeInstanceOf(SpamError);
    }
    tf.dispose((cases[3] as Array<{ xs: tf.Tensor; ys: tf.Tensor }>).flatMap((b) => [b.xs, b.ys]));
  });
});

describe('dtypes and options found by the fuzz suite', () => {
  it('string tensors (tensor data, a caller batch, a Dataset element) → InvalidDataError naming xs/ys, nothing leaked', async () => {
    const xs = tf.zeros([4, 2]);
    const labels = tf.tensor1d(['a', 'b', 'a', 'b'], 'string');
    const tensorData = await failsClean(() => ({ data: { xs, ys: labels, batchSize: 2 } }));
    expect(tensorData).toBeInstanceOf(InvalidDataError);
    expect(tensorData.message).toContain('data.ys');
    expect(tensorData.message).toContain('string');
    const batch = await failsClean(() => ({ data: [{ xs: labels, ys: xs }] }));
    expect(batch).toBeInstanceOf(InvalidDataError);
    expect(batch.message).toContain('batch 0 xs');
    const ds = await failsClean(() => ({
      data: tf.data.generator(function* () {
        yield { xs: tf.zeros([2, 2]), ys: tf.tensor1d(['x', 'y'], 'string') };
      }),
    }));
    expect(ds).toBeInstanceOf(InvalidDataError);
    tf.dispose([xs, labels]);
  });

  it('shuffle and epoch that are not integers → InvalidOptionError (NaN used to reach the permutation)', async () => {
    const xs = tf.zeros([4, 2]);
    const ys = tf.zeros([4]);
    for (const shuffle of [NaN, Infinity, 1.5, '3', null]) {
      const e = await failsClean(() => ({ data: { xs, ys, shuffle } as unknown as DataSource }));
      expect(e, String(shuffle)).toBeInstanceOf(InvalidOptionError);
      expect(e.message).toContain('shuffle');
    }
    for (const epoch of [NaN, -1, 0.5]) {
      const e = await rejection(
        (async () => {
          for await (const b of iterateBatches({ xs, ys, shuffle: 3 }, { epoch })) b.release();
        })(),
      );
      expect(e, String(epoch)).toBeInstanceOf(InvalidOptionError);
    }
    tf.dispose([xs, ys]);
  });

  it('assertFinite: string tensors → InvalidDataError, disposed → DisposedError, not a tensor → InvalidDataError', () => {
    const s = tf.tensor1d(['a'], 'string');
    expect(() => assertFinite(s, 'inputs')).toThrow(InvalidDataError);
    s.dispose();
    expect(() => assertFinite(s, 'inputs')).toThrow(DisposedError);
    expect(() => assertFinite([1] as unknown as tf.Tensor, 'inputs')).toThrow(InvalidDataError);
    const ok = tf.ones([2]);
    expect(() => assertFinite(ok, 'inputs')).not.toThrow();
    ok.dispose();
  });
});

describe('countExamples / knownExampleCount on malformed tensor data', () => {
  it('{xs: null, ys: null}, a disposed xs, junk → knownExampleCount undefined; countExamples rejects with a SpamError', async () => {
    const gone = tf.zeros([3, 2]);
    gone.dispose();
    for (const data of [{ xs: null, ys: null }, { xs: gone, ys: gone }, { xs: 'a', ys: 1 }, null, 7]) {
      expect(knownExampleCount(data as unknown as DataSource)).toBeUndefined();
      const e = await rejection(countExamples(data as unknown as DataSource));
      expect(e, e.message).toBeInstanceOf(SpamError);
    }
  });
});
