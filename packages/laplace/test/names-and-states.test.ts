import { afterAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { DisposedError, InvalidOptionError, NonFiniteError, type ModelLike } from '@spam/core';
import { unitwisePrior, type Prior } from '@spam/priors';
import {
  CURVATURE_STRUCTURE_NAMES,
  fitLaplace,
  logMarginalLikelihood,
  logMarginalLikelihoodTerms,
  marglikTraining,
  MarglikTuner,
} from '@spam/laplace';
import { randomTensor, rejection, seedWeights, thrown } from '../../../test/helpers/index.js';

const L = tf.layers;

function mlp(seed = 1): ModelLike {
  const m = tf.sequential({ layers: [L.dense({ inputShape: [4], units: 5, activation: 'tanh' }), L.dense({ units: 3 })] });
  seedWeights(m, seed);
  return m;
}

const xs = randomTensor([12, 4], 2);
const ys = tf.tensor1d([0, 1, 2, 1, 0, 2, 1, 1, 0, 2, 0, 1], 'int32');
const data = { xs, ys, batchSize: 5 };
const CLS = 'classification' as const;

afterAll(() => tf.dispose([xs, ys]));

/** Sets every log-precision variable of the prior to `value`. */
function setLogPrecision(prior: Prior, value: number): void {
  for (const v of prior.variables) v.assign(tf.fill(v.shape, value));
}

describe('one registry of curvature structures', () => {
  it('the option validation lists exactly the registered structures', async () => {
    expect([...CURVATURE_STRUCTURE_NAMES].sort()).toEqual(['diag', 'full', 'kron']);
    const e = await rejection(fitLaplace(mlp(), data, { likelihood: CLS, structure: 'dense' as never }));
    expect(e).toBeInstanceOf(InvalidOptionError);
    for (const s of CURVATURE_STRUCTURE_NAMES) expect(e.message).toContain(s);
  });

  it('each structure builds its own Laplace class', async () => {
    for (const structure of CURVATURE_STRUCTURE_NAMES) {
      const lap = await fitLaplace(mlp(), data, { likelihood: CLS, structure });
      expect(lap.structure).toBe(structure);
      lap.dispose();
    }
  });
});

describe('one name per idea, with deprecated aliases that give the same result', () => {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  afterAll(() => warn.mockRestore());

  it("kronPrior: 'projected' equals the deprecated method: 'spam'; 'exact' differs for a unit-wise prior", async () => {
    const model = mlp();
    const lap = await fitLaplace(model, data, { likelihood: CLS, structure: 'kron' });
    const prior = unitwisePrior(model, { precision: 0.5 });
    // A non-constant unit-wise δ, so the projection matters.
    prior.variables.forEach((v, i) => v.assign(tf.add(v, tf.mul(0.3, randomTensor(v.shape as number[], 40 + i)))));
    const projected = logMarginalLikelihoodTerms(lap, prior, { kronPrior: 'projected' }).logDetPosterior;
    const viaAlias = logMarginalLikelihoodTerms(lap, prior, { method: 'spam' }).logDetPosterior;
    const exact = logMarginalLikelihoodTerms(lap, prior, { kronPrior: 'exact' }).logDetPosterior;
    expect(viaAlias).toBe(projected);
    expect(Math.abs(exact - projected)).toBeGreaterThan(1e-6);
    expect(warn.mock.calls.some((c) => String(c[0]).includes('kronPrior'))).toBe(true);
    const bad = thrown(() => logMarginalLikelihood(lap, prior, { kronPrior: 'eigenbasis' as never }));
    expect(bad).toBeInstanceOf(InvalidOptionError);
    expect(bad.message).toContain('kronPrior');
    expect(thrown(() => logMarginalLikelihood(lap, prior, { method: 'dense' as never }))).toBeInstanceOf(InvalidOptionError);
    prior.dispose();
    lap.dispose();
  });

  it("marglikTraining's structure is fitLaplace's; hessian is its deprecated alias (same learned δ)", async () => {
    const run = async (opts: { structure?: 'diag'; hessian?: 'diag' }) => {
      const model = mlp(3);
      const r = await marglikTraining(model, data, {
        likelihood: CLS,
        prior: 'layerwise',
        epochs: 1,
        marglikEvery: 1,
        hyperSteps: 3,
        ...opts,
      });
      const delta = r.prior.summary();
      expect(r.laplace.structure).toBe('diag');
      r.laplace.dispose();
      r.prior.dispose();
      return delta;
    };
    expect(await run({ hessian: 'diag' })).toEqual(await run({ structure: 'diag' }));
  });

  it("MarglikTuner's hyperLr/hyperSteps are the deprecated lr/steps", async () => {
    const model = mlp();
    const lap = await fitLaplace(model, data, { likelihood: CLS, structure: 'diag' });
    const a = unitwisePrior(model);
    const b = unitwisePrior(model);
    const ta = new MarglikTuner(a, CLS, { hyperLr: 0.05, hyperSteps: 4 });
    const tb = new MarglikTuner(b, CLS, { lr: 0.05, steps: 4 });
    const ha = ta.hyperSteps(lap);
    expect(ha).toHaveLength(4);
    expect(tb.hyperSteps(lap)).toEqual(ha);
    expect(thrown(() => new MarglikTuner(a, CLS, { hyperLr: -1 }))).toBeInstanceOf(InvalidOptionError);
    [ta, tb, a, b, lap].forEach((o) => o.dispose());
  });
});

describe('the likelihood is given once', () => {
  it('MarglikTuner.step refuses a likelihood other than the tuner’s; without one it uses the tuner’s', async () => {
    const model = mlp();
    const prior = unitwisePrior(model);
    const tuner = new MarglikTuner(prior, CLS, { hyperSteps: 2 });
    const e = await rejection(tuner.step(model, data, { likelihood: 'regression', structure: 'diag' }));
    expect(e).toBeInstanceOf(InvalidOptionError);
    expect(e.message).toMatch(/classification/);
    const { laplace, logMarglik } = await tuner.step(model, data, { structure: 'diag' });
    expect(laplace.likelihood).toBe(CLS);
    expect(logMarglik).toHaveLength(2);
    laplace.dispose();
    tuner.dispose();
    prior.dispose();
  });
});

describe('non-finite log marginal likelihood is an error, not a value', () => {
  it('δ overflowing float32 → NonFiniteError naming the term, nothing leaked', async () => {
    const model = mlp();
    const lap = await fitLaplace(model, data, { likelihood: CLS, structure: 'diag' });
    const prior = unitwisePrior(model);
    setLogPrecision(prior, 200); // δ = e^200 overflows float32
    lap.thetaSquared(); // the Laplace's own cache of θ², made on first use
    const before = tf.memory().numTensors;
    for (const f of [() => logMarginalLikelihood(lap, prior), () => logMarginalLikelihoodTerms(lap, prior)]) {
      const e = thrown(f);
      expect(e).toBeInstanceOf(NonFiniteError);
      expect(e.message).toMatch(/logDetPrior|scatter|logDetPosterior/);
    }
    expect(tf.memory().numTensors).toBe(before);
    prior.dispose();
    lap.dispose();
  });

  it('non-finite at hyper step 1 names the cause instead of blaming the hyper learning rate', async () => {
    const model = mlp();
    const lap = await fitLaplace(model, data, { likelihood: CLS, structure: 'diag' });
    const prior = unitwisePrior(model);
    setLogPrecision(prior, 200); // δ = e^200 overflows float32
    const tuner = new MarglikTuner(prior, CLS, { hyperSteps: 3 });
    const e = thrown(() => tuner.hyperSteps(lap));
    expect(e).toBeInstanceOf(NonFiniteError);
    expect(e.message).toContain('before any update');
    expect(e.message).not.toContain('lower the hyper learning rate');
    tuner.dispose();
    prior.dispose();
    lap.dispose();
  });
});

describe('disposed objects raise DisposedError', () => {
  it('a disposed Laplace, in log Z, its own methods and the tuner', async () => {
    const model = mlp();
    const prior = unitwisePrior(model);
    for (const structure of CURVATURE_STRUCTURE_NAMES) {
      const lap = await fitLaplace(model, data, { likelihood: CLS, structure });
      lap.dispose();
      lap.dispose(); // idempotent
      expect(lap.isDisposed).toBe(true);
      const before = tf.memory().numTensors;
      for (const f of [() => lap.diagonal(), () => logMarginalLikelihood(lap, prior), () => logMarginalLikelihoodTerms(lap, prior)]) {
        const e = thrown(f);
        expect(e, structure).toBeInstanceOf(DisposedError);
        expect(e.message).toContain('Laplace');
      }
      const tuner = new MarglikTuner(prior, CLS);
      expect(thrown(() => tuner.hyperSteps(lap))).toBeInstanceOf(DisposedError);
      tuner.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
    prior.dispose();
  });

  it('a disposed MarglikTuner: isDisposed, idempotent dispose, DisposedError on use', async () => {
    const model = mlp();
    const prior = unitwisePrior(model);
    const lap = await fitLaplace(model, data, { likelihood: CLS, structure: 'diag' });
    const tuner = new MarglikTuner(prior, CLS);
    expect(tuner.isDisposed).toBe(false);
    tuner.dispose();
    tuner.dispose();
    expect(tuner.isDisposed).toBe(true);
    expect(thrown(() => tuner.hyperSteps(lap))).toBeInstanceOf(DisposedError);
    expect(await rejection(tuner.step(model, data, { structure: 'diag' }))).toBeInstanceOf(DisposedError);
    lap.dispose();
    prior.dispose();
  });
});

describe('logSigma is checked', () => {
  it('junk, wrong shape or dtype → InvalidOptionError; disposed → DisposedError; nothing leaks', async () => {
    const model = mlp();
    const lap = await fitLaplace(model, data, { likelihood: CLS, structure: 'diag' });
    const prior = unitwisePrior(model);
    lap.thetaSquared();
    const bad = [tf.zeros([2]), tf.scalar(0, 'int32')];
    const before = tf.memory().numTensors;
    for (const logSigma of ['junk' as never, ...bad]) {
      expect(thrown(() => logMarginalLikelihoodTerms(lap, prior, { logSigma }))).toBeInstanceOf(InvalidOptionError);
    }
    const gone = tf.scalar(0);
    gone.dispose();
    expect(thrown(() => logMarginalLikelihood(lap, prior, { logSigma: gone }))).toBeInstanceOf(DisposedError);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(bad);
    prior.dispose();
    lap.dispose();
  });
});
