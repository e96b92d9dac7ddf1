/**
 * Fuzz @spam/structured (the browser-safe entry): unit scores, unit masks, pruneUnits /
 * maskUnits and the cost counters with malformed scores, masks (wrong lengths, 0/1 numbers,
 * unknown layers, non-arrays), options and refused models — success with finite results and a
 * working smaller model, or a SpamError; no tensor left behind; the input model never changes.
 */
import { describe, expect } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import {
  countMacs,
  countParams,
  layerCosts,
  magnitudeUnitScores,
  maskUnits,
  pruneUnits,
  randomUnitScores,
  unitMasks,
  unitScores,
  type UnitScores,
} from '@spam/structured';
import { magnitudeScores } from '@spam/prune';
import { assertFiniteDeep, expectSafe, fuzz, SEED, show } from './harness.js';
import { badCount, badLiteral, badSeed, goodSeed, optionOf, optionsArb, WRONG_TYPES } from './arbitraries.js';
import { badModel, badModelName, NOT_MODELS, zoo, zooName, ZOO_META } from './models.js';

/** The parametric layer names and unit counts of a zoo model (from its config, no SpaM call). */
function unitsOf(model: tf.LayersModel): Array<{ name: string; units: number }> {
  return model.layers
    .filter((l) => ['Dense', 'Conv2D'].includes(l.getClassName()))
    .map((l) => ({ name: l.name, units: (l.getConfig().units ?? l.getConfig().filters) as number }));
}

/** One entry of a unit mask: flags, mutated. */
type MaskEntry =
  | {
      kind: 'flags';
      pattern: 'keep-all' | 'drop-first' | 'drop-all' | 'alternate';
      as: 'bool' | 'number' | 'string' | 'mixed';
      length: 'exact' | 'short' | 'long';
    }
  | { kind: 'junk'; value: unknown };

const maskEntryArb = (): fc.Arbitrary<MaskEntry> =>
  fc.oneof(
    {
      arbitrary: fc.record(
        {
          kind: fc.constant<'flags'>('flags'),
          pattern: fc.constantFrom<'keep-all' | 'drop-first' | 'drop-all' | 'alternate'>(
            'keep-all',
            'drop-first',
            'drop-first',
            'alternate',
            'drop-all',
          ),
          as: fc.constantFrom<'bool' | 'number' | 'string' | 'mixed'>('bool', 'bool', 'bool', 'number', 'string', 'mixed'),
          length: fc.constantFrom<'exact' | 'short' | 'long'>('exact', 'exact', 'exact', 'short', 'long'),
        },
        { noNullPrototype: true },
      ),
      weight: 6,
    },
    {
      arbitrary: fc.record(
        { kind: fc.constant<'junk'>('junk'), value: fc.constantFrom<unknown>(...WRONG_TYPES, 'true', new Uint8Array([1, 0])) },
        { noNullPrototype: true },
      ),
      weight: 1,
    },
  );

/** A masks spec: per parametric layer index (or an unknown name), an entry. */
interface MasksSpec {
  entries: Array<{ layer: number | 'unknown' | 'flatten' | '__proto__'; entry: MaskEntry }>;
  whole?: unknown;
}

const masksSpecArb = (): fc.Arbitrary<MasksSpec> =>
  fc.oneof(
    {
      arbitrary: fc
        .record(
          {
            entries: fc.array(
              fc.record(
                {
                  layer: fc.oneof(
                    { arbitrary: fc.nat(2), weight: 8 },
                    { arbitrary: fc.constantFrom<'unknown' | 'flatten' | '__proto__'>('unknown', 'flatten', '__proto__'), weight: 1 },
                  ),
                  entry: maskEntryArb(),
                },
                { noNullPrototype: true },
              ),
              { maxLength: 3 },
            ),
          },
          { noNullPrototype: true },
        )
        .map((s): MasksSpec => s),
      weight: 8,
    },
    {
      arbitrary: fc
        .record(
          { entries: fc.constant([]), whole: fc.constantFrom<unknown>(null, undefined, 'x', [], [[true]], 3) },
          { noNullPrototype: true },
        )
        .map((s): MasksSpec => ({ entries: [], whole: s.whole })),
      weight: 1,
    },
  );

