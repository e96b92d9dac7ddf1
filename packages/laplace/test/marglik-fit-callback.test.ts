import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { InvalidOptionError, type ModelLike } from '@spam/core';
import { createPrior, PriorMismatchError, type Prior } from '@spam/priors';
import { lossWithPrior, marglikCallback } from '@spam/laplace';
import { arr, copyWeights, randn, randomLabels, randomTensor, seedWeights } from '../../../test/helpers/index.js';

const L = tf.layers;
const N = 48;

function mlp(seed: number, hidden = 6): tf.LayersModel {
  const m = tf.sequential({
    layers: [L.dense({ inputShape: [4], units: hidden, activation: 'relu' }), L.dense({ units: 3, activation: 'softmax' })],
  });
  seedWeights(m, seed, 0.6);
  return m;
}
const asModel = (m: tf.LayersModel) => m as unknown as ModelLike;

const xs = randomTensor([N, 4], 1);
const labelList = randomLabels(N, 3, 2);
const labels = tf.tensor1d(labelList);
const oneHot = tf.oneHot(tf.tensor1d(labelList, 'int32'), 3).toFloat();
/** Mean categorical cross-entropy on probabilities (the model ends in softmax). */
const base = (y: tf.Tensor, p: tf.Tensor) => tf.mean(tf.metrics.categoricalCrossentropy(y, p));

/** Mean CE from model.predict plus ½Σ exp(v)θ²/N with δ read from the prior's variables, by hand. */
function handLoss(model: tf.LayersModel, prior: Prior): number {
  const p = (model.predict(xs) as tf.Tensor).arraySync() as number[][];
  const ce = -p.reduce((s, row, i) => s + Math.log(row[labelList[i]]), 0) / N;
  const theta = model.getWeights().map(arr);
  const lv = prior.variables.map(arr)[0]; // layerwise: one log δ per tensor
  const pen = 0.5 * theta.reduce((s, t, k) => s + Math.exp(lv[k]) * t.reduce((a, x) => a + x * x, 0), 0);
  return ce + pen / N;
}

function layerwise(model: tf.LayersModel, logd: number[]): Prior {
  const prior = createPrior(asModel(model), 'layerwise');
  prior.variables[0].assign(tf.tensor1d(logd));
  return prior;
}

describe('lossWithPrior', () => {
  it('model.evaluate gives base loss + ½Σδθ²/N (hand computation)', () => {
    const model = mlp(3);
    const prior = layerwise(model, [Math.log(3), Math.log(0.5), Math.log(8), Math.log(2)]);
    model.compile({ optimizer: 'sgd', loss: lossWithPrior(asModel(model), prior, N, base) });
    const got = (model.evaluate(xs, oneHot, { batchSize: N }) as tf.Scalar).dataSync()[0];
    const want = handLoss(model, prior);
    expect(Math.abs(got - want) / want).toBeLessThan(1e-5);
    // and it is not just the base loss
    const bare = tf.tidy(() => base(oneHot, model.predict(xs) as tf.Tensor).dataSync()[0]);
    expect(got - bare).toBeGreaterThan(1e-3);
    prior.dispose();
  });

  it('one full-batch SGD step with lossWithPrior moves θ by an extra −η·δ·θ/N compared with the base loss', async () => {
    const a = mlp(4);
    const b = mlp(5);
    copyWeights(a, b);
    const theta0 = a.getWeights().map(arr);
    const logd = [Math.log(4), Math.log(1), Math.log(10), Math.log(0.25)];
    const prior = layerwise(a, logd);
    const eta = 0.5;
    a.compile({ optimizer: tf.train.sgd(eta), loss: lossWithPrior(asModel(a), prior, N, base) });
    b.compile({ optimizer: tf.train.sgd(eta), loss: base });
    await a.fit(xs, oneHot, { epochs: 1, batchSize: N, shuffle: false, verbose: 0 });
    await b.fit(xs, oneHot, { epochs: 1, batchSize: N, shuffle: false, verbose: 0 });
    const ta = a.getWeights().map(arr);
    const tb = b.getWeights().map(arr);
    ta.forEach((t, k) =>
      t.forEach((v, j) => expect(Math.abs(v - tb[k][j] - (-eta * Math.exp(logd[k]) * theta0[k][j]) / N)).toBeLessThan(2e-6)),
    );
    prior.dispose();
  });

  it('invalid nData → InvalidOptionError; a prior for another model → PriorMismatchError', () => {
    const model = mlp(6);
    const prior = createPrior(asModel(model), 'scalar');
    for (const n of [0, -5, NaN]) expect(() => lossWithPrior(asModel(model), prior, n, base)).toThrow(InvalidOptionError);
    const other = createPrior(asModel(mlp(7, 5)), 'scalar');
    expect(() => lossWithPrior(asModel(model), other, N, base)).toThrow(PriorMismatchError);
    prior.dispose();
    other.dispose();
  });
});

