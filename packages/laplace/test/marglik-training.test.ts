import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { InvalidOptionError, type ModelLike } from '@spam/core';
import { createPrior, PriorMismatchError } from '@spam/priors';
import { marglikTraining, type MarglikProgress, type MarglikTrainingOptions } from '@spam/laplace';
import { arr, randn, seedWeights } from '../../../test/helpers/index.js';

const L = tf.layers;

function mlp(inDim: number, hidden: number, out: number, act: 'relu' | 'tanh', softmax: boolean, seed: number): tf.LayersModel {
  const m = tf.sequential({
    layers: [
      L.dense({ inputShape: [inDim], units: hidden, activation: act }),
      L.dense({ units: out, activation: softmax ? 'softmax' : 'linear' }),
    ],
  });
  seedWeights(m, seed, 0.3);
  return m;
}
const asModel = (m: tf.LayersModel) => m as unknown as ModelLike;

/** 200 examples, 10 features, 3 classes from a random linear teacher. */
function classificationData(n: number) {
  const W = randn(30, 21);
  const x = randn(n * 10, 22);
  const labels = Array.from({ length: n }, (_, i) => {
    const s = [0, 1, 2].map((c) => x.slice(i * 10, i * 10 + 10).reduce((a, v, k) => a + v * W[k * 3 + c], 0));
    return s.indexOf(Math.max(...s));
  });
  return { xs: tf.tensor2d(x, [n, 10]), ys: tf.tensor1d(labels), batchSize: 50 };
}
const cls = classificationData(200);
const small = { xs: cls.xs.slice(0, 60), ys: cls.ys.slice(0, 60), batchSize: 30 };

