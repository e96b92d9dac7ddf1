/**
 * Fuzz @spam/core: every exported function that takes user input gets random malformed data
 * (shapes, dtypes, NaN/Inf, empty, unbatched datasets, bad labels), options and models, and must
 * either succeed with finite results or throw a SpamError, leaving no tensor behind.
 */
import { describe, expect } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import {
  assertFinite,
  buildModelAdapter,
  checkLikelihood,
  countExamples,
  denseTargets,
  evaluate,
  isSupportedTfjsVersion,
  iterateBatches,
  knownExampleCount,
  logLikelihoodFromLoss,
  lossSum,
  meanNllGradients,
  mulberry32,
  nllGradient,
  outputHessianSqrt,
  permutation,
  sampledOutputHessianSqrt,
  trainEpoch,
  type DataSource,
} from '@spam/core';
import { expectSafe, fuzz, SEED, assertFiniteDeep, isTfjsDataPipelineFailure, show } from './harness.js';
import {
  badCount,
  badLiteral,
  badScale,
  badSeed,
  dataAndOptions,
  dataSpec,
  goodScale,
  inputSpec,
  labelSpec,
  optionOf,
  pairSpec,
  FINITE_FILLS,
  WRONG_TYPES,
} from './arbitraries.js';
import { buildData, buildLabels, buildPair, buildTensor, weightKeeper } from './build.js';
import { badModel, badModelName, NOT_MODELS, zoo, zooName, ZOO_META } from './models.js';

const likelihoodArb = () => optionOf(fc.constantFrom('classification', 'regression'), badLiteral()).filter((v) => v !== undefined);

