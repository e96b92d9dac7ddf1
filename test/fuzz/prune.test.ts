/**
 * Fuzz @spam/prune, scores: every criterion (magnitude, random, SynFlow, SNIP, GraSP, OPD, OBD,
 * criterionScores) with malformed data and options, and user-made `ParamScores` — success with
 * finite scores or a SpamError, no tensor left behind. Masks, schedules and sweeps: prune-masks.test.ts.
 */
import { describe, expect } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import {
  CRITERIA,
  criterionScores,
  graspScores,
  magnitudeScores,
  obdScores,
  opdScores,
  ParamScores,
  posteriorPrecisionDiagonal,
  randomScores,
  scoredParams,
  snipScores,
  synflowScores,
  type Criterion,
} from '@spam/prune';
import { fitLaplace } from '@spam/laplace';
import { createPrior } from '@spam/priors';
import type { DataSource } from '@spam/core';
import { assertFiniteDeep, expectSafe, fuzz, SEED, show } from './harness.js';
import {
  badCount,
  badFraction,
  badLiteral,
  badScale,
  badSeed,
  dataAndOptions,
  goodFraction,
  goodPair,
  goodScale,
  goodSeed,
  inputSpec,
  optionOf,
} from './arbitraries.js';
import { buildData, buildPair, buildTensor } from './build.js';
import { zoo, zooName, ZOO_META } from './models.js';

const release = (s: ParamScores) => s.dispose();

/** Scores came back: one finite tensor per parameter, flat() finite. */
function checkScores(s: ParamScores): void {
  expect(s.blocks.length).toBe(s.params.length);
  assertFiniteDeep(s.flat(), `${s.criterion} scores`);
}

