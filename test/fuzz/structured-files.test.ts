/**
 * Fuzz @spam/structured/node `fileSystem(dir)`: saving with path-like file names (traversal,
 * absolute, odd characters) and loading corrupted saves (truncated / bit-flipped / extended
 * model.json and weights.bin, manifests with missing fields and path-like entries). Contract:
 * nothing is written outside `dir`, nothing is read from outside it, a loaded weights buffer has
 * exactly the manifest's byte length, every failure is a SpamError, and no tensor is left behind.
 * (`fileSystem('/proc/x')`, which used to hang, runs in a child process in isolated.test.ts.)
 */
import { afterAll, describe, expect } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileSystem } from '@spam/structured/node';
import { expectSafe, fuzz, SEED, show } from './harness.js';
import { pathLikeName } from './arbitraries.js';
import { zoo, zooName } from './models.js';
import { sandbox, strayChanges } from './sandbox.js';
import { applyMutations, corruptBytes, mutationsArb, pathsNamed, textCorruptionArb, REPLACEMENTS } from './json-mutations.js';

const box = sandbox();
afterAll(() => box.remove());

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, float16: 2, complex64: 8 };

/** Bytes a manifest's weight specs describe. */
function manifestBytes(specs: tf.io.WeightsManifestEntry[] | undefined): number {
  return (specs ?? []).reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1) * (BYTES[s.quantization?.dtype ?? s.dtype] ?? 4), 0);
}

/** Bytes of a tfjs WeightData (one buffer or a list). */
function weightBytes(data: tf.io.ModelArtifacts['weightData']): number {
  if (data === undefined) return 0;
  return Array.isArray(data) ? data.reduce((a, b) => a + b.byteLength, 0) : data.byteLength;
}

/** Saves a zoo model into the (emptied) target with the default names. */
async function saveGood(name: Parameters<typeof zoo>[0]): Promise<void> {
  box.resetTarget();
  const z = zoo(name);
  try {
    await z.model.save(fileSystem(box.target));
  } finally {
    z.model.dispose();
  }
}