function buildMasks(spec: MasksSpec, model: tf.LayersModel): unknown {
  if ('whole' in spec) return spec.whole;
  const layers = unitsOf(model);
  const out: Record<string, unknown> = {};
  for (const { layer, entry } of spec.entries) {
    const name =
      typeof layer === 'number'
        ? layers[layer % layers.length].name
        : layer === 'flatten'
          ? (model.layers.find((l) => l.getClassName() === 'Flatten')?.name ?? 'flatten')
          : layer;
    const units = typeof layer === 'number' ? layers[layer % layers.length].units : 3;
    if (entry.kind === 'junk') {
      out[name] = entry.value;
      continue;
    }
    const n = entry.length === 'exact' ? units : entry.length === 'short' ? units - 1 : units + 1;
    const flags = Array.from({ length: n }, (_, i) =>
      entry.pattern === 'keep-all' ? true : entry.pattern === 'drop-all' ? false : entry.pattern === 'drop-first' ? i > 0 : i % 2 === 0,
    );
    out[name] = flags.map((f, i) =>
      entry.as === 'number' ? Number(f) : entry.as === 'string' ? String(f) : entry.as === 'mixed' && i === 0 ? (f ? 1 : 0) : f,
    );
  }
  return out;
}

/** The model's weights as plain arrays (to check that nothing modified them). */
const snapshot = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

