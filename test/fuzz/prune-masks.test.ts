/**
 * Fuzz @spam/prune, masks and what uses them: scoreMask / globalMask / layerMask / nmMask
 * options, Mask objects, applyMask and MaskApplier (also after dispose), sparsity reports,
 * schedules, gradual pruning and sparsity sweeps — success with finite results or a SpamError,
 * no tensor left behind, weights restored after a sweep.
 */
import { describe, expect } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import {
  applyMask,
  checkSparsity,
  formatSparsityReport,
  gradualPruning,
  layerMask,
  globalMask,
  magnitudeScores,
  Mask,
  MaskApplier,
  nmMask,
  oneShotSchedule,
  polynomialSchedule,
  pruneCount,
  randomScores,
  scoredParams,
  scoreMask,
  sparsityReport,
  sparsitySweep,
} from '@spam/prune';
import { fitLaplace } from '@spam/laplace';
import { createPrior } from '@spam/priors';
import { expectSafe, fuzz, SEED, show } from './harness.js';
import {
  badCount,
  badFraction,
  badLiteral,
  badScale,
  goodFraction,
  goodPair,
  goodScale,
  optionOf,
  pairSpec,
  WRONG_TYPES,
} from './arbitraries.js';
import { buildPair, weightKeeper } from './build.js';
import { zoo, zooName, ZOO_META } from './models.js';

/** What a user callback throws: it must propagate unchanged (and leak nothing). */
const USER_ERROR = new RangeError('thrown by the user schedule');
const fractionArb = () => fc.oneof({ arbitrary: goodFraction(), weight: 2 }, { arbitrary: badFraction(), weight: 1 });

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