describe(`fuzz @spam/structured/node fileSystem (seed ${SEED})`, () => {
  fuzz(
    'save with path-like modelFile / weightsFile: no write outside dir; saved files load back',
    fc.record(
      {
        name: zooName(),
        modelFile: fc.option(pathLikeName(join(box.deep, 'abs')), { nil: undefined }),
        weightsFile: fc.option(pathLikeName(join(box.deep, 'abs')), { nil: undefined }),
        sub: fc.constantFrom('', 'nested/deeper', '../target'),
      },
      { noNullPrototype: true },
    ),
    async ({ name, modelFile, weightsFile, sub }) => {
      box.resetTarget();
      const dir = sub === '' ? box.target : join(box.target, sub);
      const z = zoo(name);
      const before = box.outside();
      try {
        const saved = await expectSafe(
          `model.save(fileSystem(${show(sub || 'target')}, ${show({ modelFile, weightsFile })}))`,
          () => z.model.save(fileSystem(dir, { modelFile, weightsFile })),
          { onSuccess: () => undefined },
        );
        const stray = strayChanges(before, box.outside());
        expect(stray, `fileSystem(${show(sub || 'target')}, ${show({ modelFile, weightsFile })}) touched files outside the target`).toEqual(
          [],
        );
        if (saved.ok) {
          await expectSafe(
            `tf.loadLayersModel(fileSystem(${show(sub || 'target')}, ${show({ modelFile, weightsFile })}))`,
            () => tf.loadLayersModel(fileSystem(dir, { modelFile, weightsFile })),
            {
              onSuccess: (m) => expect(m.countParams()).toBe(z.model.countParams()),
              release: (m) => void m.dispose(),
            },
          );
        }
      } finally {
        z.model.dispose();
      }
    },
    { numRuns: 60, budgetMs: 2500 },
  );

  fuzz(
    'load a corrupted model.json (truncated, bit-flipped, appended) or a mutated weights manifest',
    fc.record(
      {
        name: zooName(),
        how: fc.constantFrom('text', 'manifest', 'manifest-paths', 'manifest-paths'),
        corruption: textCorruptionArb(),
        mutations: mutationsArb(),
        pathValue: fc.oneof(fc.constantFrom<unknown>(...REPLACEMENTS), pathLikeName(join(box.deep, 'abs')), fc.constant('SENTINEL')),
      },
      { noNullPrototype: true },
    ),
    async ({ name, how, corruption, mutations, pathValue }) => {
      await saveGood(name);
      const modelPath = join(box.target, 'model.json');
      const text = readFileSync(modelPath);
      const json = JSON.parse(text.toString('utf8')) as tf.io.ModelJSON;
      if (how === 'text') writeFileSync(modelPath, corruptBytes(text, corruption));
      else {
        const value = pathValue === 'SENTINEL' ? '../sentinel/keep.txt' : pathValue;
        const mutated =
          how === 'manifest'
            ? applyMutations(json, mutations, (p) => p[0] === 'weightsManifest')
            : applyMutations(
                json,
                [{ op: 'set', at: mutations[0].at, value }],
                (p) => pathsNamed(json, 'paths').some((q) => q.join('/') === p.slice(0, q.length).join('/')) && p.length > 3,
              );
        writeFileSync(modelPath, JSON.stringify(mutated));
      }
      const manifestNow = (() => {
        try {
          return JSON.parse(readFileSync(modelPath, 'utf8')) as tf.io.ModelJSON;
        } catch {
          return null;
        }
      })();
      const before = box.outside();
      await expectSafe(
        `fileSystem(dir).load() after ${how === 'text' ? show(corruption) : how === 'manifest' ? show(mutations) : `paths[…] = ${show(pathValue)}`} of a ${name} save`,
        () => fileSystem(box.target).load!(),
        {
          onSuccess: (art) => {
            const groups = manifestNow?.weightsManifest ?? [];
            for (const g of groups)
              for (const p of g.paths) expect(box.inside(p), `load() succeeded reading '${p}', outside the directory`).toBe(true);
            const specs = groups.flatMap((g) => g.weights);
            expect(weightBytes(art.weightData), 'loaded weight bytes vs the manifest').toBe(manifestBytes(specs));
          },
        },
      );
      expect(strayChanges(before, box.outside()), 'load() changed files outside the target').toEqual([]);
    },
    { numRuns: 80, budgetMs: 2500 },
  );

  fuzz(
    'tf.loadLayersModel(fileSystem(dir)) with a truncated, extended or bit-flipped weights.bin',
    fc.record(
      {
        name: zooName(),
        corruption: textCorruptionArb(),
      },
      { noNullPrototype: true },
    ),
    async ({ name, corruption }) => {
      await saveGood(name);
      const weightsPath = join(box.target, 'weights.bin');
      const good = readFileSync(weightsPath);
      const bad = corruptBytes(good, corruption);
      writeFileSync(weightsPath, bad);
      await expectSafe(
        `tf.loadLayersModel(fileSystem(dir)) after ${show(corruption)} of a ${name} weights.bin (${good.length} → ${bad.length} bytes)`,
        () => tf.loadLayersModel(fileSystem(box.target)),
        {
          onSuccess: () =>
            expect(bad.length, `a ${bad.length}-byte weights file loaded for a ${good.length}-byte manifest`).toBe(good.length),
          release: (m) => void m.dispose(),
        },
      );
    },
    { numRuns: 50, budgetMs: 2000 },
  );

  fuzz(
    'fileSystem(dir, options) with junk dirs and options: SpamError at creation, save or load',
    fc.record(
      {
        dir: fc.constantFrom<unknown>(null, undefined, 5, {}, [], '', 'relative/never-used', '\u0000'),
        options: fc.constantFrom<unknown>(
          undefined,
          null,
          'x',
          { modelFile: 5 },
          { weightsFile: null },
          { modelFile: 'same', weightsFile: 'same' },
          { modelFile: '' },
        ),
        op: fc.constantFrom('save', 'load'),
      },
      { noNullPrototype: true },
    ),
    async ({ dir, options, op }) => {
      const z = zoo('mlp-cls');
      const before = box.outside();
      try {
        await expectSafe(`fileSystem(${show(dir)}, ${show(options)}).${op}()`, async () => {
          // Relative / empty dirs resolve against the working directory: only probe their creation and a load.
          const handler = fileSystem(dir as string, options as never);
          if (op === 'load' || typeof dir === 'string') return handler.load!().then(() => undefined);
          await z.model.save(handler);
        });
      } finally {
        z.model.dispose();
      }
      expect(strayChanges(before, box.outside())).toEqual([]);
    },
    { numRuns: 30 },
  );
});
