import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { InvalidOptionError, NonFiniteError, type ModelLike } from '@spam/core';
import { createPrior, type Prior, type PriorStructure } from '@spam/priors';
import { fitLaplace, logMarginalLikelihood, MarglikTuner, type Laplace } from '@spam/laplace';
import { arr, randomLabels, randomTensor, seedWeights } from '../../../test/helpers/index.js';

const L = tf.layers;
const N = 40;

function mlp(out: number, softmax: boolean, seed: number): tf.LayersModel {
  const m = tf.sequential({
    layers: [
      L.dense({ inputShape: [4], units: 6, activation: 'tanh' }),
      L.dense({ units: out, activation: softmax ? 'softmax' : 'linear' }),
    ],
  });
  seedWeights(m, seed, 0.7);
  return m;
}

const cls = mlp(3, true, 1);
const reg = mlp(1, false, 2);
const xs = randomTensor([N, 4], 3);
const labels = tf.tensor1d(randomLabels(N, 3, 4));
const targets = randomTensor([N, 1], 5, 0.5);
const asModel = (m: tf.LayersModel) => m as unknown as ModelLike;
let clsLap: Laplace;
let regLap: Laplace;

beforeAll(async () => {
  // fit θ a little so the Laplace is at a sensible point
  cls.compile({ optimizer: tf.train.adam(0.05), loss: 'sparseCategoricalCrossentropy' });
  await cls.fit(xs, labels, { epochs: 20, batchSize: N, verbose: 0 });
  clsLap = await fitLaplace(asModel(cls), { xs, ys: labels }, { likelihood: 'classification', structure: 'kron' });
  regLap = await fitLaplace(asModel(reg), { xs, ys: targets }, { likelihood: 'regression', structure: 'diag' });
});
afterAll(() => {
  clsLap.dispose();
  regLap.dispose();
});

const values = (p: Prior) => p.variables.map((v) => arr(v));
const logZ = (lap: Laplace, p: Prior, logSigma?: tf.Tensor) => tf.tidy(() => logMarginalLikelihood(lap, p, { logSigma }).dataSync()[0]);

describe('MarglikTuner.hyperSteps', () => {
  for (const ps of ['scalar', 'layerwise', 'unitwise', 'parameterwise'] as PriorStructure[]) {
    it(`${ps}: K steps from δ₀ = 0.05 increase log Z (history[0] < history[K−1] ≤ log Z after the last step)`, () => {
      const prior = createPrior(asModel(cls), ps, { precision: 0.05 });
      const tuner = new MarglikTuner(prior, 'classification', { steps: 25 });
      const start = logZ(clsLap, prior);
      const hist = tuner.hyperSteps(clsLap);
      expect(hist.length).toBe(25);
      expect(Math.abs(hist[0] - start)).toBeLessThan(1e-3 * Math.abs(start)); // history[k] is log Z before update k
      expect(hist[24]).toBeGreaterThan(hist[0] + 5);
      for (let k = 1; k < 25; k++) expect(hist[k], `step ${k}`).toBeGreaterThan(hist[k - 1] - 1e-3); // far from the optimum: monotone
      expect(logZ(clsLap, prior)).toBeGreaterThanOrEqual(hist[24] - 1e-3);
      expect(hist.every(Number.isFinite)).toBe(true);
      tuner.dispose();
      prior.dispose();
    });
  }

  it('regression: log σ is learned (σ moves, log Z increases); learnSigma: false keeps σ', () => {
    const prior = createPrior(asModel(reg), 'layerwise');
    const tuner = new MarglikTuner(prior, 'regression', { steps: 30, sigma: 1 });
    const hist = tuner.hyperSteps(regLap);
    expect(tuner.sigma).not.toBeCloseTo(1, 2);
    expect(hist[29]).toBeGreaterThan(hist[0]);
    expect(logZ(regLap, prior, tuner.logSigma)).toBeGreaterThan(hist[0]);
    const fixedPrior = createPrior(asModel(reg), 'layerwise');
    const fixed = new MarglikTuner(fixedPrior, 'regression', { steps: 5, sigma: 0.7, learnSigma: false });
    fixed.hyperSteps(regLap);
    expect(fixed.sigma).toBeCloseTo(0.7, 6);
    expect(fixedPrior.summary().geomean).not.toBeCloseTo(1, 3); // the prior still moved
    [tuner, fixed].forEach((t) => t.dispose());
    [prior, fixedPrior].forEach((p) => p.dispose());
  });

  it('Adam state persists: 5 + 5 steps on one tuner = 10 steps on a fresh one; a fresh tuner for the second 5 differs', () => {
    const run = (calls: number[], fresh = false) => {
      const prior = createPrior(asModel(reg), 'unitwise');
      let tuner = new MarglikTuner(prior, 'regression', { lr: 0.1 });
      const hist: number[] = [];
      calls.forEach((k, i) => {
        if (fresh && i > 0) {
          // keep the prior and σ, restart Adam
          const s = tuner.sigma;
          tuner.dispose();
          tuner = new MarglikTuner(prior, 'regression', { lr: 0.1, sigma: s });
        }
        hist.push(...tuner.hyperSteps(regLap, k));
      });
      const out = { hist, vars: values(prior), sigma: tuner.sigma };
      tuner.dispose();
      prior.dispose();
      return out;
    };
    const split = run([5, 5]);
    const whole = run([10]);
    const restarted = run([5, 5], true);
    expect(split.hist).toEqual(whole.hist);
    expect(split.vars).toEqual(whole.vars);
    expect(split.sigma).toBe(whole.sigma);
    // restarting Adam (bias correction, moments) gives a different trajectory
    const diff = Math.max(...split.vars.flat().map((v, i) => Math.abs(v - restarted.vars.flat()[i])));
    expect(diff).toBeGreaterThan(1e-3);
  });

  it('NaN during the steps → NonFiniteError; the variables keep the last values whose log Z was finite', () => {
    const prior = createPrior(asModel(cls), 'layerwise');
    const tuner = new MarglikTuner(prior, 'classification', { steps: 6 });
    let atStep2: number[][] = [];
    const seen: number[] = [];
    const poison = (step: number) => (p: { step: number }) => {
      seen.push(p.step);
      if (p.step === step - 1) atStep2 = values(prior); // log Z is evaluated at these values in the next step
      if (p.step === step) prior.variables[0].assign(tf.fill(prior.variables[0].shape, NaN)); // divergence
    };
    expect(() => tuner.hyperSteps(clsLap, 6, poison(3))).toThrow(NonFiniteError);
    expect(seen).toEqual([1, 2, 3]);
    expect(values(prior).flat().every(Number.isFinite)).toBe(true);
    expect(values(prior)).toEqual(atStep2);
    expect(Number.isFinite(logZ(clsLap, prior))).toBe(true);
    // NaN after the very last update: the final check catches it too
    seen.length = 0;
    expect(() => tuner.hyperSteps(clsLap, 4, poison(4))).toThrow(NonFiniteError);
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(values(prior)).toEqual(atStep2);
    tuner.dispose();
    prior.dispose();
  });

  it('an overflowing prior (log δ = 1e4, δ = Inf) → NonFiniteError, not NaN variables', () => {
    const prior = createPrior(asModel(cls), 'scalar');
    prior.variables[0].assign(tf.tensor1d([1e4]));
    const tuner = new MarglikTuner(prior, 'classification', { steps: 3 });
    expect(() => tuner.hyperSteps(clsLap)).toThrow(NonFiniteError);
    expect(arr(prior.variables[0])).toEqual([1e4]);
    tuner.dispose();
    prior.dispose();
  });

  it('step(): a model with NaN weights → NonFiniteError from the curvature fit; the prior is untouched, no tensors leak', async () => {
    const bad = mlp(3, true, 9);
    const w = bad.getWeights();
    bad.setWeights([tf.fill(w[0].shape, NaN), ...w.slice(1)]);
    const prior = createPrior(asModel(bad), 'unitwise');
    const tuner = new MarglikTuner(prior, 'classification', { steps: 2 });
    const before = tf.memory().numTensors;
    const v0 = values(prior);
    await expect(tuner.step(asModel(bad), { xs, ys: labels }, { likelihood: 'classification', structure: 'diag' })).rejects.toThrow(
      NonFiniteError,
    );
    expect(values(prior)).toEqual(v0);
    expect(tf.memory().numTensors).toBe(before);
    tuner.dispose();
    prior.dispose();
  });
});