describe(`fuzz @spam/prune scores (seed ${SEED})`, () => {
  fuzz(
    'data-free criteria: magnitude, random (seed), synflow (iterations, sparsity), scoredParams',
    fc.record(
      {
        name: zooName(),
        seed: optionOf(goodSeed(), badSeed()),
        iterations: optionOf(fc.integer({ min: 1, max: 3 }), badCount()),
        sparsity: optionOf(goodFraction(), badFraction()),
        options: fc.constantFrom<unknown>('object', undefined, null, 'x'),
      },
      { noNullPrototype: true },
    ),
    async ({ name, seed, iterations, sparsity, options }) => {
      const z = zoo(name);
      try {
        await expectSafe(`magnitudeScores(${name})`, () => magnitudeScores(z.model), { onSuccess: checkScores, release });
        await expectSafe(
          `randomScores(${name}, ${show(options === 'object' ? { seed } : options)})`,
          () => randomScores(z.model, (options === 'object' ? { seed } : options) as never),
          { onSuccess: checkScores, release },
        );
        await expectSafe(
          `synflowScores(${name}, ${show(options === 'object' ? { iterations, sparsity } : options)})`,
          () => synflowScores(z.model, (options === 'object' ? { iterations, sparsity } : options) as never),
          { onSuccess: checkScores, release },
        );
        await expectSafe(`scoredParams(${name})`, () => scoredParams(z.model));
      } finally {
        z.model.dispose();
      }
    },
    { numRuns: 40 },
  );

  fuzz(
    'SNIP / GraSP: every data form and option',
    zooName().chain((name) =>
      fc.tuple(
        fc.constant(name),
        dataAndOptions(ZOO_META[name].row, ZOO_META[name].likelihood, {
          likelihood: { good: fc.constant(ZOO_META[name].likelihood), bad: badLiteral(), required: true },
          sigma: { good: goodScale(), bad: badScale() },
          batches: { good: fc.integer({ min: 1, max: 2 }), bad: badCount() },
          batchSize: { good: fc.integer({ min: 1, max: 4 }), bad: badCount() },
        }),
        fc.constantFrom('snip', 'grasp'),
      ),
    ),
    async ([name, { data: spec, options }, which]) => {
      const z = zoo(name);
      const before = tf.memory().numTensors;
      const data = buildData(spec, z.outDim);
      try {
        await expectSafe(
          `${which}Scores(${name}, ${show(spec)}, ${show(options)})`,
          () => (which === 'snip' ? snipScores : graspScores)(z.model, data.value as DataSource, options as never),
          { onSuccess: checkScores, release },
        );
      } finally {
        data.dispose();
      }
      expect(tf.memory().numTensors, 'tensors left after scoring and disposing the data').toBe(before);
      z.model.dispose();
    },
    { numRuns: 50 },
  );

  fuzz(
    'OPD / OBD / posteriorPrecisionDiagonal / criterionScores: δ, kronPrior, foreign priors, missing context',
    fc.record(
      {
        name: zooName(),
        structure: fc.constantFrom<'diag' | 'kron' | 'full'>('diag', 'kron', 'full'),
        delta: fc.oneof(fc.constantFrom<unknown>('prior', 'foreign-prior'), goodScale(), badScale()),
        kronPrior: optionOf(fc.constantFrom('exact', 'projected'), badLiteral()),
        criterion: fc.oneof(fc.constantFrom<unknown>(...CRITERIA), badLiteral()),
        missing: fc.constantFrom<unknown>('none', 'laplace', 'prior', 'data', 'model'),
      },
      { noNullPrototype: true },
    ),
    async ({ name, structure, delta, kronPrior, criterion, missing }) => {
      const start = tf.memory().numTensors;
      const z = zoo(name);
      const data = buildPair(goodPair(z.row, z.likelihood), z.outDim);
      const lap = await fitLaplace(z.model, data.value, { likelihood: z.likelihood, structure });
      const live = { countTensors: false }; // the Laplace caches tensors until dispose: counted around its lifetime below
      const other = delta === 'foreign-prior' ? zoo(name === 'cnn-cls' ? 'mlp-cls' : 'cnn-cls') : null;
      const prior =
        typeof delta === 'string' && delta.endsWith('prior') ? createPrior((other ?? z).model, 'unitwise', { precision: 0.5 }) : null;
      const d = prior ?? (delta as number);
      const opts = { kronPrior } as never;
      try {
        const tag = `${name} ${structure}, δ ${show(delta)}, ${show(kronPrior)}`;
        await expectSafe(`opdScores(${tag})`, () => opdScores(lap, d, opts), { onSuccess: checkScores, release, ...live });
        await expectSafe(`obdScores(${tag})`, () => obdScores(lap), { onSuccess: checkScores, release, ...live });
        await expectSafe(`posteriorPrecisionDiagonal(${tag})`, () => posteriorPrecisionDiagonal(lap, d, opts), {
          release: (t) => tf.dispose(t),
          ...live,
        });
        const ctx = { model: z.model, likelihood: z.likelihood, laplace: lap, prior: d, data: data.value, seed: 1, kronPrior } as Record<
          string,
          unknown
        >;
        if (missing !== 'none') delete ctx[missing as string];
        await expectSafe(
          `criterionScores(${show(criterion)}, ${tag}, without ${show(missing)})`,
          () => criterionScores(criterion as Criterion, ctx as never),
          { onSuccess: checkScores, release, ...live },
        );
      } finally {
        prior?.dispose();
        lap.dispose();
        data.dispose();
        z.model.dispose();
        other?.model.dispose();
      }
      expect(tf.memory().numTensors, 'tensors left after scoring and disposing the Laplace').toBe(start);
    },
    { numRuns: 50 },
  );

  fuzz(
    'ParamScores from user tensors: wrong counts, shapes, dtypes, NaN',
    fc.record(
      {
        name: zooName(),
        drop: fc.constantFrom(0, 0, 1, -1),
        replace: fc.option(fc.tuple(fc.nat(10), inputSpec([2])), { nil: undefined }),
        criterion: fc.constantFrom<unknown>('mine', '', null, 5),
      },
      { noNullPrototype: true },
    ),
    async ({ name, drop, replace, criterion }) => {
      const z = zoo(name);
      const params = scoredParams(z.model);
      const blocks = tf.tidy(() => params.map((p) => tf.abs(tf.randomNormal([...p.shape], 0, 1, 'float32', 5))));
      if (drop === 1) blocks.pop()?.dispose();
      if (drop === -1) blocks.push(tf.ones([1]));
      if (replace && blocks.length > 0) {
        const i = replace[0] % blocks.length;
        blocks[i].dispose();
        blocks[i] = buildTensor(replace[1]);
      }
      try {
        await expectSafe(
          `new ParamScores(${show(criterion)}, ${name} params, drop ${drop}, replace ${show(replace)})`,
          () => {
            try {
              return new ParamScores(criterion as string, params, blocks);
            } catch (e) {
              tf.dispose(blocks); // ownership on error is not documented: free what is left
              throw e;
            }
          },
          { onSuccess: checkScores, release, consumes: blocks.length },
        );
      } finally {
        z.model.dispose();
      }
    },
    { numRuns: 40 },
  );
});