describe('marglikTraining, classification (200 examples, MLP 10-16-3)', () => {
  it('F = 1, K = 20: log Z on every epoch, 20 hyper steps each, log Z and the loss improve; progress events', async () => {
    const model = mlp(10, 16, 3, 'relu', true, 2);
    const events: Record<string, number> = {};
    const r = await marglikTraining(asModel(model), cls, {
      likelihood: 'classification',
      epochs: 4,
      marglikEvery: 1,
      hyperSteps: 20,
      lr: 0.01,
      prior: 'unitwise',
      onProgress: (p: MarglikProgress) => void (events[p.stage] = (events[p.stage] ?? 0) + 1),
    });
    expect(r.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
    for (const h of r.history) {
      expect(h.logMarglikSteps).toHaveLength(20);
      expect(Number.isFinite(h.logMarglik)).toBe(true);
      expect(h.logMarglik).toBe(h.logMarglikSteps![19]);
      expect(h.logMarglikSteps![19]).toBeGreaterThan(h.logMarglikSteps![0]); // each marglik step improves log Z
      expect(h.sigma).toBeUndefined();
    }
    expect(r.history[3].logMarglik!).toBeGreaterThan(r.history[0].logMarglik! + 10);
    expect(r.history[3].loss).toBeLessThan(r.history[0].loss);
    expect(r.prior.summary().max / r.prior.summary().min).toBeGreaterThan(1.5); // δ is no longer δ₀ = 1 everywhere
    expect(events).toEqual({ batch: 16, epoch: 4, curvature: 16, hyper: 80 }); // 4 batches per epoch and per curvature fit
    expect(r.sigma).toBe(1);
    // the returned Laplace is refitted at the final θ over all N examples
    expect(r.laplace.nData).toBe(200);
    expect(r.laplace.theta.flatMap(arr)).toEqual(model.getWeights().flatMap(arr));
    r.laplace.dispose();
    r.prior.dispose();
  });

  it('F = 2, B = 1, 5 epochs: log Z only after epochs 3 and 5; δ changes only there', async () => {
    const model = mlp(10, 8, 3, 'relu', true, 3);
    const r = await marglikTraining(asModel(model), small, {
      likelihood: 'classification',
      epochs: 5,
      marglikEvery: 2,
      burnIn: 1,
      hyperSteps: 5,
      lr: 0.01,
      prior: 'layerwise',
      priorPrecision: 0.2,
    });
    expect(r.history.map((h) => h.logMarglik !== undefined)).toEqual([false, false, true, false, true]);
    const g = r.history.map((h) => h.precision.geomean);
    expect(g[0]).toBeCloseTo(0.2, 6);
    expect(g[1]).toBe(g[0]);
    expect(Math.abs(g[2] - g[1])).toBeGreaterThan(1e-3);
    expect(g[3]).toBe(g[2]);
    expect(Math.abs(g[4] - g[3])).toBeGreaterThan(1e-3);
    r.laplace.dispose();
    r.prior.dispose();
  });

  it('map: true runs no marglik step and keeps δ = δ₀; a larger δ₀ shrinks the weights more (the penalty is in the loss)', async () => {
    const norms: number[] = [];
    for (const d0 of [1e-3, 30]) {
      const model = mlp(10, 8, 3, 'relu', true, 4);
      let hyper = 0;
      const r = await marglikTraining(asModel(model), small, {
        likelihood: 'classification',
        epochs: 3,
        marglikEvery: 1,
        map: true,
        prior: 'unitwise',
        priorPrecision: d0,
        lr: 0.05,
        onProgress: (p) => void (p.stage === 'hyper' && hyper++),
      });
      expect(hyper).toBe(0);
      expect(r.history.every((h) => h.logMarglik === undefined && h.logMarglikSteps === undefined)).toBe(true);
      arr(r.prior.precision()).forEach((d) => expect(Math.abs(d - d0)).toBeLessThan(1e-6 * d0));
      norms.push(Math.hypot(...model.getWeights().flatMap(arr)));
      r.laplace.dispose();
      r.prior.dispose();
    }
    expect(norms[1]).toBeLessThan(0.8 * norms[0]);
  });
});

describe('marglikTraining, regression', () => {
  it('y = f(x) + N(0, 0.3²): σ moves from 1 toward 0.3; the final Laplace uses the learned σ', async () => {
    const n = 200;
    const x = randn(n * 2, 11);
    const e = randn(n, 12);
    const y = Array.from({ length: n }, (_, i) => Math.sin(x[2 * i]) + 0.5 * x[2 * i + 1] + 0.3 * e[i]);
    const model = mlp(2, 16, 1, 'tanh', false, 1);
    const data = { xs: tf.tensor2d(x, [n, 2]), ys: tf.tensor2d(y, [n, 1]), batchSize: 50 };
    const r = await marglikTraining(asModel(model), data, {
      likelihood: 'regression',
      epochs: 12,
      marglikEvery: 3,
      hyperSteps: 50,
      lr: 0.05,
      prior: 'layerwise',
      sigma: 1,
    });
    const sig = r.history.map((h) => h.sigma!);
    expect(sig.slice(0, 2)).toEqual([1, 1]); // no marglik step yet
    const stepSigmas = [sig[2], sig[5], sig[8], sig[11]];
    for (let k = 1; k < 4; k++) expect(stepSigmas[k]).toBeLessThan(stepSigmas[k - 1] + 1e-3);
    expect(Math.abs(r.sigma - 0.3)).toBeLessThan(0.07);
    expect(r.sigma).toBe(sig[11]);
    expect(r.laplace.sigma).toBeCloseTo(r.sigma, 10);
    expect(r.laplace.likelihood).toBe('regression');
    const lz = r.history.filter((h) => h.logMarglik !== undefined).map((h) => h.logMarglik!);
    expect(lz[3]).toBeGreaterThan(lz[0]);
    r.laplace.dispose();
    r.prior.dispose();
    tf.dispose([data.xs, data.ys]);
  });
});

describe('marglikTraining errors and memory', () => {
  const base: MarglikTrainingOptions = { likelihood: 'classification', epochs: 1, hyperSteps: 1 };
  const bad: Array<[string, Partial<MarglikTrainingOptions>]> = [
    ['epochs 0', { epochs: 0 }],
    ['epochs 1.5', { epochs: 1.5 }],
    ['F 0', { marglikEvery: 0 }],
    ['F −1', { marglikEvery: -1 }],
    ['F 2.5', { marglikEvery: 2.5 }],
    ['K −1', { hyperSteps: -1 }],
    ['K 0.5', { hyperSteps: 0.5 }],
    ['B −1', { burnIn: -1 }],
    ['B NaN', { burnIn: NaN }],
    ['likelihood', { likelihood: 'poisson' as 'regression' }],
    ['prior structure', { prior: 'kron' as 'scalar' }],
    ['priorPrecision 0', { priorPrecision: 0 }],
    ['hyperLr −1', { hyperLr: -1 }],
    ['sigma 0', { likelihood: 'regression', sigma: 0 }],
  ];
  const model = mlp(10, 4, 3, 'relu', true, 5);
  for (const [what, o] of bad) {
    it(`${what} → InvalidOptionError; no tensors leak`, async () => {
      const before = tf.memory().numTensors;
      await expect(marglikTraining(asModel(model), small, { ...base, ...o })).rejects.toThrow(InvalidOptionError);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it("a prior built for another model → PriorMismatchError; the caller's prior is not disposed", async () => {
    const other = mlp(10, 5, 3, 'relu', true, 6);
    const prior = createPrior(asModel(other), 'unitwise');
    const before = tf.memory().numTensors;
    await expect(marglikTraining(asModel(model), small, { ...base, prior })).rejects.toThrow(PriorMismatchError);
    expect(tf.memory().numTensors).toBe(before);
    expect(prior.variables.every((v) => !v.isDisposed)).toBe(true);
    prior.dispose();
  });

  for (const likelihood of ['classification', 'regression'] as const) {
    it(`${likelihood}: after disposing the Laplace and the prior, tf.memory().numTensors is back to its start`, async () => {
      const m = mlp(10, 4, likelihood === 'classification' ? 3 : 2, 'tanh', likelihood === 'classification', 7);
      const ys = likelihood === 'classification' ? small.ys : tf.tensor2d(randn(120, 31), [60, 2]);
      const before = tf.memory().numTensors;
      for (const hessian of ['diag', 'kron', 'full'] as const) {
        const r = await marglikTraining(
          asModel(m),
          { ...small, ys },
          { likelihood, hessian, epochs: 2, marglikEvery: 1, hyperSteps: 3, prior: 'unitwise' },
        );
        r.laplace.dispose();
        r.prior.dispose();
        expect(tf.memory().numTensors, hessian).toBe(before);
      }
      // with a caller-owned prior: only its variables remain
      const prior = createPrior(asModel(m), 'parameterwise');
      const withPrior = tf.memory().numTensors;
      const r = await marglikTraining(asModel(m), { ...small, ys }, { likelihood, epochs: 1, marglikEvery: 1, hyperSteps: 2, prior });
      expect(r.prior).toBe(prior);
      r.laplace.dispose();
      expect(tf.memory().numTensors).toBe(withPrior);
      prior.dispose();
      if (likelihood === 'regression') ys.dispose();
    });
  }
});
