/**
 * Fuzz @spam/priors: the factories with every precision option, `priorFromJSON` with mutated and
 * corrupted JSON (missing fields, null blocks, wrong types, unrepresentable log δ, path-like
 * names), and the prior methods with random parameter lists — success with finite, positive
 * precisions or a SpamError, no tensor left behind, also after `dispose()`.
 */
import { describe, expect } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import {
  createPrior,
  initialLogPrecision,
  layerwisePrior,
  parameterwisePrior,
  priorFromJSON,
  scalarPrior,
  unitwisePrior,
  type Prior,
  type PriorJSON,
  type PriorStructure,
} from '@spam/priors';
import { assertFiniteDeep, expectSafe, fuzz, SEED, show } from './harness.js';
import { badLiteral, badScale, goodScale, inputSpec, optionOf, WRONG_TYPES } from './arbitraries.js';
import { buildTensor } from './build.js';
import { badModel, badModelName, NOT_MODELS, zoo, zooName, type ZooName } from './models.js';
import { applyMutations, corruptBytes, mutationsArb, textCorruptionArb } from './json-mutations.js';

const STRUCTURES: readonly PriorStructure[] = ['scalar', 'layerwise', 'unitwise', 'parameterwise'];
const FACTORIES = { scalar: scalarPrior, layerwise: layerwisePrior, unitwise: unitwisePrior, parameterwise: parameterwisePrior } as const;
const structureArb = () => fc.constantFrom(...STRUCTURES);

/** A prior that came back: δ finite and > 0, log det and summary finite; disposes it. */
function checkPrior(prior: Prior): void {
  tf.tidy(() => {
    const d = prior.precision().dataSync();
    const bad = d.findIndex((x) => !(Number.isFinite(x) && x > 0));
    if (bad >= 0)
      throw new Error(`prior.precision()[${bad}] = ${d[bad]}: a prior was created with a precision that is not a positive float32`);
    assertFiniteDeep(prior.logDet(), 'prior.logDet()');
  });
  assertFiniteDeep(prior.summary(), 'prior.summary()');
}