describe('MarglikTuner options and memory', () => {
  const prior = createPrior(asModel(cls), 'scalar');
  afterAll(() => prior.dispose());
  const bad: Array<[string, object]> = [
    ['lr 0', { lr: 0 }],
    ['lr −0.1', { lr: -0.1 }],
    ['lr NaN', { lr: NaN }],
    ['lr Infinity', { lr: Infinity }],
    ['steps −1', { steps: -1 }],
    ['steps 2.5', { steps: 2.5 }],
    ['steps NaN', { steps: NaN }],
    ['sigma 0', { sigma: 0 }],
    ['sigma −1', { sigma: -1 }],
    ['sigma NaN', { sigma: NaN }],
    ['sigma Infinity', { sigma: Infinity }],
  ];
  for (const [what, o] of bad) {
    it(`${what} → InvalidOptionError, nothing allocated`, () => {
      const before = tf.memory().numTensors;
      expect(() => new MarglikTuner(prior, 'regression', o)).toThrow(InvalidOptionError);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('steps: 0 is allowed and returns an empty history without changing the prior', () => {
    const tuner = new MarglikTuner(prior, 'classification', { steps: 0 });
    const v0 = values(prior);
    expect(tuner.hyperSteps(clsLap)).toEqual([]);
    expect(values(prior)).toEqual(v0);
    tuner.dispose();
  });

  for (const lik of ['classification', 'regression'] as const) {
    it(`${lik}: hyperSteps and step() leave only Adam's slots; dispose() frees them and log σ`, async () => {
      const model = lik === 'classification' ? cls : reg;
      const lap = lik === 'classification' ? clsLap : regLap;
      const p = createPrior(asModel(model), 'unitwise');
      const before = tf.memory().numTensors;
      const tuner = new MarglikTuner(p, lik, { steps: 3 });
      tuner.hyperSteps(lap);
      const afterFirst = tf.memory().numTensors;
      tuner.hyperSteps(lap);
      expect(tf.memory().numTensors).toBe(afterFirst);
      const r = await tuner.step(
        asModel(model),
        { xs, ys: lik === 'classification' ? labels : targets, batchSize: 16 },
        { likelihood: lik, structure: 'kron' },
      );
      expect(r.logMarglik.length).toBe(3);
      r.laplace.dispose();
      expect(tf.memory().numTensors).toBe(afterFirst);
      tuner.dispose();
      expect(tuner.logSigma.isDisposed).toBe(true);
      expect(tf.memory().numTensors).toBe(before);
      p.dispose();
    });
  }
});
