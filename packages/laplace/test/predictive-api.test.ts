import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { DisposedError, InvalidDataError, InvalidOptionError, ShapeMismatchError, type ModelLike } from '@spam/core';
import { scalarPrior, PriorMismatchError } from '@spam/priors';
import {
  fitLaplace,
  glmPredictiveDistribution,
  predictive,
  type ClassificationPredictive,
  type PredictiveProgress,
  type RegressionPredictive,
} from '@spam/laplace';
import { arr, maxAbsDiff, randomLabels, randomTensor, rejection, seedWeights } from '../../../test/helpers/index.js';

const L = tf.layers;
const asModel = (m: tf.LayersModel) => m as unknown as ModelLike;

function mlp(out: number, softmax: boolean, seed: number, hidden = 6): tf.LayersModel {
  const m = tf.sequential({
    layers: [
      L.dense({ inputShape: [4], units: hidden, activation: 'tanh' }),
      L.dense({ units: out, activation: softmax ? 'softmax' : 'linear' }),
    ],
  });
  seedWeights(m, seed, 0.8);
  return m;
}

const cls = mlp(3, true, 501);
const reg = mlp(2, false, 502);
const xs = randomTensor([12, 4], 503);
const labels = tf.tensor1d(randomLabels(12, 3, 504));
const targets = randomTensor([12, 2], 505);
const xTest = randomTensor([7, 4], 506);

async function expectNoLeak(fn: () => Promise<unknown>): Promise<void> {
  const before = tf.memory().numTensors;
  await fn();
  expect(tf.memory().numTensors).toBe(before);
}

