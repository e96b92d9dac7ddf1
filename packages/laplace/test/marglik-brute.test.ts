import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { InvalidOptionError, type ModelLike } from '@spam/core';
import { createPrior, PriorMismatchError, type Prior, type PriorStructure } from '@spam/priors';
import { fitLaplace, logMarginalLikelihood, logMarginalLikelihoodTerms, type KronLaplace, type LogMarglikTerms } from '@spam/laplace';
import { arr, kron, randn, randomLabels, randomTensor, seedWeights } from '../../../test/helpers/index.js';

const L = tf.layers;
type Lik = 'classification' | 'regression';

/** log |det M| of a row-major n×n matrix by LU with partial pivoting (float64); NaN if singular. */
function luLogDet(m: ArrayLike<number>, n: number): number {
  const a = Float64Array.from(m);
  let logDet = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i * n + k]) > Math.abs(a[p * n + k])) p = i;
    if (a[p * n + k] === 0) return NaN;
    if (p !== k) for (let j = 0; j < n; j++) [a[k * n + j], a[p * n + j]] = [a[p * n + j], a[k * n + j]];
    const piv = a[k * n + k];
    logDet += Math.log(Math.abs(piv));
    for (let i = k + 1; i < n; i++) {
      const f = a[i * n + k] / piv;
      if (f !== 0) for (let j = k; j < n; j++) a[i * n + j] -= f * a[k * n + j];
    }
  }
  return logDet;
}

/** dense(in→hidden, tanh) → dense(→out [softmax]). */
function mlp(lik: Lik, seed: number, inDim = 3, hidden = 4, out = 3): ModelLike {
  const m = tf.sequential({
    layers: [
      L.dense({ inputShape: [inDim], units: hidden, activation: 'tanh' }),
      L.dense({ units: out, activation: lik === 'classification' ? 'softmax' : 'linear' }),
    ],
  });
  seedWeights(m, seed, 0.8);
  return m;
}

function dataFor(lik: Lik, n: number, inDim: number, out: number, seed: number) {
  const xs = randomTensor([n, inDim], seed);
  const ys = lik === 'classification' ? tf.tensor1d(randomLabels(n, out, seed + 1)) : randomTensor([n, out], seed + 1);
  return { xs, ys };
}

/** Sets every prior variable to seeded N(0, 0.6²) values. */
function randomisePrior(prior: Prior, seed: number): void {
  prior.variables.forEach((v, i) =>
    tf.tidy(() =>
      v.assign(
        tf.tensor(
          randn(v.size, seed + 13 * i).map((x) => 0.6 * x),
          v.shape,
        ),
      ),
    ),
  );
}

/** Summed log-likelihood by hand from model.predict. */
function handLogLik(model: ModelLike, lik: Lik, xs: tf.Tensor, ys: tf.Tensor, sigma: number): number {
  const f = (model.predict(xs) as tf.Tensor).arraySync() as number[][];
  if (lik === 'classification') {
    const y = arr(ys);
    return f.reduce((s, row, i) => s + Math.log(row[y[i]]), 0);
  }
  const y = ys.arraySync() as number[][];
  let sq = 0;
  f.forEach((row, i) => row.forEach((v, k) => (sq += (v - y[i][k]) ** 2)));
  return (-0.5 * sq) / sigma ** 2 - f.length * f[0].length * Math.log(sigma * Math.sqrt(2 * Math.PI));
}

const close = (got: number, want: number, rel = 1e-5, abs = 1e-4) =>
  expect(Math.abs(got - want), `${got} vs ${want}`).toBeLessThan(rel * Math.abs(want) + abs);

describe('full structure: every term of log Z against a hand computation', () => {
  for (const [lik, sigma] of [
    ['classification', 1],
    ['regression', 0.6],
  ] as const) {
    it(`${lik}: LU log det(s·H + diag δ), Σ log δ, Σ δθ², log p(D|θ) and log Z`, async () => {
      const model = mlp(lik, 3);
      const { xs, ys } = dataFor(lik, 10, 3, 3, 20);
      const lap = await fitLaplace(model, { xs, ys, batchSize: 4 }, { likelihood: lik, structure: 'full', sigma });
      const prior = createPrior(model, 'parameterwise');
      randomisePrior(prior, 5);
      const logd = prior.variables.flatMap((v) => arr(v));
      const delta = logd.map(Math.exp);
      const theta = (model as unknown as tf.LayersModel).getWeights().flatMap(arr); // kernel, bias per layer = canonical order
      const P = theta.length;
      expect(P).toBe(4 * 3 + 4 + 4 * 3 + 3);
      const s = 1 / sigma ** 2;
      const h = arr(lap.H);
      const m = h.map((v) => s * v);
      for (let i = 0; i < P; i++) m[i * P + i] += delta[i];
      const want: LogMarglikTerms = {
        logLikelihood: handLogLik(model, lik, xs, ys, sigma),
        scatter: delta.reduce((a, d, i) => a + d * theta[i] ** 2, 0),
        logDetPrior: logd.reduce((a, b) => a + b, 0),
        logDetPosterior: luLogDet(m, P),
        logMarglik: 0,
      };
      want.logMarglik = want.logLikelihood - 0.5 * (want.logDetPosterior - want.logDetPrior + want.scatter);
      const got = logMarginalLikelihoodTerms(lap, prior);
      for (const k of Object.keys(want) as Array<keyof LogMarglikTerms>) close(got[k], want[k]);
      close(logMarginalLikelihood(lap, prior).dataSync()[0], want.logMarglik);
      lap.dispose();
      prior.dispose();
    });
  }
});