describe('marglikCallback with model.fit', () => {
  it('F = 2, B = 1, 5 epochs: marglik steps after epochs 3 and 5 only; the loss uses the learned δ', async () => {
    const model = mlp(8);
    const prior = createPrior(asModel(model), 'layerwise', { precision: 0.1 });
    model.compile({ optimizer: tf.train.adam(0.01), loss: lossWithPrior(asModel(model), prior, N, base) });
    const events: Array<{ stage: string; epoch?: number }> = [];
    const cb = marglikCallback(
      asModel(model),
      prior,
      { xs, ys: labels, batchSize: 16 },
      {
        likelihood: 'classification',
        structure: 'kron',
        marglikEvery: 2,
        burnIn: 1,
        steps: 5,
        onProgress: (p) => events.push({ stage: p.stage, epoch: 'epoch' in p ? p.epoch : undefined }),
      },
    );
    const perEpoch: number[][] = [];
    const recorder = { onEpochEnd: async () => void perEpoch.push(arr(prior.variables[0])) };
    await model.fit(xs, oneHot, { epochs: 5, batchSize: 16, verbose: 0, callbacks: [cb, recorder] });
    expect(cb.history.map((h) => h.epoch)).toEqual([3, 5]);
    cb.history.forEach((h) => expect(Number.isFinite(h.logMarglik)).toBe(true));
    expect(events.filter((e) => e.stage === 'marglik')).toEqual([
      { stage: 'marglik', epoch: 3 },
      { stage: 'marglik', epoch: 5 },
    ]);
    expect(events.filter((e) => e.stage === 'hyper')).toHaveLength(10);
    const init = new Array(4).fill(Math.fround(Math.log(0.1)));
    const changed = perEpoch.map((v, i) => JSON.stringify(v) !== JSON.stringify(i === 0 ? init : perEpoch[i - 1]));
    expect(changed).toEqual([false, false, true, false, true]);
    // the compiled loss picked up the new δ
    const got = (model.evaluate(xs, oneHot, { batchSize: N }) as tf.Scalar).dataSync()[0];
    expect(Math.abs(got - handLoss(model, prior)) / got).toBeLessThan(1e-5);
    const before = tf.memory().numTensors;
    cb.dispose();
    expect(cb.tuner.logSigma.isDisposed).toBe(true);
    expect(tf.memory().numTensors).toBeLessThan(before);
    prior.dispose();
  });

  it('invalid F / B / tuner options → InvalidOptionError; a prior for another model → PriorMismatchError; nothing allocated', () => {
    const model = mlp(9);
    const prior = createPrior(asModel(model), 'unitwise');
    const data = { xs, ys: labels };
    const otherModel = mlp(10, 7);
    const before = tf.memory().numTensors;
    const bad = [{ marglikEvery: 0 }, { marglikEvery: 1.5 }, { burnIn: -1 }, { burnIn: 0.5 }, { steps: -2 }, { lr: 0 }];
    for (const o of bad)
      expect(() => marglikCallback(asModel(model), prior, data, { likelihood: 'classification', ...o }), JSON.stringify(o)).toThrow(
        InvalidOptionError,
      );
    const other = createPrior(asModel(otherModel), 'unitwise');
    const afterOther = tf.memory().numTensors;
    expect(() => marglikCallback(asModel(model), other, data, { likelihood: 'classification' })).toThrow(PriorMismatchError);
    expect(tf.memory().numTensors).toBe(afterOther);
    other.dispose();
    expect(tf.memory().numTensors).toBe(before);
    prior.dispose();
  });

  it('onEpochEnd called by hand (F = 1) runs a step; dispose() returns tf.memory().numTensors to its start', async () => {
    const model = mlp(11);
    const prior = createPrior(asModel(model), 'unitwise', { precision: 0.1 });
    const ys = tf.tensor2d(randn(N * 3, 12), [N, 3]);
    const before = tf.memory().numTensors;
    const cb = marglikCallback(
      asModel(model),
      prior,
      { xs, ys, batchSize: 24 },
      { likelihood: 'regression', structure: 'diag', marglikEvery: 1, steps: 4 },
    );
    const sigma0 = cb.tuner.sigma;
    await cb.onEpochEnd(0);
    await cb.onEpochEnd(1);
    expect(cb.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(cb.tuner.sigma).not.toBe(sigma0); // σ is learned for regression
    expect(cb.history[1].logMarglik).toBeGreaterThan(cb.history[0].logMarglik);
    cb.dispose();
    expect(tf.memory().numTensors).toBe(before);
    prior.dispose();
    ys.dispose();
  });
});