describe('predictive', () => {
  for (const structure of ['diag', 'kron', 'full'] as const) {
    it(`${structure}: probit/bridge/mc give probabilities, batch-size invariant, no leaks; nn is seeded and restores the weights`, async () => {
      const la = await fitLaplace(asModel(cls), { xs, ys: labels }, { likelihood: 'classification', structure });
      const prior = scalarPrior(asModel(cls), { precision: 0.5 });
      const weights = cls.getWeights().map((w) => arr(w));
      if (la.structure === 'kron') la.eigendecomposition(); // its cache lives on the Laplace until la.dispose()
      await expectNoLeak(async () => {
        for (const link of ['probit', 'bridge', 'mc'] as const) {
          const a = (await predictive(la, asModel(cls), xTest, {
            prior,
            link,
            batchSize: 3,
            samples: 50,
            seed: 4,
          })) as ClassificationPredictive;
          const b = (await predictive(la, asModel(cls), xTest, {
            prior,
            link,
            batchSize: 100,
            samples: 50,
            seed: 4,
          })) as ClassificationPredictive;
          expect(a.probs.shape).toEqual([7, 3]);
          const sums = tf.tidy(() => Array.from(tf.sum(a.probs, 1).dataSync()));
          sums.forEach((s) => expect(s).toBeCloseTo(1, 5));
          // MC draws are seeded per batch: equal across batch sizes only for the deterministic links.
          if (link !== 'mc') expect(maxAbsDiff(arr(a.probs), arr(b.probs))).toBeLessThan(1e-6);
          tf.dispose([a.probs, b.probs]);
        }
        const n1 = (await predictive(la, asModel(cls), xTest, { prior, predType: 'nn', samples: 5, seed: 9 })) as ClassificationPredictive;
        const n2 = (await predictive(la, asModel(cls), xTest, { prior, predType: 'nn', samples: 5, seed: 9 })) as ClassificationPredictive;
        const n3 = (await predictive(la, asModel(cls), xTest, { prior, predType: 'nn', samples: 5, seed: 10 })) as ClassificationPredictive;
        expect(arr(n1.probs)).toEqual(arr(n2.probs));
        expect(maxAbsDiff(arr(n1.probs), arr(n3.probs))).toBeGreaterThan(1e-6);
        tf.dispose([n1.probs, n2.probs, n3.probs]);
      });
      cls.getWeights().forEach((w, i) => expect(arr(w)).toEqual(weights[i]));
      prior.dispose();
      la.dispose();
    });
  }

  it('regression: mean = f(x), variance = f_var + σ²·I; nn with many samples approaches the GLM for a near-linear posterior', async () => {
    const la = await fitLaplace(asModel(reg), { xs, ys: targets }, { likelihood: 'regression', structure: 'kron', sigma: 0.3 });
    const prior = scalarPrior(asModel(reg), { precision: 1e4 }); // tight posterior: the network is ~linear over it
    la.eigendecomposition();
    await expectNoLeak(async () => {
      const r = (await predictive(la, asModel(reg), xTest, { prior })) as RegressionPredictive;
      const { fMu, fVar } = await glmPredictiveDistribution(la, asModel(reg), xTest, { prior });
      expect(
        maxAbsDiff(
          arr(r.mean),
          tf.tidy(() => (reg.predict(xTest) as tf.Tensor).dataSync()),
        ),
      ).toBeLessThan(1e-5);
      const want = arr(fVar).map((v, i) => v + (i % 4 === 0 || i % 4 === 3 ? 0.09 : 0));
      expect(maxAbsDiff(arr(r.variance), want)).toBeLessThan(1e-6);
      const nn = (await predictive(la, asModel(reg), xTest, { prior, predType: 'nn', samples: 400, seed: 3 })) as RegressionPredictive;
      expect(maxAbsDiff(arr(nn.mean), arr(r.mean))).toBeLessThan(0.01);
      expect(maxAbsDiff(arr(nn.variance), arr(r.variance))).toBeLessThan(0.01);
      tf.dispose([r.mean, r.variance, fMu, fVar, nn.mean, nn.variance]);
    });
    prior.dispose();
    la.dispose();
  });

  it('a pruned kron layer whose per-example Jacobians exceed the memory budget is done in chunks, same f_var', async () => {
    const wide = tf.sequential({
      layers: [
        L.dense({ inputShape: [4], units: 200, activation: 'tanh' }),
        L.dense({ units: 300, activation: 'tanh' }),
        L.dense({ units: 3 }),
      ],
    });
    seedWeights(wide, 509, 0.3);
    const la = await fitLaplace(asModel(wide), { xs, ys: labels }, { likelihood: 'classification', structure: 'kron' });
    const keep = Uint8Array.from({ length: la.numParams }, (_, i) => (i % 3 === 0 ? 0 : 1));
    const x = randomTensor([100, 4], 510);
    la.eigendecomposition();
    const before = tf.memory().numTensors;
    // 200·300·3 entries per example and cotangent: a batch of 100 is split (≈ 31 examples per chunk), a batch of 10 is not.
    const big = await glmPredictiveDistribution(la, asModel(wide), x, { priorPrecision: 3, mask: keep, batchSize: 100 });
    const small = await glmPredictiveDistribution(la, asModel(wide), x, { priorPrecision: 3, mask: keep, batchSize: 10 });
    expect(maxAbsDiff(arr(big.fVar), arr(small.fVar))).toBeLessThan(1e-5 * Math.max(...arr(small.fVar).map(Math.abs)));
    tf.dispose([big.fMu, big.fVar, small.fMu, small.fVar]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    la.dispose();
    wide.dispose();
  });

  it('reports progress per batch', async () => {
    const la = await fitLaplace(asModel(cls), { xs, ys: labels }, { likelihood: 'classification', structure: 'diag' });
    const seen: PredictiveProgress[] = [];
    const r = (await predictive(la, asModel(cls), xTest, {
      priorPrecision: 1,
      batchSize: 3,
      onProgress: (p) => seen.push(p),
    })) as ClassificationPredictive;
    expect(seen.map((p) => p.examples)).toEqual([3, 6, 7]);
    expect(seen.every((p) => p.total === 7 && p.stage === 'predictive')).toBe(true);
    r.probs.dispose();
    la.dispose();
  });
});

describe('predictive: bad input gives typed errors and leaks nothing', () => {
  it('another model, wrong input shape, NaN inputs, bad options, a prior of another model, a disposed Laplace', async () => {
    const la = await fitLaplace(asModel(cls), { xs, ys: labels }, { likelihood: 'classification', structure: 'kron' });
    const prior = scalarPrior(asModel(cls));
    const other = mlp(3, true, 507, 5);
    const otherPrior = scalarPrior(asModel(other));
    const nan = tf.tensor2d([
      [1, NaN, 0, 0],
      [0, 0, 0, 0],
    ]);
    const wide = randomTensor([3, 5], 1);
    la.eigendecomposition();
    let before = tf.memory().numTensors;
    const step = (what: string) => {
      expect(tf.memory().numTensors, what).toBe(before);
      before = tf.memory().numTensors;
    };
    const call = (o: object, x: tf.Tensor = xTest, model = cls) => rejection(predictive(la, asModel(model), x, { prior, ...o }));
    const e1 = await call({}, xTest, other);
    expect(e1).toBeInstanceOf(ShapeMismatchError);
    expect(e1.message).toMatch(/dense.*kernel.*fitted on another model/);
    step('another model');
    const e2 = await call({}, wide);
    expect(e2).toBeInstanceOf(ShapeMismatchError);
    step('input shape');
    const e3 = await call({ batchSize: 1 }, nan);
    expect(e3).toBeInstanceOf(InvalidDataError);
    expect(e3.message).toMatch(/rows 0–0.*NaN/);
    step('NaN');
    for (const [o, pattern] of [
      [{ link: 'logit' }, /link/],
      [{ predType: 'la' }, /predType/],
      [{ samples: 0 }, /samples/],
      [{ batchSize: 1.5 }, /batchSize/],
      [{ temperature: -1 }, /temperature/],
      [{ priorPrecision: NaN }, /priorPrecision/],
      [{ prior: undefined }, /prior/],
      [{ kronPrior: 'eigen2' }, /kronPrior/],
    ] as const) {
      const e = await call(o);
      expect(e, JSON.stringify(o)).toBeInstanceOf(InvalidOptionError);
      expect(e.message).toMatch(pattern);
      step(JSON.stringify(o));
    }
    expect(await call({ mask: new Uint8Array(la.numParams + 1) })).toBeInstanceOf(ShapeMismatchError);
    const badMask = new Array<number>(la.numParams).fill(1);
    badMask[2] = 2;
    expect((await call({ mask: badMask })).message).toMatch(/mask entry 2 must be 0 or 1/);
    expect(await call({ prior: otherPrior })).toBeInstanceOf(PriorMismatchError);
    expect(tf.memory().numTensors).toBe(before);
    la.dispose();
    expect(await rejection(predictive(la, asModel(cls), xTest, { prior }))).toBeInstanceOf(DisposedError);
    tf.dispose([nan, wide]);
    prior.dispose();
    otherPrior.dispose();
    other.dispose();
  });

  it('kron exact on a block above the dense limit is refused, naming the layer', async () => {
    const big = mlp(3, true, 508, 700); // 4·700 = 2800 > 2048 entries in the first kernel
    const la = await fitLaplace(asModel(big), { xs, ys: labels }, { likelihood: 'classification', structure: 'kron' });
    const keep = new Uint8Array(la.numParams).fill(1);
    keep[0] = 0; // pruned + exact: the conditioned dense block
    const before = tf.memory().numTensors;
    const e = await rejection(glmPredictiveDistribution(la, asModel(big), xTest, { priorPrecision: 1, kronPrior: 'exact', mask: keep }));
    expect(e).toBeInstanceOf(InvalidOptionError);
    expect(e.message).toMatch(/layer 'dense_\w+'.*projected/);
    expect(tf.memory().numTensors).toBe(before);
    la.dispose();
    big.dispose();
  });
});
