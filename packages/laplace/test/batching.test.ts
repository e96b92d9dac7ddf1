import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { Batch, DataSource, ModelLike } from '@spam/core';
import { fitLaplace, type CurvatureProgress, type CurvatureStructure, type Laplace } from '@spam/laplace';
import { arr, randomLabels, randomTensor, relErr, seedWeights } from '../../../test/helpers/index.js';

const L = tf.layers;
const N = 7;
const IN = [4, 4, 1];

function cnn(): ModelLike {
  const m = tf.sequential({
    layers: [
      L.conv2d({ inputShape: IN, filters: 2, kernelSize: 2, activation: 'tanh' }),
      L.averagePooling2d({ poolSize: 2, strides: 1 }),
      L.flatten(),
      L.dense({ units: 3 }),
    ],
  });
  seedWeights(m, 61, 0.8);
  return m;
}

/** Every number a fitted curvature holds, flattened (kron: A and G of every layer). */
function contents(lap: Laplace): number[] {
  switch (lap.structure) {
    case 'diag':
      return arr(lap.diag);
    case 'full':
      return arr(lap.H);
    default:
      return lap.factors.flatMap((f) => [...arr(f.A), ...arr(f.G)]);
  }
}

async function fitContents(
  model: ModelLike,
  data: DataSource,
  structure: CurvatureStructure,
  likelihood: 'classification' | 'regression' = 'classification',
) {
  const lap = await fitLaplace(model, data, { likelihood, structure });
  const out = { values: contents(lap), nData: lap.nData, loss: lap.loss };
  lap.dispose();
  return out;
}

/** Row batches [start, start + size) of xs and ys (new tensors owned by the caller). */
function manualBatches(xs: tf.Tensor, ys: tf.Tensor, size: number): Batch[] {
  const out: Batch[] = [];
  for (let s = 0; s < N; s += size) {
    const k = Math.min(size, N - s);
    out.push({ xs: tf.slice(xs, s, k), ys: tf.slice(ys, s, k) });
  }
  return out;
}

describe('batching does not change H (it is a sum over all examples)', () => {
  const model = cnn();
  const xs = randomTensor([N, ...IN], 62);
  const labels = randomLabels(N, 3, 63);
  const ys = tf.tensor1d(labels);

  for (const structure of ['diag', 'kron', 'full'] as const) {
    it(`${structure}: batch sizes 1, 3 and N give the same H`, async () => {
      const ref = await fitContents(model, { xs, ys, batchSize: N }, structure);
      expect(ref.nData).toBe(N);
      expect(Math.max(...ref.values.map(Math.abs))).toBeGreaterThan(1e-3);
      for (const b of [1, 3]) {
        const got = await fitContents(model, { xs, ys, batchSize: b }, structure);
        expect(got.nData).toBe(N);
        expect(relErr(got.values, ref.values), `batchSize ${b}`).toBeLessThan(1e-5);
        expect(got.loss).toBeCloseTo(ref.loss, 4);
      }
    });
  }

  it('the default batch size (256) covers all N examples', async () => {
    const ref = await fitContents(model, { xs, ys, batchSize: 2 }, 'diag');
    const got = await fitContents(model, { xs, ys }, 'diag');
    expect(relErr(got.values, ref.values)).toBeLessThan(1e-5);
  });

  it('regression kron is batch-invariant too', async () => {
    const targets = randomTensor([N, 3], 64);
    const ref = await fitContents(model, { xs, ys: targets, batchSize: N }, 'kron', 'regression');
    const got = await fitContents(model, { xs, ys: targets, batchSize: 2 }, 'kron', 'regression');
    expect(relErr(got.values, ref.values)).toBeLessThan(1e-5);
    targets.dispose();
  });

  describe('the data forms give the same H', () => {
    const forms: Array<[string, () => DataSource]> = [
      ['an array of {xs, ys} batches', () => manualBatches(xs, ys, 3)],
      [
        'a sync generator of batches',
        () =>
          (function* () {
            yield* manualBatches(xs, ys, 2);
          })(),
      ],
      [
        'an async iterable of batches',
        () =>
          (async function* () {
            for (const b of manualBatches(xs, ys, 4)) yield b;
          })(),
      ],
      [
        'tf.data.zip({xs, ys}).batch(3) over tf.data.array',
        () => tf.data.zip({ xs: tf.data.array(tf.unstack(xs)), ys: tf.data.array(tf.unstack(ys)) }).batch(3),
      ],
      // tfjs-data cannot .batch() [x, y] tuples of tensors, so the tuple form zips batched datasets.
      [
        'tf.data.zip([xs.batch(2), ys.batch(2)]) ([xs, ys] elements)',
        () => tf.data.zip([tf.data.array(tf.unstack(xs)).batch(2), tf.data.array(tf.unstack(ys)).batch(2)]),
      ],
      [
        'tf.data.generator yielding {xs, ys} batches',
        () =>
          tf.data.generator(function* () {
            yield* manualBatches(xs, ys, 3);
          } as unknown as () => Iterator<tf.TensorContainer>),
      ],
    ];
    for (const structure of ['diag', 'kron', 'full'] as const) {
      it(`${structure}`, async () => {
        const ref = await fitContents(model, { xs, ys, batchSize: 5 }, structure);
        for (const [name, make] of forms) {
          const got = await fitContents(model, make(), structure);
          expect(got.nData, name).toBe(N);
          expect(relErr(got.values, ref.values), name).toBeLessThan(1e-5);
        }
      });
    }
  });

  it('onProgress reports every batch, the examples so far and the total', async () => {
    const seen: CurvatureProgress[] = [];
    const lap = await fitLaplace(
      model,
      { xs, ys, batchSize: 3 },
      { likelihood: 'classification', structure: 'diag', onProgress: (p) => seen.push({ ...p }) },
    );
    lap.dispose();
    expect(seen).toEqual([
      { stage: 'curvature', batches: 1, examples: 3, total: N },
      { stage: 'curvature', batches: 2, examples: 6, total: N },
      { stage: 'curvature', batches: 3, examples: 7, total: N },
    ]);
  });

  it('iterable batches stay owned by the caller; xs/ys row mismatch is a ShapeMismatchError', async () => {
    const batches = manualBatches(xs, ys, 4);
    const lap = await fitLaplace(model, batches, { likelihood: 'classification', structure: 'diag' });
    lap.dispose();
    expect(batches.every((b) => !b.xs.isDisposed && !b.ys.isDisposed)).toBe(true);
    const bad = [{ xs: batches[0].xs, ys: batches[1].ys }];
    await expect(fitLaplace(model, bad, { likelihood: 'classification' })).rejects.toThrow(/rows/);
    tf.dispose(batches.flatMap((b) => [b.xs, b.ys]));
  });
});
