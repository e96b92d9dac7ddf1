/**
 * Fuzz @spam/prune: every score criterion with malformed data and options, user-made
 * `ParamScores`, masks (sparsity, scope, N:M, foreign/previous masks), applying masks, reports,
 * schedules, gradual pruning and sweeps — success with finite results or a SpamError, no tensor
 * left behind.
 */
import { describe, expect } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import {
  applyMask,
  checkSparsity,
  CRITERIA,
  criterionScores,
  formatSparsityReport,
  gradualPruning,
  graspScores,
  layerMask,
  globalMask,
  magnitudeScores,
  Mask,
  MaskApplier,
  nmMask,
  obdScores,
  oneShotSchedule,
  opdScores,
  ParamScores,
  polynomialSchedule,
  posteriorPrecisionDiagonal,
  pruneCount,
  randomScores,
  scoredParams,
  scoreMask,
  snipScores,
  sparsityReport,
  sparsitySweep,
  synflowScores,
  type Criterion,
} from '@spam/prune';
import { fitLaplace } from '@spam/laplace';
import { createPrior } from '@spam/priors';
import type { DataSource } from '@spam/core';
import { assertFiniteDeep, expectSafe, fuzz, SEED, show } from './harness.js';
import { badCount, badFraction, badLiteral, badScale, badSeed, dataAndOptions, goodFraction, goodPair, goodScale, goodSeed, inputSpec, optionOf, pairSpec, WRONG_TYPES } from './arbitraries.js';
import { buildData, buildPair, buildTensor, weightKeeper } from './build.js';
import { zoo, zooName, ZOO_META } from './models.js';

const release = (s: ParamScores) => s.dispose();
/** What a user callback throws: it must propagate unchanged (and leak nothing). */
const USER_ERROR = new RangeError('thrown by the user schedule');
const fractionArb = () => fc.oneof({ arbitrary: goodFraction(), weight: 2 }, { arbitrary: badFraction(), weight: 1 });

/** Scores came back: one finite tensor per parameter, flat() finite. */
function checkScores(s: ParamScores): void {
  expect(s.blocks.length).toBe(s.params.length);
  assertFiniteDeep(s.flat(), `${s.criterion} scores`);
}

/** A mask came back: flags are 0/1 and the pruned count is consistent. */
function checkMask(m: Mask): void {
  let pruned = 0;
  m.keep.forEach((k) => {
    if (k !== 0 && k !== 1) throw new Error(`mask flag ${k}`);
    pruned += 1 - k;
  });
  expect(m.numPruned).toBe(pruned);
  expect(Number.isFinite(m.sparsity)).toBe(true);
}