describe('diag and kron log det against dense LU', () => {
  it('diag: log det = Σ log(s·h + δ) for a unitwise prior (regression, σ = 0.5)', async () => {
    const model = mlp('regression', 4);
    const { xs, ys } = dataFor('regression', 12, 3, 3, 30);
    const lap = await fitLaplace(model, { xs, ys }, { likelihood: 'regression', structure: 'diag', sigma: 0.5 });
    const prior = createPrior(model, 'unitwise');
    randomisePrior(prior, 6);
    const delta = arr(prior.precision());
    const want = arr(lap.diag).reduce((a, hi, i) => a + Math.log(4 * hi + delta[i]), 0);
    close(logMarginalLikelihoodTerms(lap, prior).logDetPosterior, want);
    lap.dispose();
    prior.dispose();
  });

  /** Dense log det of the block-diagonal KFAC posterior precision [s·A⊗G + diag δ_W ; s·G + diag δ_b] per layer. */
  function denseKronLogDet(lap: KronLaplace, delta: number[], s: number): number {
    let off = 0;
    let total = 0;
    for (const f of lap.factors) {
      const na = f.A.shape[0];
      const ng = f.G.shape[0];
      const kw = kron(arr(f.A), na, arr(f.G), ng).map((v) => s * v);
      for (let i = 0; i < na * ng; i++) kw[i * na * ng + i] += delta[off + i];
      total += luLogDet(kw, na * ng);
      off += na * ng;
      if (f.hasBias) {
        const g = arr(f.G).map((v) => s * v);
        for (let i = 0; i < ng; i++) g[i * ng + i] += delta[off + i];
        total += luLogDet(g, ng);
        off += ng;
      }
    }
    return total;
  }

  for (const [lik, sigma] of [
    ['classification', 1],
    ['regression', 0.7],
  ] as const) {
    for (const ps of ['scalar', 'layerwise'] as const) {
      it(`${lik} kron, ${ps} prior: 'spam' = 'exact' = dense LU of s·A⊗G + δI`, async () => {
        const model = mlp(lik, 8);
        const { xs, ys } = dataFor(lik, 9, 3, 3, 40);
        const lap = await fitLaplace(model, { xs, ys }, { likelihood: lik, structure: 'kron', sigma });
        const prior = createPrior(model, ps);
        randomisePrior(prior, 9);
        const want = denseKronLogDet(lap, arr(prior.precision()), 1 / sigma ** 2);
        const spam = logMarginalLikelihoodTerms(lap, prior, { kronPrior: 'projected' });
        const exact = logMarginalLikelihoodTerms(lap, prior, { kronPrior: 'exact' });
        close(spam.logDetPosterior, want);
        close(exact.logDetPosterior, want);
        close(spam.logMarglik, exact.logMarglik);
        lap.dispose();
        prior.dispose();
      });
    }
  }

  for (const ps of ['unitwise', 'parameterwise'] as const) {
    it(`kron, ${ps} prior: 'exact' = dense LU; 'spam' log det ≥ exact (Hadamard) on random nets, so log Z_spam ≤ log Z_exact`, async () => {
      for (const seed of [1, 2, 3, 4]) {
        const lik: Lik = seed % 2 ? 'classification' : 'regression';
        const sigma = lik === 'regression' ? 0.8 : 1;
        const model = mlp(lik, 50 + seed, 3, 5, 3);
        const { xs, ys } = dataFor(lik, 14, 3, 3, 60 + seed);
        const lap = await fitLaplace(model, { xs, ys }, { likelihood: lik, structure: 'kron', sigma });
        const prior = createPrior(model, ps);
        randomisePrior(prior, 70 + seed);
        const want = denseKronLogDet(lap, arr(prior.precision()), 1 / sigma ** 2);
        const spam = logMarginalLikelihoodTerms(lap, prior, { kronPrior: 'projected' });
        const exact = logMarginalLikelihoodTerms(lap, prior, { kronPrior: 'exact' });
        close(exact.logDetPosterior, want);
        expect(spam.logDetPosterior).toBeGreaterThan(exact.logDetPosterior - 1e-4);
        expect(spam.logMarglik).toBeLessThan(exact.logMarglik + 1e-4);
        expect(spam.logDetPosterior - exact.logDetPosterior, 'a non-constant δ should make the bound strict').toBeGreaterThan(1e-3);
        // every other term is identical
        for (const k of ['logLikelihood', 'scatter', 'logDetPrior'] as const) close(spam[k], exact[k], 1e-6, 1e-6);
        lap.dispose();
        prior.dispose();
      }
    });
  }

  it("kron 'spam' with a unitwise prior that is constant per tensor equals the exact log det (projection keeps constants)", async () => {
    const model = mlp('classification', 81);
    const { xs, ys } = dataFor('classification', 10, 3, 3, 82);
    const lap = await fitLaplace(model, { xs, ys }, { likelihood: 'classification', structure: 'kron' });
    const prior = createPrior(model, 'unitwise', { precision: 0.3 });
    const want = denseKronLogDet(lap, new Array(lap.numParams).fill(0.3), 1);
    close(logMarginalLikelihoodTerms(lap, prior, { kronPrior: 'projected' }).logDetPosterior, want);
    close(logMarginalLikelihoodTerms(lap, prior, { kronPrior: 'exact' }).logDetPosterior, want);
    lap.dispose();
    prior.dispose();
  });
});

