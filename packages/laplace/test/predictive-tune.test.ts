import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { InvalidOptionError, type ModelLike } from '@spam/core';
import { scalarPrior } from '@spam/priors';
import { fitLaplace, optimizePriorPrecision, predictive, type ClassificationPredictive } from '@spam/laplace';
import { randomLabels, randomTensor, rejection, seedWeights } from '../../../test/helpers/index.js';

const L = tf.layers;
const asModel = (m: tf.LayersModel) => m as unknown as ModelLike;

function mlp(): tf.LayersModel {
  const m = tf.sequential({
    layers: [L.dense({ inputShape: [4], units: 6, activation: 'tanh' }), L.dense({ units: 3, activation: 'softmax' })],
  });
  seedWeights(m, 601, 1.5);
  return m;
}

describe('optimizePriorPrecision (grid search by validation NLL)', () => {
  const model = mlp();
  const xs = randomTensor([16, 4], 602);
  const ys = tf.tensor1d(randomLabels(16, 3, 603));
  const xVal = randomTensor([10, 4], 604);
  const yVal = tf.tensor1d(randomLabels(10, 3, 605), 'int32');

  it('picks the grid value with the lowest NLL, recomputed independently from predictive', async () => {
    const la = await fitLaplace(asModel(model), { xs, ys }, { likelihood: 'classification', structure: 'kron' });
    la.eigendecomposition();
    const before = tf.memory().numTensors;
    const grid = [0.01, 0.3, 10, 1000];
    const r = await optimizePriorPrecision(la, asModel(model), { xs: xVal, ys: yVal }, { grid });
    expect(tf.memory().numTensors).toBe(before);
    // Independent NLLs from predictive's probabilities.
    const labels = Array.from(yVal.dataSync());
    const nlls: number[] = [];
    for (const d of grid) {
      const { probs } = (await predictive(la, asModel(model), xVal, { priorPrecision: d })) as ClassificationPredictive;
      const p = probs.dataSync();
      nlls.push(-labels.reduce((s, c, i) => s + Math.log(p[i * 3 + c]), 0) / labels.length);
      probs.dispose();
    }
    r.grid.forEach((g, i) => expect(g.nll).toBeCloseTo(nlls[i], 5));
    const best = nlls.indexOf(Math.min(...nlls));
    expect(r.value).toBe(grid[best]);
    expect(new Set(nlls).size).toBe(4); // the prior precision matters here
    la.dispose();
  });

  it('temperature: T = 1 reproduces the prior’s own predictive NLL; bad grids are typed errors', async () => {
    const la = await fitLaplace(asModel(model), { xs, ys }, { likelihood: 'classification', structure: 'diag' });
    const prior = scalarPrior(asModel(model), { precision: 2 });
    const r = await optimizePriorPrecision(la, asModel(model), { xs: xVal, ys: yVal }, { target: 'temperature', prior, grid: [1, 4] });
    const d = await optimizePriorPrecision(la, asModel(model), { xs: xVal, ys: yVal }, { grid: [2] });
    expect(r.grid[0].nll).toBeCloseTo(d.nll, 6);
    expect(r.target).toBe('temperature');
    for (const grid of [[], [0], [-1, 2], [NaN]]) {
      expect(await rejection(optimizePriorPrecision(la, asModel(model), { xs: xVal, ys: yVal }, { grid }))).toBeInstanceOf(
        InvalidOptionError,
      );
    }
    expect(
      await rejection(optimizePriorPrecision(la, asModel(model), { xs: xVal, ys: yVal }, { method: 'marglik' as never })),
    ).toBeInstanceOf(InvalidOptionError);
    prior.dispose();
    la.dispose();
  });
});