describe(`fuzz @spam/prune (seed ${SEED})`, () => {
  fuzz('data-free criteria: magnitude, random (seed), synflow (iterations, sparsity), scoredParams', fc.record({
    name: zooName(),
    seed: optionOf(goodSeed(), badSeed()),
    iterations: optionOf(fc.integer({ min: 1, max: 3 }), badCount()),
    sparsity: optionOf(goodFraction(), badFraction()),
    options: fc.constantFrom<unknown>('object', undefined, null, 'x'),
  }, { noNullPrototype: true }), async ({ name, seed, iterations, sparsity, options }) => {
    const z = zoo(name);
    try {
      await expectSafe(`magnitudeScores(${name})`, () => magnitudeScores(z.model), { onSuccess: checkScores, release });
      await expectSafe(`randomScores(${name}, ${show(options === 'object' ? { seed } : options)})`, () => randomScores(z.model, (options === 'object' ? { seed } : options) as never), { onSuccess: checkScores, release });
      await expectSafe(`synflowScores(${name}, ${show(options === 'object' ? { iterations, sparsity } : options)})`, () => synflowScores(z.model, (options === 'object' ? { iterations, sparsity } : options) as never), { onSuccess: checkScores, release });
      await expectSafe(`scoredParams(${name})`, () => scoredParams(z.model));
    } finally {
      z.model.dispose();
    }
  }, { numRuns: 40 });

  fuzz('SNIP / GraSP: every data form and option', zooName().chain((name) => fc.tuple(fc.constant(name), dataAndOptions(ZOO_META[name].row, ZOO_META[name].likelihood, {
    likelihood: { good: fc.constant(ZOO_META[name].likelihood), bad: badLiteral(), required: true },
    sigma: { good: goodScale(), bad: badScale() },
    batches: { good: fc.integer({ min: 1, max: 2 }), bad: badCount() },
    batchSize: { good: fc.integer({ min: 1, max: 4 }), bad: badCount() },
  }), fc.constantFrom('snip', 'grasp'))), async ([name, { data: spec, options }, which]) => {
    const z = zoo(name);
    const before = tf.memory().numTensors;
    const data = buildData(spec, z.outDim);
    try {
      await expectSafe(`${which}Scores(${name}, ${show(spec)}, ${show(options)})`, () => (which === 'snip' ? snipScores : graspScores)(z.model, data.value as DataSource, options as never), { onSuccess: checkScores, release });
    } finally {
      data.dispose();
    }
    expect(tf.memory().numTensors, 'tensors left after scoring and disposing the data').toBe(before);
    z.model.dispose();
  }, { numRuns: 50 });

  fuzz('OPD / OBD / posteriorPrecisionDiagonal / criterionScores: δ, kronPrior, foreign priors, missing context', fc.record({
    name: zooName(),
    structure: fc.constantFrom<'diag' | 'kron' | 'full'>('diag', 'kron', 'full'),
    delta: fc.oneof(fc.constantFrom<unknown>('prior', 'foreign-prior'), goodScale(), badScale()),
    kronPrior: optionOf(fc.constantFrom('exact', 'projected'), badLiteral()),
    criterion: fc.oneof(fc.constantFrom<unknown>(...CRITERIA), badLiteral()),
    missing: fc.constantFrom<unknown>('none', 'laplace', 'prior', 'data', 'model'),
  }, { noNullPrototype: true }), async ({ name, structure, delta, kronPrior, criterion, missing }) => {
    const start = tf.memory().numTensors;
    const z = zoo(name);
    const data = buildPair(goodPair(z.row, z.likelihood), z.outDim);
    const lap = await fitLaplace(z.model, data.value, { likelihood: z.likelihood, structure });
    const live = { countTensors: false }; // the Laplace caches tensors until dispose: counted around its lifetime below
    const other = delta === 'foreign-prior' ? zoo(name === 'cnn-cls' ? 'mlp-cls' : 'cnn-cls') : null;
    const prior = typeof delta === 'string' && delta.endsWith('prior') ? createPrior((other ?? z).model, 'unitwise', { precision: 0.5 }) : null;
    const d = prior ?? (delta as number);
    const opts = { kronPrior } as never;
    try {
      const tag = `${name} ${structure}, δ ${show(delta)}, ${show(kronPrior)}`;
      await expectSafe(`opdScores(${tag})`, () => opdScores(lap, d, opts), { onSuccess: checkScores, release, ...live });
      await expectSafe(`obdScores(${tag})`, () => obdScores(lap), { onSuccess: checkScores, release, ...live });
      await expectSafe(`posteriorPrecisionDiagonal(${tag})`, () => posteriorPrecisionDiagonal(lap, d, opts), { release: (t) => tf.dispose(t), ...live });
      const ctx = { model: z.model, likelihood: z.likelihood, laplace: lap, prior: d, data: data.value, seed: 1, kronPrior } as Record<string, unknown>;
      if (missing !== 'none') delete ctx[missing as string];
      await expectSafe(`criterionScores(${show(criterion)}, ${tag}, without ${show(missing)})`, () => criterionScores(criterion as Criterion, ctx as never), { onSuccess: checkScores, release, ...live });
    } finally {
      prior?.dispose();
      lap.dispose();
      data.dispose();
      z.model.dispose();
      other?.model.dispose();
    }
    expect(tf.memory().numTensors, 'tensors left after scoring and disposing the Laplace').toBe(start);
  }, { numRuns: 50 });

  fuzz('ParamScores from user tensors: wrong counts, shapes, dtypes, NaN', fc.record({
    name: zooName(),
    drop: fc.constantFrom(0, 0, 1, -1),
    replace: fc.option(fc.tuple(fc.nat(10), inputSpec([2])), { nil: undefined }),
    criterion: fc.constantFrom<unknown>('mine', '', null, 5),
  }, { noNullPrototype: true }), async ({ name, drop, replace, criterion }) => {
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
      await expectSafe(`new ParamScores(${show(criterion)}, ${name} params, drop ${drop}, replace ${show(replace)})`, () => {
        try {
          return new ParamScores(criterion as string, params, blocks);
        } catch (e) {
          tf.dispose(blocks); // ownership on error is not documented: free what is left
          throw e;
        }
      }, { onSuccess: checkScores, release, consumes: blocks.length });
    } finally {
      z.model.dispose();
    }
  }, { numRuns: 40 });

  fuzz('masks: scoreMask / globalMask / layerMask / nmMask / checkSparsity / pruneCount options, foreign previous', fc.record({
    name: zooName(),
    sparsity: fractionArb(),
    scope: optionOf(fc.constantFrom('global', 'layer'), badLiteral()),
    includeBias: fc.constantFrom<unknown>(undefined, true, false, 'yes'),
    previous: fc.constantFrom('none', 'own', 'foreign', 'junk'),
    n: optionOf(fc.integer({ min: 1, max: 3 }), badCount()),
    m: optionOf(fc.integer({ min: 2, max: 5 }), badCount()),
    count: fc.oneof(fc.integer({ min: 0, max: 50 }), badScale()),
  }, { noNullPrototype: true }), async ({ name, sparsity, scope, includeBias, previous, n, m, count }) => {
    const z = zoo(name);
    const other = previous === 'foreign' ? zoo(name === 'cnn-cls' ? 'mlp-cls' : 'cnn-cls') : null;
    const scores = magnitudeScores(z.model);
    const prevScores = other ? magnitudeScores(other.model) : null;
    const prev = previous === 'own' ? scoreMask(scores, { sparsity: 0.5 }) : prevScores ? scoreMask(prevScores, { sparsity: 0.5 }) : previous === 'junk' ? { keep: 1 } : undefined;
    const opts = { sparsity, scope, includeBias, previous: prev } as never;
    try {
      const tag = `${name}, ${show({ sparsity, scope, includeBias, previous })}`;
      await expectSafe(`scoreMask(${tag})`, () => scoreMask(scores, opts), { onSuccess: checkMask });
      await expectSafe(`globalMask(${tag})`, () => globalMask(scores, opts), { onSuccess: checkMask });
      await expectSafe(`layerMask(${tag})`, () => layerMask(scores, opts), { onSuccess: checkMask });
      await expectSafe(`nmMask(${name}, ${show({ n, m })})`, () => nmMask(scores, { n, m } as never), { onSuccess: checkMask });
      await expectSafe(`checkSparsity(${show(sparsity)})`, () => checkSparsity(sparsity as number));
      await expectSafe(`pruneCount(${show(count)}, ${show(sparsity)})`, () => pruneCount(count as number, sparsity as number), {
        onSuccess: (k) => expect(Number.isInteger(k) && k >= 0 && k <= (count as number), `pruneCount → ${k}`).toBe(true),
      });
    } finally {
      scores.dispose();
      prevScores?.dispose();
      z.model.dispose();
      other?.model.dispose();
    }
  }, { numRuns: 50 });

  fuzz('Mask objects, applyMask, MaskApplier (also after dispose), sparsityReport, formatSparsityReport', fc.record({
    name: zooName(),
    keep: fc.constantFrom('valid', 'short', 'long', 'twos', 'junk'),
    foreign: fc.boolean(),
    block: fc.constantFrom<unknown>(0, 1, -1, 99, 0.5, NaN, '0'),
    afterDispose: fc.boolean(),
    report: fc.constantFrom<unknown>('model', 'mask', null, {}, 'x', { layers: null, overall: null }),
  }, { noNullPrototype: true }), async ({ name, keep, foreign, block, afterDispose, report }) => {
    const z = zoo(name);
    const other = foreign ? zoo(name === 'cnn-cls' ? 'mlp-cls' : 'cnn-cls') : z;
    const weights = weightKeeper(z.model);
    const params = scoredParams(other.model);
    const total = params.reduce((a, p) => a + p.size, 0);
    const flags = keep === 'junk' ? ('x' as unknown as Uint8Array) : Uint8Array.from({ length: keep === 'short' ? total - 1 : keep === 'long' ? total + 1 : total }, (_, i) => (keep === 'twos' ? 2 : i % 3 === 0 ? 0 : 1));
    try {
      const made = await expectSafe(`new Mask(${name} params, ${keep} flags)`, () => new Mask(params, flags), { onSuccess: checkMask });
      if (!made.ok) return;
      const mask = made.value;
      await expectSafe(`mask.block(${show(block)})`, () => mask.block(block as number));
      await expectSafe(`mask.and(Mask.ones)`, () => mask.and(Mask.ones(scoredParams(z.model))), { onSuccess: checkMask });
      await expectSafe(`applyMask(${name}, mask of ${foreign ? 'another model' : 'it'})`, () => applyMask(z.model, mask));
      await expectSafe(`MaskApplier(${name}, foreign ${foreign}).apply() ${afterDispose ? 'after dispose' : ''}`, () => {
        const applier = new MaskApplier(z.model, mask);
        try {
          if (afterDispose) applier.dispose();
          applier.apply();
          applier.hooks().afterBatch();
        } finally {
          applier.dispose();
        }
      });
      const src = report === 'model' ? z.model : report === 'mask' ? mask : report;
      await expectSafe(`formatSparsityReport(sparsityReport(${show(report)}))`, () => formatSparsityReport(sparsityReport(src as Mask)), { onSuccess: (t) => expect(typeof t).toBe('string') });
      await expectSafe(`formatSparsityReport(${show(report)})`, () => formatSparsityReport(report as never), { onSuccess: (t) => expect(typeof t).toBe('string') });
    } finally {
      weights.restore();
      weights.dispose();
      z.model.dispose();
      if (other !== z) other.model.dispose();
    }
  }, { numRuns: 50 });

  fuzz('schedules: polynomialSchedule / oneShotSchedule options and steps give sparsities in [0, 1)', fc.record({
    initialSparsity: optionOf(fc.constantFrom(0, 0.2), badFraction()),
    finalSparsity: fractionArb(),
    beginStep: optionOf(fc.constantFrom(0, 1, 2), fc.constantFrom<unknown>(NaN, -Infinity, Infinity, '1', null, 0.5, -1)),
    endStep: fc.oneof(fc.constantFrom(3, 5, 10), fc.constantFrom<unknown>(NaN, Infinity, 0, -1, '5', null, 2.5)),
    power: optionOf(fc.constantFrom(1, 2, 3), badScale()),
    step: fc.oneof(fc.integer({ min: -2, max: 12 }), fc.constantFrom<unknown>(NaN, Infinity, -Infinity, 0.5, 1e300, ...WRONG_TYPES)),
    oneShotStep: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constantFrom<unknown>(NaN, Infinity, -1, 0.5, '2', null)),
  }, { noNullPrototype: true }), async ({ step, oneShotStep, ...o }) => {
    const inRange = (v: number) => expect(typeof v === 'number' && v >= 0 && v < 1, `schedule(${show(step)}) = ${v}`).toBe(true);
    await expectSafe(`polynomialSchedule(${show(o)})(${show(step)})`, () => polynomialSchedule(o as never)(step as number), { onSuccess: inRange });
    await expectSafe(`oneShotSchedule(${show(o.finalSparsity)}, ${show(oneShotStep)})(${show(step)})`, () => oneShotSchedule(o.finalSparsity as number, oneShotStep as number)(step as number), { onSuccess: inRange });
  }, { numRuns: 60 });

  fuzz('gradualPruning: options and afterMarglikStep at random epochs', fc.record({
    name: zooName(),
    schedule: fc.constantFrom<unknown>('poly', 'nan', 'above-one', 'throws', null, 'x'),
    scope: optionOf(fc.constantFrom('global', 'layer'), badLiteral()),
    kronPrior: optionOf(fc.constantFrom('exact', 'projected'), badLiteral()),
    epoch: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom<unknown>(NaN, -1, 0.5, '2')),
  }, { noNullPrototype: true }), async ({ name, schedule, scope, kronPrior, epoch }) => {
    const start = tf.memory().numTensors;
    const z = zoo(name);
    const weights = weightKeeper(z.model);
    const data = buildPair(goodPair(z.row, z.likelihood), z.outDim);
    const laplace = await fitLaplace(z.model, data.value, { likelihood: z.likelihood, structure: 'kron' });
    const prior = createPrior(z.model, 'layerwise');
    const fn = schedule === 'poly' ? polynomialSchedule({ finalSparsity: 0.6, endStep: 3 }) : schedule === 'nan' ? () => NaN : schedule === 'above-one' ? () => 1.5 : schedule === 'throws' ? () => { throw USER_ERROR; } : schedule;
    try {
      await expectSafe(`gradualPruning(${name}, ${show({ schedule, scope, kronPrior })}).afterMarglikStep(epoch ${show(epoch)})`, async () => {
        const gp = gradualPruning(z.model, { schedule: fn, scope, kronPrior } as never);
        try {
          await gp.afterMarglikStep({ epoch: epoch as number, epochs: 4, laplace, prior, sigma: 1 });
          gp.afterBatch();
          return gp.events;
        } finally {
          gp.dispose();
        }
      }, { countTensors: false, passthrough: (e) => e === USER_ERROR });
    } finally {
      prior.dispose();
      laplace.dispose();
      data.dispose();
      weights.restore();
      weights.dispose();
      z.model.dispose();
    }
    expect(tf.memory().numTensors, 'tensors left after gradual pruning and disposing the Laplace').toBe(start);
  }, { numRuns: 40 });

  fuzz('sparsitySweep: data (NaN, shapes, labels), sparsities, options (batchSize 0 hangs: see isolated.test.ts)', zooName().chain((name) => fc.tuple(fc.constant(name), pairSpec(ZOO_META[name].row, ZOO_META[name].likelihood), fc.record({
    likelihood: fc.oneof({ arbitrary: fc.constant(ZOO_META[name].likelihood), weight: 5 }, { arbitrary: badLiteral(), weight: 1 }),
    sparsities: optionOf(fc.array(goodFraction(), { minLength: 1, maxLength: 3 }), fc.oneof(fc.array(fractionArb(), { maxLength: 3 }), fc.constantFrom<unknown>(null, 'x', 0.5))),
    scope: optionOf(fc.constantFrom('global', 'layer'), badLiteral()),
    sigma: optionOf(goodScale(), badScale()),
    batchSize: optionOf(fc.integer({ min: 1, max: 4 }), fc.constantFrom<unknown>(1e9, Infinity, -1, 0.5, NaN, '2', null)),
    scores: fc.constantFrom('one', 'two', 'none', 'foreign'),
    progress: fc.constantFrom('none', 'none', 'throws'),
  }, { noNullPrototype: true }))), async ([name, pair, { scores: which, progress, ...options }]) => {
    const z = zoo(name);
    const weights = weightKeeper(z.model);
    const other = which === 'foreign' ? zoo(name === 'cnn-cls' ? 'mlp-cls' : 'cnn-cls') : null;
    const scores = which === 'none' ? [] : which === 'two' ? [magnitudeScores(z.model), randomScores(z.model, { seed: 1 })] : [magnitudeScores((other ?? z).model)];
    const data = buildPair(pair, z.outDim);
    try {
      const onProgress = progress === 'throws' ? () => { throw USER_ERROR; } : undefined;
      await expectSafe(`sparsitySweep(${name}, ${which} scores, ${show(pair)}, ${show(options)}, onProgress ${progress})`, () => sparsitySweep(z.model, scores, { ...options, data: data.value, onProgress } as never), {
        passthrough: (e) => e === USER_ERROR,
      });
      const after = z.model.getWeights().map((w) => Array.from(w.dataSync()));
      weights.restore();
      expect(after, 'sparsitySweep left the weights changed').toEqual(z.model.getWeights().map((w) => Array.from(w.dataSync())));
    } finally {
      scores.forEach((s) => s.dispose());
      data.dispose();
      weights.dispose();
      z.model.dispose();
      other?.model.dispose();
    }
  }, { numRuns: 50 });
});