describe('errors and memory', () => {
  it('a prior built for another model → PriorMismatchError for every structure', async () => {
    const model = mlp('classification', 91);
    const { xs, ys } = dataFor('classification', 6, 3, 3, 92);
    const other = mlp('classification', 93, 3, 5, 3);
    for (const structure of ['diag', 'kron', 'full'] as const) {
      const lap = await fitLaplace(model, { xs, ys }, { likelihood: 'classification', structure });
      for (const ps of ['scalar', 'unitwise'] as PriorStructure[]) {
        const prior = createPrior(other, ps);
        const before = tf.memory().numTensors;
        expect(() => logMarginalLikelihood(lap, prior)).toThrow(PriorMismatchError);
        expect(() => logMarginalLikelihoodTerms(lap, prior)).toThrow(PriorMismatchError);
        expect(tf.memory().numTensors).toBe(before);
        prior.dispose();
      }
      lap.dispose();
    }
  });

  it("kron 'exact' on a block larger than MAX_EXACT_BLOCK → InvalidOptionError; 'spam' still works", async () => {
    const model = mlp('classification', 95, 50, 50, 2);
    const { xs, ys } = dataFor('classification', 4, 50, 2, 96);
    const lap = await fitLaplace(model, { xs, ys }, { likelihood: 'classification', structure: 'kron' });
    const prior = createPrior(model, 'unitwise');
    expect(() => logMarginalLikelihood(lap, prior, { kronPrior: 'exact' })).toThrow(InvalidOptionError);
    expect(Number.isFinite(logMarginalLikelihoodTerms(lap, prior, { kronPrior: 'projected' }).logMarglik)).toBe(true);
    lap.dispose();
    prior.dispose();
  });

  for (const structure of ['diag', 'kron', 'full'] as const) {
    it(`${structure}: log Z, its terms and its hyper-gradients leave tf.memory().numTensors unchanged (after the eigen cache)`, async () => {
      const model = mlp('regression', 97);
      const { xs, ys } = dataFor('regression', 8, 3, 3, 98);
      const lap = await fitLaplace(model, { xs, ys }, { likelihood: 'regression', structure });
      const prior = createPrior(model, 'unitwise');
      const logSigma = tf.variable(tf.scalar(0));
      for (const kronPrior of ['projected', 'exact'] as const) logMarginalLikelihood(lap, prior, { kronPrior }).dispose(); // warm caches
      const before = tf.memory().numTensors;
      for (const kronPrior of ['projected', 'exact'] as const) {
        logMarginalLikelihood(lap, prior, { kronPrior, logSigma }).dispose();
        logMarginalLikelihoodTerms(lap, prior, { kronPrior });
        const { value, grads } = tf.variableGrads(() => logMarginalLikelihood(lap, prior, { kronPrior, logSigma }) as tf.Scalar, [
          ...prior.variables,
          logSigma,
        ] as tf.Variable[]);
        tf.dispose([value, ...Object.values(grads)]);
      }
      expect(tf.memory().numTensors).toBe(before);
      logSigma.dispose();
      prior.dispose();
      lap.dispose();
    });
  }
});