describe(`fuzz @spam/prune masks, schedules, sweeps (seed ${SEED})`, () => {
  fuzz(
    'masks: scoreMask / globalMask / layerMask / nmMask / checkSparsity / pruneCount options, foreign previous',
    fc.record(
      {
        name: zooName(),
        sparsity: fractionArb(),
        scope: optionOf(fc.constantFrom('global', 'layer'), badLiteral()),
        includeBias: fc.constantFrom<unknown>(undefined, true, false, 'yes'),
        previous: fc.constantFrom('none', 'own', 'foreign', 'junk'),
        n: optionOf(fc.integer({ min: 1, max: 3 }), badCount()),
        m: optionOf(fc.integer({ min: 2, max: 5 }), badCount()),
        count: fc.oneof(fc.integer({ min: 0, max: 50 }), badScale()),
      },
      { noNullPrototype: true },
    ),
    async ({ name, sparsity, scope, includeBias, previous, n, m, count }) => {
      const z = zoo(name);
      const other = previous === 'foreign' ? zoo(name === 'cnn-cls' ? 'mlp-cls' : 'cnn-cls') : null;
      const scores = magnitudeScores(z.model);
      const prevScores = other ? magnitudeScores(other.model) : null;
      const prev =
        previous === 'own'
          ? scoreMask(scores, { sparsity: 0.5 })
          : prevScores
            ? scoreMask(prevScores, { sparsity: 0.5 })
            : previous === 'junk'
              ? { keep: 1 }
              : undefined;
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
    },
    { numRuns: 50 },
  );

  fuzz(
    'Mask objects, applyMask, MaskApplier (also after dispose), sparsityReport, formatSparsityReport',
    fc.record(
      {
        name: zooName(),
        keep: fc.constantFrom('valid', 'short', 'long', 'twos', 'junk'),
        foreign: fc.boolean(),
        block: fc.constantFrom<unknown>(0, 1, -1, 99, 0.5, NaN, '0'),
        afterDispose: fc.boolean(),
        report: fc.constantFrom<unknown>('model', 'mask', null, {}, 'x', { layers: null, overall: null }),
      },
      { noNullPrototype: true },
    ),
    async ({ name, keep, foreign, block, afterDispose, report }) => {
      const z = zoo(name);
      const other = foreign ? zoo(name === 'cnn-cls' ? 'mlp-cls' : 'cnn-cls') : z;
      const weights = weightKeeper(z.model);
      const params = scoredParams(other.model);
      const total = params.reduce((a, p) => a + p.size, 0);
      const flags =
        keep === 'junk'
          ? ('x' as unknown as Uint8Array)
          : Uint8Array.from({ length: keep === 'short' ? total - 1 : keep === 'long' ? total + 1 : total }, (_, i) =>
              keep === 'twos' ? 2 : i % 3 === 0 ? 0 : 1,
            );
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
        await expectSafe(`formatSparsityReport(sparsityReport(${show(report)}))`, () => formatSparsityReport(sparsityReport(src as Mask)), {
          onSuccess: (t) => expect(typeof t).toBe('string'),
        });
        await expectSafe(`formatSparsityReport(${show(report)})`, () => formatSparsityReport(report as never), {
          onSuccess: (t) => expect(typeof t).toBe('string'),
        });
      } finally {
        weights.restore();
        weights.dispose();
        z.model.dispose();
        if (other !== z) other.model.dispose();
      }
    },
    { numRuns: 50 },
  );

  fuzz(
    'schedules: polynomialSchedule / oneShotSchedule options and steps give sparsities in [0, 1)',
    fc.record(
      {
        initialSparsity: optionOf(fc.constantFrom(0, 0.2), badFraction()),
        finalSparsity: fractionArb(),
        beginStep: optionOf(fc.constantFrom(0, 1, 2), fc.constantFrom<unknown>(NaN, -Infinity, Infinity, '1', null, 0.5, -1)),
        endStep: fc.oneof(fc.constantFrom(3, 5, 10), fc.constantFrom<unknown>(NaN, Infinity, 0, -1, '5', null, 2.5)),
        power: optionOf(fc.constantFrom(1, 2, 3), badScale()),
        step: fc.oneof(fc.integer({ min: -2, max: 12 }), fc.constantFrom<unknown>(NaN, Infinity, -Infinity, 0.5, 1e300, ...WRONG_TYPES)),
        oneShotStep: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constantFrom<unknown>(NaN, Infinity, -1, 0.5, '2', null)),
      },
      { noNullPrototype: true },
    ),
    async ({ step, oneShotStep, ...o }) => {
      const inRange = (v: number) => expect(typeof v === 'number' && v >= 0 && v < 1, `schedule(${show(step)}) = ${v}`).toBe(true);
      await expectSafe(`polynomialSchedule(${show(o)})(${show(step)})`, () => polynomialSchedule(o as never)(step as number), {
        onSuccess: inRange,
      });
      await expectSafe(
        `oneShotSchedule(${show(o.finalSparsity)}, ${show(oneShotStep)})(${show(step)})`,
        () => oneShotSchedule(o.finalSparsity as number, oneShotStep as number)(step as number),
        { onSuccess: inRange },
      );
    },
    { numRuns: 60 },
  );

  fuzz(
    'gradualPruning: options and afterMarglikStep at random epochs',
    fc.record(
      {
        name: zooName(),
        schedule: fc.constantFrom<unknown>('poly', 'nan', 'above-one', 'throws', null, 'x'),
        scope: optionOf(fc.constantFrom('global', 'layer'), badLiteral()),
        kronPrior: optionOf(fc.constantFrom('exact', 'projected'), badLiteral()),
        epoch: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom<unknown>(NaN, -1, 0.5, '2')),
      },
      { noNullPrototype: true },
    ),
    async ({ name, schedule, scope, kronPrior, epoch }) => {
      const start = tf.memory().numTensors;
      const z = zoo(name);
      const weights = weightKeeper(z.model);
      const data = buildPair(goodPair(z.row, z.likelihood), z.outDim);
      const laplace = await fitLaplace(z.model, data.value, { likelihood: z.likelihood, structure: 'kron' });
      const prior = createPrior(z.model, 'layerwise');
      const fn =
        schedule === 'poly'
          ? polynomialSchedule({ finalSparsity: 0.6, endStep: 3 })
          : schedule === 'nan'
            ? () => NaN
            : schedule === 'above-one'
              ? () => 1.5
              : schedule === 'throws'
                ? () => {
                    throw USER_ERROR;
                  }
                : schedule;
      try {
        await expectSafe(
          `gradualPruning(${name}, ${show({ schedule, scope, kronPrior })}).afterMarglikStep(epoch ${show(epoch)})`,
          async () => {
            const gp = gradualPruning(z.model, { schedule: fn, scope, kronPrior } as never);
            try {
              await Promise.resolve(gp.afterMarglikStep({ epoch: epoch as number, epochs: 4, laplace, prior, sigma: 1 })); // sync today; the hook type allows a promise
              gp.afterBatch();
              return gp.events;
            } finally {
              gp.dispose();
            }
          },
          { countTensors: false, passthrough: (e) => e === USER_ERROR },
        );
      } finally {
        prior.dispose();
        laplace.dispose();
        data.dispose();
        weights.restore();
        weights.dispose();
        z.model.dispose();
      }
      expect(tf.memory().numTensors, 'tensors left after gradual pruning and disposing the Laplace').toBe(start);
    },
    { numRuns: 40 },
  );

  fuzz(
    'sparsitySweep: data (NaN, shapes, labels), sparsities, options (batchSize 0 hangs: see isolated.test.ts)',
    zooName().chain((name) =>
      fc.tuple(
        fc.constant(name),
        pairSpec(ZOO_META[name].row, ZOO_META[name].likelihood),
        fc.record(
          {
            likelihood: fc.oneof({ arbitrary: fc.constant(ZOO_META[name].likelihood), weight: 5 }, { arbitrary: badLiteral(), weight: 1 }),
            sparsities: optionOf(
              fc.array(goodFraction(), { minLength: 1, maxLength: 3 }),
              fc.oneof(fc.array(fractionArb(), { maxLength: 3 }), fc.constantFrom<unknown>(null, 'x', 0.5)),
            ),
            scope: optionOf(fc.constantFrom('global', 'layer'), badLiteral()),
            sigma: optionOf(goodScale(), badScale()),
            batchSize: optionOf(fc.integer({ min: 1, max: 4 }), fc.constantFrom<unknown>(1e9, Infinity, -1, 0.5, NaN, '2', null)),
            scores: fc.constantFrom('one', 'two', 'none', 'foreign'),
            progress: fc.constantFrom('none', 'none', 'throws'),
          },
          { noNullPrototype: true },
        ),
      ),
    ),
    async ([name, pair, { scores: which, progress, ...options }]) => {
      const z = zoo(name);
      const weights = weightKeeper(z.model);
      const other = which === 'foreign' ? zoo(name === 'cnn-cls' ? 'mlp-cls' : 'cnn-cls') : null;
      const scores =
        which === 'none'
          ? []
          : which === 'two'
            ? [magnitudeScores(z.model), randomScores(z.model, { seed: 1 })]
            : [magnitudeScores((other ?? z).model)];
      const data = buildPair(pair, z.outDim);
      try {
        const onProgress =
          progress === 'throws'
            ? () => {
                throw USER_ERROR;
              }
            : undefined;
        await expectSafe(
          `sparsitySweep(${name}, ${which} scores, ${show(pair)}, ${show(options)}, onProgress ${progress})`,
          () => sparsitySweep(z.model, scores, { ...options, data: data.value, onProgress } as never),
          {
            passthrough: (e) => e === USER_ERROR,
          },
        );
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
    },
    { numRuns: 50 },
  );
});
