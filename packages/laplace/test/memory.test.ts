import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { NonFiniteError, type DataSource, type ModelLike } from '@spam/core';
import { fitLaplace, type CurvatureOptions } from '@spam/laplace';
import { randomLabels, randomTensor, seedWeights } from '../../../test/helpers/index.js';

const L = tf.layers;
const N = 5;

function cnn(): ModelLike {
  const m = tf.sequential({
    layers: [
      L.conv2d({ inputShape: [5, 5, 1], filters: 2, kernelSize: 2, activation: 'relu' }),
      L.maxPooling2d({ poolSize: 2 }),
      L.flatten(),
      L.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  seedWeights(m, 81, 0.8);
  return m;
}

const model = cnn();
const xs = randomTensor([N, 5, 5, 1], 82);
const labels = tf.tensor1d(randomLabels(N, 3, 83));
const targets = randomTensor([N, 3], 84);

/** Asserts fn leaves tf.memory().numTensors unchanged. */
async function expectNoLeak(what: string, fn: () => Promise<void>): Promise<void> {
  const before = tf.memory().numTensors;
  await fn();
  expect(tf.memory().numTensors, what).toBe(before);
}

describe('fitLaplace leaves tf.memory().numTensors unchanged', () => {
  for (const structure of ['diag', 'kron', 'full'] as const) {
    for (const curvature of ['ggn', 'mc', 'ef'] as const) {
      for (const likelihood of ['classification', 'regression'] as const) {
        it(`${structure} / ${curvature} / ${likelihood}: fit, diagonal(), dispose()`, async () => {
          const ys = likelihood === 'classification' ? labels : targets;
          await expectNoLeak('fit + dispose', async () => {
            const lap = await fitLaplace(model, { xs, ys, batchSize: 2 }, { likelihood, structure, curvature, mcSamples: 2 });
            expect(tf.memory().numTensors).toBeGreaterThan(0);
            await expectNoLeak('diagonal()', async () => lap.diagonal().dispose());
            if (lap.structure === 'diag') await expectNoLeak('diagonalBlocks()', async () => tf.dispose(lap.diagonalBlocks()));
            lap.dispose();
            expect(lap.isDisposed).toBe(true);
            lap.dispose(); // idempotent
          });
        });
      }
    }
  }

  it('with a tf.data.Dataset and with a generator of fresh batches (SpaM disposes what they yield)', async () => {
    const rows = tf.unstack(xs);
    const labs = tf.unstack(labels);
    await expectNoLeak('dataset', async () => {
      const ds = tf.data.zip({ xs: tf.data.array(rows), ys: tf.data.array(labs) }).batch(2);
      (await fitLaplace(model, ds, { likelihood: 'classification', structure: 'diag' })).dispose();
    });
    await expectNoLeak('generator', async () => {
      const gen = tf.data.generator(function* () {
        for (let s = 0; s < N; s += 2) yield { xs: tf.slice(xs, s, Math.min(2, N - s)), ys: tf.slice(labels, s, Math.min(2, N - s)) };
      });
      (await fitLaplace(model, gen, { likelihood: 'classification', structure: 'full' })).dispose();
    });
    tf.dispose([...rows, ...labs]);
  });
});

describe('a throwing fitLaplace leaves tf.memory().numTensors unchanged', () => {
  const cls: CurvatureOptions = { likelihood: 'classification', structure: 'kron' };
  const bad: Array<[string, () => DataSource, CurvatureOptions]> = [
    ['labels out of range in the 2nd batch', () => ({ xs, ys: tf.tensor1d([0, 1, 2, 7, 0]), batchSize: 3 }), cls],
    [
      'NaN inputs in the last batch',
      () => ({ xs: tf.concat([tf.slice(xs, 0, 4), tf.fill([1, 5, 5, 1], NaN)]), ys: labels, batchSize: 2 }),
      cls,
    ],
    ['wrong per-example input shape', () => ({ xs: tf.zeros([N, 4, 5, 1]), ys: labels }), cls],
    ['labels of the wrong shape', () => ({ xs, ys: tf.zeros([N, 2]) }), cls],
    ['empty data', () => ({ xs: tf.zeros([0, 5, 5, 1]), ys: tf.zeros([0]) }), cls],
    ['invalid option', () => ({ xs, ys: labels }), { likelihood: 'classification', structure: 'foo' as never }],
    [
      'NaN in the 2nd batch of a Dataset',
      () =>
        tf.data.generator(function* () {
          yield { xs: tf.slice(xs, 0, 2), ys: tf.slice(labels, 0, 2) };
          yield { xs: tf.fill([2, 5, 5, 1], Infinity), ys: tf.slice(labels, 2, 2) };
          yield { xs: tf.slice(xs, 4, 1), ys: tf.slice(labels, 4, 1) };
        }),
      { likelihood: 'classification', structure: 'full' },
    ],
  ];
  for (const [name, make, o] of bad) {
    it(name, async () => {
      // The caller's own input tensors are created before the baseline and freed after it.
      const data = make();
      const owned = 'xs' in (data as object) ? [(data as { xs: tf.Tensor }).xs, (data as { ys: tf.Tensor }).ys] : [];
      await expectNoLeak(name, async () => {
        await expect(fitLaplace(model, data, o)).rejects.toThrow();
      });
      tf.dispose(owned.filter((t) => t !== xs && t !== labels));
    });
  }

  it('NonFiniteError for NaN weights, without leaks', async () => {
    const m = tf.sequential({ layers: [L.dense({ inputShape: [5], units: 3 })] });
    const w = tf.fill([5, 3], NaN);
    const b = tf.zeros([3]);
    m.setWeights([w, b]);
    tf.dispose([w, b]);
    const x = randomTensor([4, 5], 85);
    const y = tf.tensor1d([0, 1, 2, 0]);
    for (const structure of ['diag', 'kron', 'full'] as const) {
      await expectNoLeak(structure, async () => {
        const err = await fitLaplace(
          m as unknown as ModelLike,
          { xs: x, ys: y, batchSize: 2 },
          { likelihood: 'classification', structure },
        ).catch((e) => e);
        expect(err).toBeInstanceOf(NonFiniteError);
        expect(String(err.message)).toMatch(/NaN\/Inf/);
      });
    }
    tf.dispose([x, y]);
  });
});