describe(`fuzz @spam/structured (seed ${SEED})`, () => {
  fuzz(
    'unitScores / magnitudeUnitScores / randomUnitScores: aggregate, seed, disposed and foreign scores',
    fc.record(
      {
        name: zooName(),
        aggregate: optionOf(fc.constantFrom('sum', 'mean', 'l2'), badLiteral()),
        seed: optionOf(goodSeed(), badSeed()),
        scores: fc.constantFrom('fresh', 'disposed', 'junk'),
      },
      { noNullPrototype: true },
    ),
    async ({ name, aggregate, seed, scores }) => {
      const z = zoo(name);
      const element = scores === 'junk' ? null : magnitudeScores(z.model);
      if (scores === 'disposed') element?.dispose();
      const checkUnits = (u: UnitScores) => assertFiniteDeep(u.scores, 'unit scores');
      try {
        await expectSafe(
          `unitScores(${scores} magnitude scores of ${name}, ${show({ aggregate })})`,
          () => unitScores((element ?? { criterion: 'x' }) as never, { aggregate } as never),
          { onSuccess: checkUnits },
        );
        await expectSafe(`magnitudeUnitScores(${name})`, () => magnitudeUnitScores(z.model), { onSuccess: checkUnits });
        await expectSafe(`randomUnitScores(${name}, ${show({ seed })})`, () => randomUnitScores(z.model, { seed } as never), {
          onSuccess: checkUnits,
        });
      } finally {
        element?.dispose();
        z.model.dispose();
      }
    },
    { numRuns: 40 },
  );

  fuzz(
    'unitMasks: fraction, scope, minUnits, malformed unit scores (NaN, empty, missing layers)',
    fc.record(
      {
        name: zooName(),
        options: optionsArb({
          fraction: {
            good: fc.constantFrom(0, 0.25, 0.5, 1),
            bad: fc.constantFrom<unknown>(-0.1, 1.5, NaN, Infinity, ...WRONG_TYPES),
            required: true,
          },
          scope: { good: fc.constantFrom('layer', 'global'), bad: badLiteral() },
          minUnits: { good: fc.integer({ min: 1, max: 3 }), bad: badCount() },
        }),
        corrupt: fc.constantFrom('none', 'none', 'none', 'none', 'nan', 'inf', 'empty-layer', 'no-layers', 'negative', 'junk'),
      },
      { noNullPrototype: true },
    ),
    async ({ name, options: { fraction, scope, minUnits }, corrupt }) => {
      const z = zoo(name);
      try {
        const u = magnitudeUnitScores(z.model);
        const first = u.layers[0];
        const scores = { ...u.scores };
        if (corrupt === 'nan') scores[first] = scores[first].map((v, i) => (i === 0 ? NaN : v));
        if (corrupt === 'inf') scores[first] = scores[first].map(() => Infinity);
        if (corrupt === 'negative') scores[first] = scores[first].map((v) => -v);
        if (corrupt === 'empty-layer') scores[first] = new Float32Array(0);
        const input = corrupt === 'junk' ? 'x' : corrupt === 'no-layers' ? { ...u, layers: [], scores: {} } : { ...u, scores };
        await expectSafe(
          `unitMasks(${name} magnitude unit scores, ${corrupt}, ${show({ fraction, scope, minUnits })})`,
          () => unitMasks(input as never, { fraction, scope, minUnits } as never),
          {
            onSuccess: (m) => {
              for (const [layer, flags] of Object.entries(m)) {
                expect(
                  flags.every((f) => typeof f === 'boolean'),
                  `mask of ${layer}`,
                ).toBe(true);
                expect(
                  flags.some((f) => f),
                  `unitMasks removed every unit of ${layer}`,
                ).toBe(true);
              }
            },
          },
        );
      } finally {
        z.model.dispose();
      }
    },
    { numRuns: 50 },
  );

  fuzz(
    'pruneUnits / maskUnits: random masks (0/1 numbers, strings, wrong lengths, unknown layers); the smaller model predicts finitely',
    zooName().chain((name) => fc.tuple(fc.constant(name), masksSpecArb())),
    async ([name, spec]) => {
      const z = zoo(name);
      const masks = buildMasks(spec, z.model);
      const before = snapshot(z.model);
      const x = tf.randomNormal([2, ...ZOO_META[name].row], 0, 1, 'float32', 3);
      const checkModel = (m: tf.LayersModel) => {
        expect(m).not.toBe(z.model);
        tf.tidy(() => assertFiniteDeep(m.predict(x) as tf.Tensor, 'smaller model output'));
        assertFiniteDeep({ params: countParams(m), macs: countMacs(m) }, 'cost');
      };
      try {
        for (const [label, fn] of [
          ['pruneUnits', pruneUnits],
          ['maskUnits', maskUnits],
        ] as const) {
          await expectSafe(`${label}(${name}, ${show(masks)})`, () => fn(z.model, masks as never), {
            onSuccess: checkModel,
            release: (m) => void m.dispose(),
          });
          expect(snapshot(z.model), `${label} modified the input model`).toEqual(before);
        }
      } finally {
        x.dispose();
        z.model.dispose();
      }
    },
    { numRuns: 60 },
  );

  fuzz(
    'pruneUnits / unitScores / cost functions on refused and junk models',
    fc.oneof(badModelName(), fc.nat(NOT_MODELS.length - 1)),
    async (which) => {
      const bad = typeof which === 'string' ? badModel(which) : { model: NOT_MODELS[which] as tf.LayersModel, dispose: () => undefined };
      try {
        await expectSafe(`pruneUnits(${show(which)}, {})`, () => pruneUnits(bad.model, {}), {
          onSuccess: () => undefined,
          release: (m) => void m.dispose(),
        });
        await expectSafe(`magnitudeUnitScores(${show(which)})`, () => magnitudeUnitScores(bad.model));
        await expectSafe(`countParams(${show(which)})`, () => countParams(bad.model));
        await expectSafe(`countMacs(${show(which)})`, () => countMacs(bad.model));
        await expectSafe(`layerCosts(${show(which)})`, () => layerCosts(bad.model));
      } finally {
        bad.dispose();
      }
    },
    { numRuns: 30 },
  );
});
