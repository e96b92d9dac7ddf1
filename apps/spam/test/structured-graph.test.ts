import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidOptionError } from '@spam/core';
import { buildResnet, buildVit } from '@spam/harness';
import { magnitudeUnitScores, randomUnitScores } from '@spam/structured';
import { parseCli, runSpam, type RunConfig } from '../src/main.js';
import { checkStructuredConfig, isChainModel } from '../src/structured-stage.js';
import { groupStructuredProtocol } from '../src/structured-graph.js';
import type { StructuredRow } from '../src/types.js';

const backend = (process.env.SPAM_TEST_BACKEND ?? 'wasm') as 'wasm' | 'cpu';

describe('spam structured stage on graph models (dependency groups)', () => {
  it('refuses bad structured settings with an InvalidOptionError naming the flag', () => {
    const ok = { unitCriteria: ['opd', 'random'], unitFractions: [0.5], finetuneEpochs: 1 };
    expect(() => checkStructuredConfig(ok)).not.toThrow();
    const cases: Array<[Partial<typeof ok> & Record<string, unknown>, RegExp]> = [
      [{ unitCriteria: ['opd', 'snip'] }, /--unit-criteria: unknown unit criterion 'snip'; valid: opd, magnitude, random/],
      [{ unitCriteria: [] }, /--unit-criteria needs at least one/],
      [{ unitFractions: [0.5, 1] }, /--unit-fractions: 1 is not a fraction in \[0, 1\)/],
      [{ unitFractions: [Number.NaN] }, /--unit-fractions: NaN/],
      [{ finetuneEpochs: -1 }, /--finetune-epochs must be an integer ≥ 0/],
      [{ finetuneEpochs: 1.5 }, /--finetune-epochs/],
    ];
    for (const [patch, re] of cases) {
      const cfg = { ...ok, ...patch };
      expect(() => checkStructuredConfig(cfg)).toThrow(InvalidOptionError);
      expect(() => checkStructuredConfig(cfg)).toThrow(re);
    }
  });

  it('tells chains from graphs', () => {
    const chain = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [3], units: 4, activation: 'relu' }), tf.layers.dense({ units: 2 })],
    });
    const resnet = buildResnet({ inputShape: [8, 8, 1], widths: [4], classes: 3, seed: 1 });
    expect(isChainModel(chain)).toBe(true);
    expect(isChainModel(resnet)).toBe(false);
    chain.dispose();
    resnet.dispose();
  });

  it('groupStructuredProtocol on a tiny ViT removes heads and MLP units, never the residual stream; bad fractions are refused before any model is built; no leaks', async () => {
    const m = buildVit({ inputShape: [8, 8, 1], patch: 4, dim: 8, heads: 4, mlp: 8, classes: 3, seed: 2 });
    const xs = tf.randomNormal([16, 8, 8, 1], 0, 1, 'float32', 4);
    const ys = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0], 'int32');
    const n0 = tf.memory().numTensors;
    const base = { scores: { random: randomUnitScores(m, { seed: 5 }) }, test: { xs, ys }, train: { xs, ys }, latencyRepeats: 0 };
    await expect(groupStructuredProtocol(m, { ...base, fractions: [0.5, 1] })).rejects.toThrow(InvalidOptionError);
    await expect(groupStructuredProtocol(m, { ...base, fractions: [] })).rejects.toThrow(/fractions must be a non-empty array/);
    const rows = await groupStructuredProtocol(m, { ...base, fractions: [0.5, 0.75], fineTune: { epochs: 1, batchSize: 8 } });
    expect(rows).toHaveLength(2);
    // 4 heads + 8 MLP units are the prunable groups: ⌊4r⌋ heads and ⌊8r⌋ units go.
    expect(rows.map((r) => r.groupsTotal)).toEqual([12, 12]);
    expect(rows.map((r) => r.groupsRemoved)).toEqual([2 + 4, 3 + 6]);
    expect(rows[1].units.mlp_fc1).toBe(2);
    expect([0, 1, 2, 3].filter((h) => rows[1].units[`head${h}_q`] === 2)).toHaveLength(1); // one head kept, q of width 2
    for (const r of rows) {
      expect(r.units.attn_out).toBe(8); // the LayerNorm-ed residual stream stays
      expect(r.units.patch_embed).toBe(8);
      expect(r.fineTuneLosses).toHaveLength(1);
      expect(r.macs).toBeLessThan(r.macsBefore);
    }
    expect(rows[1].macs).toBeLessThan(rows[0].macs);
    expect(tf.memory().numTensors).toBe(n0);
    tf.dispose([xs, ys]);
    m.dispose();
  });

  it('magnitude group scores rank the whole group: a channel coupled through a residual Add is removed in every member layer', async () => {
    const m = buildResnet({ inputShape: [8, 8, 1], widths: [4, 6], classes: 3, seed: 3 });
    const xs = tf.randomNormal([8, 8, 8, 1], 0, 1, 'float32', 7);
    const ys = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32');
    const [row] = await groupStructuredProtocol(m, {
      scores: { magnitude: magnitudeUnitScores(m) },
      fractions: [0.5],
      test: { xs, ys },
      fineTune: { epochs: 0 },
      latencyRepeats: 0,
    });
    // stem_conv and block1_conv2 share the residual stream of block 1 (identity shortcut): the same count is kept.
    expect(row.units.stem_conv).toBe(2);
    expect(row.units.block1_conv2).toBe(row.units.stem_conv);
    expect(row.units.head).toBe(3);
    expect(row.params).toBeLessThan(row.paramsBefore);
    tf.dispose([xs, ys]);
    m.dispose();
  });

  it('spam --model resnet runs the structured protocol by dependency groups: rows for MAP and SpaM (unit-wise) × opd/magnitude/random, MACs fall with the fraction, smaller models, the report says groups were ranked', async () => {
    const out = mkdtempSync(join(tmpdir(), 'spam-resnet-structured-'));
    const cfg = parseCli([
      '--model',
      'resnet',
      '--dataset',
      'digits',
      '--quick',
      '--train-size',
      '128',
      '--test-size',
      '64',
      '--epochs',
      '1',
      '--hyper-steps',
      '2',
      '--batch-size',
      '32',
      '--trainings',
      'map,kron+unitwise',
      '--criteria',
      'magnitude',
      '--sparsities',
      '0.5',
      '--unit-fractions',
      '0.25,0.5,0.75',
      '--finetune-epochs',
      '1',
      '--out',
      out,
      '--backend',
      backend,
    ]) as RunConfig;
    const lines: string[] = [];
    const before = tf.memory().numTensors;
    const { tensorsLeaked } = await runSpam(cfg, { log: (l) => lines.push(l), progress: false });
    expect(tensorsLeaked).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { partial: boolean; structured: StructuredRow[] };
    expect(json.partial).toBe(false);
    const rows = json.structured;
    expect(rows).toHaveLength(2 * 3 * 3);
    for (const training of ['map', 'spam-kron-unitwise'])
      for (const criterion of ['opd', 'magnitude', 'random']) {
        const mine = rows
          .filter((r) => r.training === training && r.criterion === criterion)
          .sort((a, b) => a.unitFraction - b.unitFraction);
        expect(mine.map((r) => r.unitFraction)).toEqual([0.25, 0.5, 0.75]);
        for (let i = 1; i < mine.length; i++) {
          expect(mine[i].macsAfter).toBeLessThan(mine[i - 1].macsAfter);
          expect(mine[i].paramsAfter).toBeLessThan(mine[i - 1].paramsAfter);
        }
      }
    for (const r of rows) {
      expect(r.selection).toBe('group');
      expect(r.groupsRemoved!).toBeGreaterThan(0);
      expect(r.groupsRemoved!).toBeLessThan(r.groupsTotal!);
      expect(r.macsAfter).toBeLessThan(r.macsBefore);
      expect(r.paramsAfter).toBeLessThan(r.paramsBefore);
      expect(r.bytes).toBe(4 * r.paramsAfter);
      expect(r.fineTuneEpochs).toBe(1);
      expect(r.accuracy!).toBeGreaterThanOrEqual(0);
      expect(r.accuracy!).toBeLessThanOrEqual(1);
      expect(Number.isFinite(r.nll)).toBe(true);
    }
    const log = lines.join('\n');
    expect(log).not.toMatch(/structured removal skipped/);
    expect(log).toMatch(/structured: dependency groups/);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toMatch(/### Structured removal/);
    expect(md).toMatch(/groups were ranked by the sum of their member unit scores/);
    expect(md).toMatch(/fine-tuned for 1 epoch\(s\) after removal/);
  }, 300_000);
});
