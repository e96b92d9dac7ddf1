/**
 * Fuzz @spam/laplace: fitLaplace over every data form and curvature option, log Z with extreme
 * precisions / σ / unknown methods, the tuner, marglikTraining's every numeric option, the
 * model.fit helpers and the dense eigensolvers — success with finite results or a SpamError, and
 * no tensor left behind.
 */
import { describe, expect } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import {
  checkPriorFits,
  eigh,
  eigvalsh,
  fitLaplace,
  logMarginalLikelihood,
  logMarginalLikelihoodTerms,
  lossWithPrior,
  marglikCallback,
  marglikTraining,
  MarglikTuner,
  resolveCurvatureOptions,
  type Laplace,
  type MarglikTrainingResult,
} from '@spam/laplace';
import { createPrior, type PriorStructure } from '@spam/priors';
import type { DataSource } from '@spam/core';
import { assertFiniteDeep, expectSafe, fuzz, SEED, show } from './harness.js';
import {
  badCount,
  badCount0,
  badLiteral,
  badScale,
  badSeed,
  dataAndOptions,
  goodPair,
  goodScale,
  goodSeed,
  optionOf,
  optionsArb,
} from './arbitraries.js';
import { buildData, buildPair, weightKeeper } from './build.js';
import { zoo, zooName, ZOO_META, type ZooName } from './models.js';

const kronPriorArb = () => optionOf(fc.constantFrom('projected', 'exact'), badLiteral());
const priorArb = () => fc.constantFrom<PriorStructure>('scalar', 'layerwise', 'unitwise', 'parameterwise');
/** Precisions: sane, and extreme ones (not representable in float32 after exp) that must be refused. */
const precisionArb = () =>
  fc.oneof({ arbitrary: goodScale(), weight: 3 }, { arbitrary: fc.constantFrom(1e-300, 1e-45, 1e-38, 1e38, 1e39, 1e300), weight: 1 });

/** A fitted Laplace's numbers are finite and its curvature diagonal is ≥ 0. */
function checkLaplace(lap: Laplace): void {
  assertFiniteDeep({ loss: lap.loss, logLikelihood: lap.logLikelihood, nData: lap.nData, hFactor: lap.hFactor }, 'laplace');
  expect(lap.nData, 'laplace.nData').toBeGreaterThan(0);
  tf.tidy(() => {
    const d = lap.diagonal().dataSync();
    const bad = d.findIndex((x) => !(Number.isFinite(x) && x >= -1e-6));
    if (bad >= 0) throw new Error(`laplace.diagonal()[${bad}] = ${d[bad]}`);
  });
}

/** A Laplace on good data for the log Z / tuner properties. */
async function goodLaplace(name: ZooName, structure: 'diag' | 'kron' | 'full'): Promise<{ lap: Laplace; model: tf.LayersModel }> {
  const z = zoo(name);
  const data = buildPair(goodPair(z.row, z.likelihood), z.outDim);
  try {
    return { lap: await fitLaplace(z.model, data.value, { likelihood: z.likelihood, structure }), model: z.model };
  } finally {
    data.dispose();
  }
}