describe(`fuzz @spam/core (seed ${SEED})`, () => {
  fuzz(
    'buildModelAdapter: refused and junk models raise SpamErrors',
    fc.tuple(
      fc.oneof(badModelName(), fc.constantFrom(...NOT_MODELS.map((_, i) => i))),
      fc.constantFrom<unknown>(undefined, {}, { logits: true }, null, 'x'),
    ),
    async ([which, options]) => {
      const bad = typeof which === 'string' ? badModel(which) : { model: NOT_MODELS[which], dispose: () => undefined };
      try {
        await expectSafe(
          `buildModelAdapter(${show(which)}, ${show(options)})`,
          () => buildModelAdapter(bad.model as tf.LayersModel, options as never),
          {
            onSuccess: (a) => assertFiniteDeep({ numParams: a.numParams, outputDim: a.outputDim }, 'adapter'),
          },
        );
      } finally {
        bad.dispose();
      }
    },
    { numRuns: 30 },
  );

  fuzz(
    'adapter.predict / forward+backward: random input tensors',
    fc.tuple(zooName(), fc.nat(3)).chain(([name, k]) => {
      return fc.tuple(fc.constant(name), fc.constant(k), inputSpec(ZOO_META[name].row));
    }),
    async ([name, k, xSpec]) => {
      const z = zoo(name);
      try {
        const adapter = buildModelAdapter(z.model, { logits: true });
        const x = buildTensor(xSpec);
        const finiteIn = FINITE_FILLS.includes(xSpec.fill) && xSpec.dtype !== 'string';
        try {
          await expectSafe(`adapter.predict(x ${show(xSpec)})`, () => adapter.predict(x), {
            onSuccess: (f) => (finiteIn ? assertFiniteDeep(f, 'predict') : undefined),
            release: (f) => f.dispose(),
          });
          await expectSafe(
            `adapter.backward(forward(x ${show(xSpec)}), v[K=${k + 1}])`,
            () =>
              tf.tidy(() => {
                const trace = adapter.forward(x);
                const v = tf.ones([k + 1, ...trace.output.shape]);
                return adapter.backward(trace, v);
              }),
            { onSuccess: (g) => (finiteIn ? assertFiniteDeep(g, 'backward') : undefined), release: (g) => tf.dispose(g) },
          );
        } finally {
          x.dispose();
        }
      } finally {
        z.model.dispose();
      }
    },
    { numRuns: 30 },
  );

  fuzz(
    'iterateBatches / countExamples / knownExampleCount: every data form, junk included',
    fc.tuple(zooName(), fc.nat(2)).chain(([name]) => {
      const z = ZOO_META[name];
      return fc.tuple(fc.constant(z.outDim), dataSpec(z.row, z.likelihood));
    }),
    async ([outDim, spec]) => {
      const before = tf.memory().numTensors;
      const data = buildData(spec, outDim);
      let tfjsLeak = false;
      try {
        const it = await expectSafe(
          `iterateBatches(${show(spec)})`,
          async () => {
            let n = 0;
            for await (const b of iterateBatches(data.value as DataSource)) {
              n += b.xs.shape[0];
              b.release();
            }
            return n;
          },
          { onSuccess: (n) => expect(n).toBeGreaterThan(0) },
        );
        tfjsLeak = !it.ok && isTfjsDataPipelineFailure(it.error);
        await expectSafe(`countExamples(${show(spec)})`, () => countExamples(data.value as DataSource), {
          onSuccess: (n) => expect(Number.isInteger(n) && n >= 0, `countExamples returned ${n}`).toBe(true),
        });
        await expectSafe(`knownExampleCount(${show(spec)})`, () => knownExampleCount(data.value as DataSource), {
          onSuccess: (n) => expect(n === undefined || (Number.isInteger(n) && n >= 0), `knownExampleCount returned ${n}`).toBe(true),
        });
      } finally {
        data.dispose();
      }
      // A failing tf.data pipeline leaks inside tfjs-data (see isTfjsDataPipelineFailure); nothing else may.
      if (!tfjsLeak) expect(tf.memory().numTensors, 'tensors left after iterating and disposing the data').toBe(before);
    },
    { numRuns: 60 },
  );

  fuzz(
    'assertFinite: any tensor, any dtype',
    fc.tuple(inputSpec([2]), fc.constantFrom<unknown>('inputs', '', undefined, 7)),
    async ([spec, what]) => {
      const x = buildTensor(spec);
      try {
        const out = await expectSafe(`assertFinite(${show(spec)})`, () => assertFinite(x, what as string), { onSuccess: () => undefined });
        const finite =
          !['nan', 'inf', '-inf', 'one-nan'].includes(spec.fill) ||
          spec.dtype === 'bool' ||
          spec.dtype === 'int32' ||
          spec.shape.includes(0);
        if (spec.dtype !== 'string') expect(out.ok, `assertFinite(${spec.fill} ${spec.dtype}) ${out.ok ? 'passed' : 'threw'}`).toBe(finite);
      } finally {
        x.dispose();
      }
    },
    { numRuns: 40 },
  );

  fuzz(
    'denseTargets: labels × likelihood × n × outDim',
    fc.tuple(
      likelihoodArb(),
      fc.integer({ min: 0, max: 5 }),
      labelSpec(4, 'classification'),
      fc.oneof(fc.integer({ min: 1, max: 4 }), badCount()),
    ),
    async ([lik, n, ySpec, outDim]) => {
      const ys = buildLabels(ySpec, typeof outDim === 'number' && Number.isInteger(outDim) && outDim > 0 ? outDim : 3);
      try {
        await expectSafe(
          `denseTargets(${String(lik)}, ${show(ySpec)}, ${n}, ${String(outDim)})`,
          () => denseTargets(lik as 'regression', ys, n, outDim as number),
          {
            onSuccess: (t) => {
              if (ySpec.kind !== 'huge') assertFiniteDeep(t, 'targets');
              expect(t.shape).toEqual([n, outDim]);
            },
            release: (t) => t.dispose(),
          },
        );
      } finally {
        ys.dispose();
      }
    },
    { numRuns: 50 },
  );

  fuzz(
    'likelihood helpers: lossSum, nllGradient, outputHessianSqrt, sampledOutputHessianSqrt, logLikelihoodFromLoss',
    fc.record(
      {
        lik: likelihoodArb(),
        f: inputSpec([3]),
        y: inputSpec([3]),
        k: fc.oneof(fc.integer({ min: 1, max: 3 }), badCount()),
        seed: fc.oneof(fc.integer({ min: 0, max: 9 }), badSeed()),
        sigma: optionOf(goodScale(), badScale()),
        loss: fc.constantFrom<unknown>(0, 1.5, -1, NaN, Infinity, 1e300, '1'),
      },
      { noNullPrototype: true },
    ),
    async ({ lik, f: fSpec, y: ySpec, k, seed, sigma, loss }) => {
      const f = buildTensor(fSpec);
      const y = buildTensor(ySpec);
      const finiteIn = [fSpec, ySpec].every((s) => FINITE_FILLS.includes(s.fill) && s.dtype !== 'string');
      const check = (t: tf.Tensor) => (finiteIn ? assertFiniteDeep(t, 'result') : undefined);
      const tag = show({ lik, fSpec, ySpec, k, seed, sigma });
      try {
        await expectSafe(`lossSum ${tag}`, () => lossSum(lik as 'regression', f, y), { onSuccess: check, release: (t) => t.dispose() });
        await expectSafe(`nllGradient ${tag}`, () => nllGradient(lik as 'regression', f, y, sigma as number), {
          onSuccess: check,
          release: (t) => t.dispose(),
        });
        await expectSafe(`outputHessianSqrt ${tag}`, () => outputHessianSqrt(lik as 'regression', f), {
          onSuccess: check,
          release: (t) => t.dispose(),
        });
        await expectSafe(
          `sampledOutputHessianSqrt ${tag}`,
          () => sampledOutputHessianSqrt(lik as 'regression', f, k as number, seed as number),
          { onSuccess: check, release: (t) => t.dispose() },
        );
        await expectSafe(
          `logLikelihoodFromLoss ${tag} loss ${String(loss)}`,
          () => logLikelihoodFromLoss(lik as 'regression', loss as number, 4, 3, sigma as number),
          {
            onSuccess: (v) => (Number.isFinite(loss) ? assertFiniteDeep(v, 'logLikelihood') : undefined),
          },
        );
      } finally {
        tf.dispose([f, y]);
      }
    },
    { numRuns: 40 },
  );

  fuzz(
    'checkLikelihood, isSupportedTfjsVersion, mulberry32, permutation: junk arguments',
    fc.record(
      {
        name: fc.constantFrom<unknown>('classification', 'regression', ...WRONG_TYPES, 'bogus', 'toString'),
        version: fc.constantFrom<unknown>('4.22.0', '4.10.0-rc.1', '5', '', 'x.y.z', '4.22.0.1', ...WRONG_TYPES),
        n: fc.oneof(fc.integer({ min: 0, max: 6 }), badCount()),
        seed: fc.oneof(goodScale(), badSeed(), badScale()),
      },
      { noNullPrototype: true },
    ),
    async ({ name, version, n, seed }) => {
      await expectSafe(`checkLikelihood(${String(name)})`, () => checkLikelihood(name), {
        onSuccess: (v) => expect(['classification', 'regression']).toContain(v),
      });
      await expectSafe(`isSupportedTfjsVersion(${String(version)})`, () => isSupportedTfjsVersion(version as string), {
        onSuccess: (v) => expect(typeof v).toBe('boolean'),
      });
      await expectSafe(
        `mulberry32(${String(seed)})`,
        () => {
          const r = mulberry32(seed as number);
          return [r(), r(), r()];
        },
        {
          onSuccess: (v) => v.forEach((x) => expect(x >= 0 && x < 1, `mulberry32 gave ${x}`).toBe(true)),
        },
      );
      await expectSafe(`permutation(${String(n)}, ${String(seed)})`, () => permutation(n as number, seed as number), {
        onSuccess: (p) => expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: p.length }, (_, i) => i)),
      });
    },
    { numRuns: 40 },
  );

  fuzz(
    'meanNllGradients: random batches and sigma',
    fc.tuple(zooName(), fc.nat(5)).chain(([name]) => {
      const z = ZOO_META[name];
      return fc.tuple(fc.constant(name), pairSpec(z.row, z.likelihood), likelihoodArb(), optionOf(goodScale(), badScale()));
    }),
    async ([name, pair, lik, sigma]) => {
      const z = zoo(name);
      const adapter = buildModelAdapter(z.model, { logits: true });
      const data = buildPair(pair, z.outDim);
      const finiteIn = FINITE_FILLS.includes(pair.xs.fill) && !['nan', 'inf', 'huge'].includes(pair.ys.kind);
      try {
        await expectSafe(
          `meanNllGradients(${name}, ${String(lik)}, ${show(pair)}, σ=${String(sigma)})`,
          () => meanNllGradients(adapter, lik as 'regression', data.value.xs, data.value.ys, sigma as number),
          {
            onSuccess: (r) => (finiteIn ? assertFiniteDeep([r.loss, ...r.grads], 'loss and gradients') : undefined),
            release: (r) => tf.dispose([r.loss, ...r.grads]),
          },
        );
      } finally {
        data.dispose();
        z.model.dispose();
      }
    },
    { numRuns: 40 },
  );

  fuzz(
    'trainEpoch: every data form and option',
    zooName().chain((name) =>
      fc.tuple(
        fc.constant(name),
        dataAndOptions(ZOO_META[name].row, ZOO_META[name].likelihood, {
          likelihood: { good: fc.constant(ZOO_META[name].likelihood), bad: badLiteral(), required: true },
          sigma: { good: goodScale(), bad: badScale() },
          epoch: { good: fc.nat(3), bad: fc.constantFrom<unknown>(-1, 0.5, NaN, Infinity, 'x') },
        }),
      ),
    ),
    async ([name, { data: spec, options }]) => {
      const z = zoo(name);
      const keep = weightKeeper(z.model);
      const optimizer = tf.train.sgd(0.01);
      const before = tf.memory().numTensors;
      const data = buildData(spec, z.outDim);
      try {
        await expectSafe(
          `trainEpoch(${name}, ${show(spec)}, ${show(options)})`,
          () => trainEpoch(z.model, data.value as DataSource, { ...(options as { likelihood: 'regression' }), optimizer }),
          {
            onSuccess: (r) => {
              assertFiniteDeep(r, 'epoch result');
              expect(r.examples).toBeGreaterThan(0);
            },
          },
        );
      } finally {
        data.dispose();
      }
      expect(tf.memory().numTensors, 'tensors left after trainEpoch and disposing the data').toBe(before);
      keep.restore();
      keep.dispose();
      optimizer.dispose();
      z.model.dispose();
    },
    { numRuns: 50, budgetMs: 2500 },
  );

  fuzz(
    'evaluate: random tensors, likelihood and options (batchSize 0 hangs: see isolated.test.ts)',
    fc.tuple(zooName(), fc.nat(5)).chain(([name]) => {
      const z = ZOO_META[name];
      return fc.tuple(
        fc.constant(name),
        pairSpec(z.row, z.likelihood),
        fc.oneof({ arbitrary: fc.constant(z.likelihood), weight: 3 }, { arbitrary: likelihoodArb(), weight: 1 }),
        fc.record(
          {
            sigma: optionOf(goodScale(), badScale()),
            batchSize: optionOf(
              fc.integer({ min: 1, max: 4 }),
              fc.constantFrom<unknown>(1e9, Infinity, -1, -Infinity, 0.5, 1.5, NaN, '2', null),
            ),
          },
          { noNullPrototype: true },
        ),
      );
    }),
    async ([name, pair, lik, options]) => {
      const z = zoo(name);
      const adapter = buildModelAdapter(z.model, { logits: true });
      const data = buildPair(pair, z.outDim);
      try {
        await expectSafe(`evaluate(${name}, ${String(lik)}, ${show(pair)}, ${show(options)})`, () =>
          evaluate(adapter, lik as 'regression', data.value.xs, data.value.ys, options as { sigma?: number }),
        );
      } finally {
        data.dispose();
        z.model.dispose();
      }
    },
    { numRuns: 50 },
  );
});