describe(`fuzz @spam/priors (seed ${SEED})`, () => {
  fuzz(
    'createPrior / the four factories / initialLogPrecision: every structure and precision',
    fc.record(
      {
        name: zooName(),
        structure: optionOf(structureArb(), badLiteral()),
        precision: optionOf(goodScale(), badScale()),
        options: fc.constantFrom<unknown>('object', undefined, null, 'str', 5),
      },
      { noNullPrototype: true },
    ),
    async ({ name, structure, precision, options }) => {
      const z = zoo(name);
      const opts = options === 'object' ? { precision } : options;
      try {
        await expectSafe(`initialLogPrecision(${show(opts)})`, () => initialLogPrecision(opts as never), {
          onSuccess: (l) =>
            expect(Number.isFinite(l) && Number.isFinite(Math.fround(Math.exp(l))) && Math.fround(Math.exp(l)) > 0, `log δ₀ = ${l}`).toBe(
              true,
            ),
        });
        await expectSafe(
          `createPrior(${name}, ${show(structure)}, ${show(opts)})`,
          () => createPrior(z.model, structure as PriorStructure, opts as never),
          {
            onSuccess: checkPrior,
            release: (p) => p.dispose(),
          },
        );
        const factory = FACTORIES[(STRUCTURES.includes(structure as PriorStructure) ? structure : 'unitwise') as PriorStructure];
        await expectSafe(`${factory.name}(${name}, ${show(opts)})`, () => factory(z.model, opts as never), {
          onSuccess: checkPrior,
          release: (p) => p.dispose(),
        });
      } finally {
        z.model.dispose();
      }
    },
    { numRuns: 60 },
  );

  fuzz(
    'createPrior: refused and junk models',
    fc.tuple(fc.oneof(badModelName(), fc.nat(NOT_MODELS.length - 1)), structureArb()),
    async ([which, structure]) => {
      const bad = typeof which === 'string' ? badModel(which) : { model: NOT_MODELS[which], dispose: () => undefined };
      try {
        await expectSafe(`createPrior(${show(which)}, ${structure})`, () => createPrior(bad.model as tf.LayersModel, structure), {
          onSuccess: checkPrior,
          release: (p) => p.dispose(),
        });
      } finally {
        bad.dispose();
      }
    },
    { numRuns: 30 },
  );

  fuzz(
    'priorFromJSON: mutated JSON (missing fields, null blocks, wrong types, log δ = 1000, path-like names)',
    fc.record(
      {
        name: zooName(),
        structure: structureArb(),
        target: fc.constantFrom<ZooName | 'same'>('same', 'same', 'same', 'mlp-cls', 'cnn-cls'),
        mutations: mutationsArb(),
        where: fc.constantFrom('anywhere', 'logPrecisions', 'params'),
        ignoreNames: fc.constantFrom<unknown>(undefined, true, false, 'yes', null),
      },
      { noNullPrototype: true },
    ),
    async ({ name, structure, target, mutations, where, ignoreNames }) => {
      const source = zoo(name);
      const p = createPrior(source.model, structure, { precision: 0.7 });
      const json = p.toJSON();
      p.dispose();
      const dst = target === 'same' ? source : zoo(target);
      const mutated = applyMutations(json, mutations, where === 'anywhere' ? undefined : (p) => p[0] === where && p.length > 1);
      try {
        await expectSafe(
          `priorFromJSON(${target === 'same' ? name : target}, ${structure} JSON of ${name} with ${show(mutations)} in ${where}, ignoreNames ${show(ignoreNames)})`,
          () => priorFromJSON(dst.model, mutated, { ignoreNames: ignoreNames as boolean }),
          { onSuccess: checkPrior, release: (p) => p.dispose() },
        );
      } finally {
        source.model.dispose();
        if (dst !== source) dst.model.dispose();
      }
    },
    { numRuns: 80 },
  );

  fuzz(
    'priorFromJSON: truncated / bit-flipped JSON text that still parses, and junk documents',
    fc.record(
      {
        name: zooName(),
        structure: structureArb(),
        corruption: textCorruptionArb(),
        junk: fc.oneof(
          { arbitrary: fc.constant(undefined), weight: 4 },
          {
            arbitrary: fc.constantFrom<unknown>(
              ...WRONG_TYPES,
              { format: 'spam-prior' },
              { format: 'spam-prior', structure: 'scalar' },
              { format: 'spam-prior', structure: 'scalar', params: null },
            ),
            weight: 1,
          },
        ),
      },
      { noNullPrototype: true },
    ),
    async ({ name, structure, corruption, junk }) => {
      const z = zoo(name);
      try {
        let doc: unknown = junk;
        if (junk === undefined) {
          const p = createPrior(z.model, structure, { precision: 2 });
          const text = JSON.stringify(p.toJSON());
          p.dispose();
          try {
            doc = JSON.parse(new TextDecoder().decode(corruptBytes(new TextEncoder().encode(text), corruption)));
          } catch {
            return; // the caller's JSON.parse failed: nothing reaches SpaM
          }
        }
        await expectSafe(
          `priorFromJSON(${name}, ${show(junk ?? corruption)} of a ${structure} JSON)`,
          () => priorFromJSON(z.model, doc as PriorJSON),
          {
            onSuccess: checkPrior,
            release: (p) => p.dispose(),
          },
        );
      } finally {
        z.model.dispose();
      }
    },
    { numRuns: 80 },
  );

  fuzz(
    'prior methods: penalty, penaltyGradients, assignLogPrecisions with random tensor lists',
    fc.record(
      {
        name: zooName(),
        structure: structureArb(),
        method: fc.constantFrom('penalty', 'penaltyGradients', 'assignLogPrecisions'),
        drop: fc.constantFrom(0, 0, 0, 1, -1),
        replace: fc.option(fc.tuple(fc.nat(20), inputSpec([2])), { nil: undefined }),
      },
      { noNullPrototype: true },
    ),
    async ({ name, structure, method, drop, replace }) => {
      const z = zoo(name);
      const prior = createPrior(z.model, structure);
      const shapes = method === 'assignLogPrecisions' ? prior.variables.map((v) => v.shape) : prior.params.map((p) => p.shape);
      const list = tf.tidy(() => shapes.map((s, i) => tf.mul(tf.ones(s), 0.1 * (i + 1))));
      if (drop === 1) list.pop()?.dispose();
      if (drop === -1) list.push(tf.ones([2]));
      if (replace && list.length > 0) {
        const i = replace[0] % list.length;
        list[i].dispose();
        list[i] = buildTensor(replace[1]);
      }
      const finiteIn = !replace || ['normal', 'zeros', 'ones', 'tiny'].includes(replace[1].fill);
      try {
        await expectSafe(
          `prior.${method}(${structure} of ${name}; drop ${drop}; replace ${show(replace)})`,
          () => {
            if (method === 'penalty') return [prior.penalty(list)];
            if (method === 'penaltyGradients') return prior.penaltyGradients(list);
            prior.assignLogPrecisions(list);
            return [];
          },
          {
            onSuccess: (out) => {
              if (finiteIn) assertFiniteDeep(out, method);
              if (method === 'assignLogPrecisions' && finiteIn) checkPrior(prior);
            },
            release: (out) => tf.dispose(out),
          },
        );
      } finally {
        tf.dispose(list);
        prior.dispose();
        z.model.dispose();
      }
    },
    { numRuns: 60 },
  );

  fuzz(
    'a disposed prior: every method raises a SpamError (DisposedError), no tensor left',
    fc.record(
      {
        name: zooName(),
        structure: structureArb(),
        method: fc.constantFrom(
          'precision',
          'precisionBlocks',
          'logPrecisionBlocks',
          'logDet',
          'penalty',
          'penaltyGradients',
          'summary',
          'summaryPerTensor',
          'toJSON',
          'snapshot',
          'dispose',
        ),
      },
      { noNullPrototype: true },
    ),
    async ({ name, structure, method }) => {
      const z = zoo(name);
      const prior = createPrior(z.model, structure);
      const theta = z.model.getWeights();
      prior.dispose();
      try {
        await expectSafe(
          `disposed ${structure} prior.${method}()`,
          () => {
            const p = prior as unknown as Record<string, (...a: unknown[]) => unknown>;
            const out = method === 'penalty' || method === 'penaltyGradients' ? p[method](theta) : p[method]();
            if (method !== 'dispose') throw new Error(`disposed prior.${method}() returned ${show(out)} instead of raising`);
            return out;
          },
          { release: (out) => tf.dispose(out as tf.Tensor) },
        );
      } finally {
        z.model.dispose();
      }
    },
    { numRuns: 30 },
  );
});
