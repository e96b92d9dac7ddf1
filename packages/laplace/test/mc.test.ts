import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { ModelLike } from '@spam/core';
import { fitLaplace, type CurvatureOptions, type Laplace } from '@spam/laplace';
import { arr, randomLabels, randomTensor, relErr, seedWeights } from '../../../test/helpers/index.js';

const L = tf.layers;
const N = 6;

function setup(likelihood: 'classification' | 'regression') {
  const out = likelihood === 'classification' ? 3 : 2;
  const m = tf.sequential({ layers: [L.dense({ inputShape: [3], units: 4, activation: 'tanh' }), L.dense({ units: out })] });
  seedWeights(m, likelihood === 'classification' ? 71 : 72, 1);
  const xs = randomTensor([N, 3], 73);
  const ys = likelihood === 'classification' ? tf.tensor1d(randomLabels(N, 3, 74)) : randomTensor([N, 2], 74);
  return { model: m as unknown as ModelLike, data: { xs, ys, batchSize: 4 } };
}

/** H of a fitted curvature as a flat array (diag or full), then disposed. */
function values(lap: Laplace): number[] {
  const v = lap.structure === 'full' ? arr(lap.H) : arr(lap.diagonal());
  lap.dispose();
  return v;
}

async function fitValues(model: ModelLike, data: { xs: tf.Tensor; ys: tf.Tensor }, o: CurvatureOptions): Promise<number[]> {
  return values(await fitLaplace(model, data, o));
}

/** Element-wise mean of MC estimates for seeds 0..seeds-1. */
async function mcMean(model: ModelLike, data: { xs: tf.Tensor; ys: tf.Tensor }, o: CurvatureOptions, seeds: number): Promise<number[]> {
  let sum: number[] | null = null;
  for (let s = 0; s < seeds; s++) {
    const v = await fitValues(model, data, { ...o, curvature: 'mc', seed: s });
    sum = sum ? sum.map((a, i) => a + v[i]) : v;
  }
  return sum!.map((a) => a / seeds);
}

describe('MC-GGN estimates average to the exact GGN', () => {
  const cases: Array<['classification' | 'regression', 'diag' | 'full']> = [
    ['classification', 'diag'],
    ['regression', 'diag'],
    ['classification', 'full'],
  ];
  for (const [likelihood, structure] of cases) {
    it(`${likelihood}, ${structure}: relative error shrinks with more samples and ends below 0.1`, async () => {
      const { model, data } = setup(likelihood);
      const exact = await fitValues(model, data, { likelihood, structure });
      expect(Math.max(...exact.map(Math.abs))).toBeGreaterThan(1e-3);
      // Errors fall like 1/√(total samples): ~2, 50 and 600 samples per example.
      const o: CurvatureOptions = { likelihood, structure };
      const few = relErr(await mcMean(model, data, { ...o, mcSamples: 1 }, 2), exact);
      const some = relErr(await mcMean(model, data, { ...o, mcSamples: 25 }, 2), exact);
      const many = relErr(await mcMean(model, data, { ...o, mcSamples: 50 }, 12), exact);
      expect(some).toBeLessThan(few);
      expect(many).toBeLessThan(some);
      expect(many).toBeLessThan(0.1);
      // A couple of samples give a real estimate, not the exact value in disguise.
      expect(few).toBeGreaterThan(0.05);
      tf.dispose([data.xs, data.ys]);
    });
  }

  for (const likelihood of ['classification', 'regression'] as const) {
    it(`${likelihood}: the same seed gives identical results, another seed different ones`, async () => {
      const { model, data } = setup(likelihood);
      const o: CurvatureOptions = { likelihood, structure: 'kron', curvature: 'mc', mcSamples: 3 };
      const a = await fitValues(model, data, { ...o, seed: 5 });
      const b = await fitValues(model, data, { ...o, seed: 5 });
      const c = await fitValues(model, data, { ...o, seed: 6 });
      expect(a).toEqual(b);
      expect(relErr(c, a)).toBeGreaterThan(1e-3);
      tf.dispose([data.xs, data.ys]);
    });
  }
});

describe('MC seeding', () => {
  it('the default seed (0) is deterministic too (tfjs treats seed 0 as unseeded)', async () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ units: 4, inputShape: [3], kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }) })],
    });
    const xs = tf.randomNormal([20, 3], 0, 1, 'float32', 1);
    const ys = tf.tensor1d(
      Array.from({ length: 20 }, (_, i) => i % 4),
      'int32',
    );
    const a = await fitLaplace(model, { xs, ys, batchSize: 7 }, { likelihood: 'classification', structure: 'diag', curvature: 'mc' });
    const b = await fitLaplace(model, { xs, ys, batchSize: 7 }, { likelihood: 'classification', structure: 'diag', curvature: 'mc' });
    expect(Array.from(a.diag.dataSync())).toEqual(Array.from(b.diag.dataSync()));
    a.dispose();
    b.dispose();
    tf.dispose([xs, ys]);
  });
});