describe(`fuzz @spam/laplace (seed ${SEED})`, () => {
  fuzz(
    'fitLaplace: every data form × curvature options',
    zooName().chain((name) =>
      fc.tuple(
        fc.constant(name),
        dataAndOptions(ZOO_META[name].row, ZOO_META[name].likelihood, {
          likelihood: { good: fc.constant(ZOO_META[name].likelihood), bad: badLiteral(), required: true },
          structure: { good: fc.constantFrom('diag', 'kron', 'full'), bad: badLiteral() },
          curvature: { good: fc.constantFrom('ggn', 'mc', 'ef'), bad: badLiteral() },
          sigma: { good: goodScale(), bad: badScale() },
          mcSamples: { good: fc.integer({ min: 1, max: 3 }), bad: badCount() },
          seed: { good: goodSeed(), bad: badSeed() },
          kfac: { good: fc.constantFrom('asdl', 'backpack'), bad: badLiteral() },
        }),
      ),
    ),
    async ([name, { data: spec, options }]) => {
      const z = zoo(name);
      const before = tf.memory().numTensors;
      const data = buildData(spec, z.outDim);
      try {
        await expectSafe(
          `fitLaplace(${name}, ${show(spec)}, ${show(options)})`,
          () => fitLaplace(z.model, data.value as DataSource, options as never),
          {
            onSuccess: checkLaplace,
            release: (l) => l.dispose(),
          },
        );
      } finally {
        data.dispose();
      }
      expect(tf.memory().numTensors, 'tensors left after fitLaplace and disposing the data').toBe(before);
      z.model.dispose();
    },
    { numRuns: 60, budgetMs: 2500 },
  );

  fuzz(
    'resolveCurvatureOptions: junk option objects',
    fc.constantFrom<unknown>(
      undefined,
      null,
      1,
      'kron',
      [],
      {},
      { likelihood: 'classification', structure: 'toString' },
      { likelihood: 'regression', sigma: '2' },
    ),
    async (o) => {
      await expectSafe(`resolveCurvatureOptions(${show(o)})`, () => resolveCurvatureOptions(o as never), {
        onSuccess: (r) => assertFiniteDeep({ sigma: r.sigma, mcSamples: r.mcSamples, seed: r.seed }, 'resolved'),
      });
    },
    { numRuns: 20 },
  );

  fuzz(
    'logMarginalLikelihood(Terms): extreme precisions, σ, unknown methods, foreign priors',
    fc.record(
      {
        name: zooName(),
        structure: fc.constantFrom<'diag' | 'kron' | 'full'>('diag', 'kron', 'full'),
        prior: priorArb(),
        precision: precisionArb(),
        kronPrior: kronPriorArb(),
        logSigma: fc.constantFrom<unknown>(undefined, 0, 1, -50, 50, NaN, Infinity, 1e39, 'shape', 'junk'),
        foreign: fc.boolean(),
      },
      { noNullPrototype: true },
    ),
    async ({ name, structure, prior: ps, precision, kronPrior, logSigma, foreign }) => {
      const start = tf.memory().numTensors;
      const { lap, model } = await goodLaplace(name, structure);
      const other = foreign ? zoo(name === 'cnn-cls' ? 'mlp-cls' : 'cnn-cls') : null;
      try {
        await expectSafe(
          `createPrior + logMarginalLikelihoodTerms(${name} ${structure}, ${ps} δ₀=${precision}, kronPrior ${show(kronPrior)}, log σ ${show(logSigma)}, foreign ${foreign})`,
          () => {
            const prior = createPrior((other ?? { model }).model, ps, { precision });
            const ls =
              logSigma === undefined
                ? undefined
                : logSigma === 'shape'
                  ? tf.zeros([2])
                  : logSigma === 'junk'
                    ? ('σ' as unknown as tf.Tensor)
                    : tf.scalar(logSigma as number);
            try {
              const terms = logMarginalLikelihoodTerms(lap, prior, { kronPrior: kronPrior as 'exact', logSigma: ls });
              const z = tf.tidy(() => logMarginalLikelihood(lap, prior, { kronPrior: kronPrior as 'exact', logSigma: ls }).dataSync()[0]);
              return { terms, z };
            } finally {
              prior.dispose();
              if (ls instanceof tf.Tensor) ls.dispose();
            }
          },
          { countTensors: false },
        );
      } finally {
        lap.dispose();
        model.dispose();
        other?.model.dispose();
      }
      expect(tf.memory().numTensors, 'tensors left after the calls and disposing the Laplace').toBe(start);
    },
    { numRuns: 50 },
  );

  fuzz(
    'MarglikTuner: options, hyperSteps(steps), extreme precisions',
    fc
      .tuple(
        zooName(),
        priorArb(),
        precisionArb(),
        optionsArb({
          hyperLr: { good: fc.constantFrom(0.01, 0.1, 1), bad: badScale() },
          hyperSteps: { good: fc.integer({ min: 0, max: 3 }), bad: badCount0() },
          runSteps: { good: fc.integer({ min: 0, max: 3 }), bad: badCount0() },
          kronPrior: { good: fc.constantFrom('projected', 'exact'), bad: badLiteral() },
          sigma: { good: goodScale(), bad: badScale() },
          learnSigma: { good: fc.boolean(), bad: fc.constantFrom<unknown>('no', 0, null) },
        }),
      )
      .map(([name, prior, precision, o]) => ({ name, prior, precision, o })),
    async ({ name, prior: ps, precision, o: { hyperLr, hyperSteps, runSteps, kronPrior, sigma, learnSigma } }) => {
      const start = tf.memory().numTensors;
      const { lap, model } = await goodLaplace(name, 'kron');
      try {
        await expectSafe(
          `MarglikTuner(${ps} δ₀=${precision}, ${show({ hyperLr, hyperSteps, kronPrior, sigma, learnSigma })}).hyperSteps(lap, ${show(runSteps)})`,
          () => {
            const prior = createPrior(model, ps, { precision });
            let tuner: MarglikTuner | null = null;
            try {
              tuner = new MarglikTuner(prior, ZOO_META[name].likelihood, { hyperLr, hyperSteps, kronPrior, sigma, learnSigma } as never);
              const history = tuner.hyperSteps(lap, runSteps as number);
              return { history, sigma: tuner.sigma, precision: prior.summary() };
            } finally {
              tuner?.dispose();
              prior.dispose();
            }
          },
          { countTensors: false },
        );
      } finally {
        lap.dispose();
        model.dispose();
      }
      expect(tf.memory().numTensors, 'tensors left after the tuner and disposing the Laplace').toBe(start);
    },
    { numRuns: 40 },
  );

  fuzz(
    'marglikTraining: every numeric option, literal and data form',
    zooName().chain((name) =>
      fc.tuple(
        fc.constant(name),
        dataAndOptions(ZOO_META[name].row, ZOO_META[name].likelihood, {
          likelihood: { good: fc.constant(ZOO_META[name].likelihood), bad: badLiteral(), required: true },
          epochs: { good: fc.integer({ min: 1, max: 2 }), bad: badCount(), required: true },
          marglikEvery: { good: fc.constant(1), bad: badCount() },
          hyperSteps: { good: fc.integer({ min: 0, max: 2 }), bad: badCount0() },
          burnIn: { good: fc.integer({ min: 0, max: 1 }), bad: badCount0() },
          hyperLr: { good: fc.constantFrom(0.05, 0.1), bad: badScale() },
          lr: { good: fc.constantFrom(0.001, 0.01), bad: badScale() },
          sigma: { good: goodScale(), bad: badScale() },
          priorPrecision: { good: goodScale(), bad: badScale() },
          prior: { good: priorArb(), bad: badLiteral() },
          structure: { good: fc.constantFrom('diag', 'kron', 'full'), bad: badLiteral() },
          curvature: { good: fc.constantFrom('ggn', 'mc', 'ef'), bad: badLiteral() },
          kronPrior: { good: fc.constantFrom('projected', 'exact'), bad: badLiteral() },
          mcSamples: { good: fc.integer({ min: 1, max: 2 }), bad: badCount() },
          seed: { good: goodSeed(), bad: badSeed() },
          nData: { good: fc.constantFrom(6, 100), bad: badScale() },
          learnSigma: { good: fc.boolean(), bad: fc.constantFrom<unknown>('no', 0, null) },
          map: { good: fc.boolean(), bad: fc.constantFrom<unknown>('yes', 1, null) },
        }),
      ),
    ),
    async ([name, { data: spec, options }]) => {
      const z = zoo(name);
      const keep = weightKeeper(z.model);
      const before = tf.memory().numTensors;
      const data = buildData(spec, z.outDim);
      const o = { ...options, marglikEvery: options.marglikEvery ?? 1, hyperSteps: options.hyperSteps ?? 2 };
      try {
        await expectSafe(
          `marglikTraining(${name}, ${show(spec)}, ${show(o)})`,
          () => marglikTraining(z.model, data.value as DataSource, o as never),
          {
            onSuccess: (r: MarglikTrainingResult) => {
              assertFiniteDeep(r.history, 'history');
              assertFiniteDeep(r.sigma, 'sigma');
              checkLaplace(r.laplace);
            },
            release: (r) => {
              r.laplace.dispose();
              r.prior.dispose();
            },
          },
        );
      } finally {
        data.dispose();
      }
      expect(tf.memory().numTensors, 'tensors left after marglikTraining and disposing the data').toBe(before);
      keep.restore();
      keep.dispose();
      z.model.dispose();
    },
    { numRuns: 40, budgetMs: 3000 },
  );

  fuzz(
    'lossWithPrior and marglikCallback: nData, F, B, foreign priors, epochs',
    fc.record(
      {
        name: zooName(),
        foreign: fc.boolean(),
        nData: fc.oneof(fc.constantFrom(1, 6, 100), badScale()),
        base: fc.constantFrom<unknown>('mse', null, 'junk'),
        marglikEvery: optionOf(fc.constant(1), badCount()),
        burnIn: optionOf(fc.constant(0), badCount0()),
        steps: optionOf(fc.integer({ min: 0, max: 2 }), badCount0()),
        epoch: fc.constantFrom<unknown>(0, 1, -1, 0.5, NaN, undefined, 'x'),
      },
      { noNullPrototype: true },
    ),
    async ({ name, foreign, nData, base, marglikEvery, burnIn, steps, epoch }) => {
      const z = zoo(name);
      const other = foreign ? zoo(name === 'cnn-cls' ? 'mlp-cls' : 'cnn-cls') : z;
      const prior = createPrior(other.model, 'layerwise');
      const data = buildPair(goodPair(z.row, z.likelihood), z.outDim);
      const baseFn = base === 'mse' ? (y: tf.Tensor, f: tf.Tensor) => tf.losses.meanSquaredError(y, f) : base;
      try {
        await expectSafe(`lossWithPrior(${name}, foreign ${foreign}, nData ${show(nData)}, base ${show(base)})(y, f)`, () => {
          const loss = lossWithPrior(z.model, prior, nData as number, baseFn as never);
          const v = tf.tidy(() => loss(tf.zeros([2, z.outDim]), tf.ones([2, z.outDim])).dataSync()[0]);
          return v;
        });
        await expectSafe(
          `marglikCallback(${name}, foreign ${foreign}, ${show({ marglikEvery, burnIn, steps })}).onEpochEnd(${show(epoch)})`,
          async () => {
            const cb = marglikCallback(z.model, prior, data.value, { likelihood: z.likelihood, marglikEvery, burnIn, steps } as never);
            try {
              await cb.onEpochEnd(epoch as number);
              return cb.history;
            } finally {
              cb.dispose();
            }
          },
        );
        await expectSafe(`checkPriorFits(${name} laplace params, prior of ${foreign ? 'another model' : 'the model'})`, async () => {
          const lap = await fitLaplace(z.model, data.value, { likelihood: z.likelihood, structure: 'diag' });
          try {
            return checkPriorFits(lap, prior);
          } finally {
            lap.dispose();
          }
        });
      } finally {
        prior.dispose();
        data.dispose();
        z.model.dispose();
        if (other !== z) other.model.dispose();
      }
    },
    { numRuns: 40 },
  );

  fuzz(
    'eigh / eigvalsh: wrong sizes, NaN/Inf entries, junk options',
    fc.record(
      {
        n: fc.oneof(fc.integer({ min: 0, max: 4 }), badCount0()),
        size: fc.integer({ min: 0, max: 17 }),
        fill: fc.constantFrom('normal', 'nan', 'inf', 'huge', 'zeros'),
        options: fc.constantFrom<unknown>(undefined, {}, { clampNegative: true }, null, 'x'),
      },
      { noNullPrototype: true },
    ),
    async ({ n, size, fill, options }) => {
      const a = Array.from({ length: size }, (_, i) =>
        fill === 'nan' && i === 0
          ? NaN
          : fill === 'inf' && i === 0
            ? Infinity
            : fill === 'huge'
              ? 1e300 * (i + 1)
              : fill === 'zeros'
                ? 0
                : Math.sin(i + 1),
      );
      await expectSafe(`eigh(${show(a)}, ${show(n)}, ${show(options)})`, () => eigh(a, n as number, options as never));
      await expectSafe(`eigvalsh(${show(a)}, ${show(n)}, ${show(options)})`, () => eigvalsh(a, n as number, options as never));
    },
    { numRuns: 60 },
  );
});
