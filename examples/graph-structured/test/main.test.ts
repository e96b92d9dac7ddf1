import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '@spam/harness';
import { fileSystem } from '@spam/structured/node';
import { dependencyGroups, groupMasks, groupScores, maskUnits, pruneUnits, randomUnitScores } from '@spam/structured';
import { buildGraphModel, loadDigits, parseCli, prunePoint, resolveSchedule, run, trainAndScore } from '../src/main.js';

const backend = (process.env.SPAM_TEST_BACKEND ?? 'wasm') as BackendName;
const dir = mkdtempSync(join(tmpdir(), 'spam-graph-structured-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Small nets so that a whole run takes seconds. */
const small = { resnet: { widths: [4, 8] }, vit: { dim: 16, heads: 4, mlp: 16 } };
/** A one-epoch schedule on 64 digits. */
const tiny = {
  trainSize: 64,
  testSize: 64,
  epochs: 1,
  marglikEvery: 1,
  hyperSteps: 2,
  finetuneEpochs: 1,
  latencyRepeats: 1,
  latencyBatch: 32,
};

/** max |f(x) − g(x)|, computed here (not with the example's helper). */
function maxDiff(a: tf.LayersModel, b: tf.LayersModel, x: tf.Tensor): number {
  const ya = a.predict(x) as tf.Tensor;
  const yb = b.predict(x) as tf.Tensor;
  const va = ya.dataSync();
  const vb = yb.dataSync();
  tf.dispose([ya, yb]);
  expect(va.length).toBe(vb.length);
  let m = 0;
  for (let i = 0; i < va.length; i++) m = Math.max(m, Math.abs(va[i] - vb[i]));
  return m;
}

describe('graph-structured example: schedule and flags', () => {
  it('defaults, --long and bad flags', () => {
    const { name, schedule } = resolveSchedule();
    expect(name).toBe('default');
    expect(schedule.models).toEqual(['resnet', 'vit']);
    expect(schedule.sparsities).toContain(0.5);
    expect(resolveSchedule({ long: true }).schedule.trainSize).toBe(8000);
    expect(resolveSchedule({ models: ['vit'], finetuneEpochs: 0 }).schedule).toMatchObject({ models: ['vit'], finetuneEpochs: 0 });
    expect(() => resolveSchedule({ models: ['mixer'] })).toThrow(/valid: resnet, vit/);
    expect(() => resolveSchedule({ sparsities: [0] })).toThrow(/\(0, 1\)/);
    expect(() => resolveSchedule({ latencyBatch: 0 })).toThrow(/latencyBatch/);
    expect(parseCli(['--models', 'vit', '--finetune', '3', '--sparsities', '0.5'])).toMatchObject({
      models: ['vit'],
      finetuneEpochs: 3,
      sparsities: [0.5],
    });
    expect(() => parseCli(['--sparsities', '0.5,1'])).toThrow(/fractions/);
    expect(() => parseCli(['--finetune', '-1'])).toThrow(/finetune/);
    expect(parseCli(['--help'])).toBe('help');
  });
});

describe('graph-structured example: removal on real digits', () => {
  it('the ViT has head groups and prunable MLP units; the ResNet couples its residual stream', () => {
    const vit = buildGraphModel('vit', 1, small);
    const resnet = buildGraphModel('resnet', 1, small);
    try {
      const heads = dependencyGroups(vit).filter((g) => g.kind === 'head' && g.prunable);
      expect(heads).toHaveLength(4);
      // A head takes its q, k and v units together.
      expect(new Set(heads[0].units.map((u) => u.layer))).toEqual(new Set(['head0_q', 'head0_k', 'head0_v']));
      expect(dependencyGroups(vit).some((g) => g.prunable && g.units.some((u) => u.layer === 'mlp_fc1'))).toBe(true);
      // The residual stream of block 2: conv2 and the 1×1 shortcut lose a channel together.
      const stream = dependencyGroups(resnet).filter((g) => g.prunable && g.units.some((u) => u.layer === 'block2_conv2'));
      expect(stream.length).toBe(8);
      expect(stream.every((g) => g.units.some((u) => u.layer === 'block2_short_conv'))).toBe(true);
    } finally {
      vit.dispose();
      resnet.dispose();
    }
  });

  for (const name of ['resnet', 'vit'] as const) {
    it(`${name}: pruned == masked, reloaded == in-memory, smaller, no leaked tensor`, async () => {
      const s = resolveSchedule({ ...tiny, models: [name] }).schedule;
      const before = tf.memory().numTensors;
      const data = loadDigits(64, 64);
      const trained = await trainAndScore(name, data, s, 1, small);
      try {
        // Removal on its own: pruned vs masked on real digits, computed here.
        for (const scores of [trained.scores.opd, randomUnitScores(trained.model, { seed: 7 })]) {
          const masks = groupMasks(groupScores(trained.model, scores), { sparsity: 0.5 });
          const pruned = pruneUnits(trained.model, masks);
          const masked = maskUnits(trained.model, masks);
          expect(maxDiff(pruned, masked, data.xTest)).toBeLessThanOrEqual(1e-5);
          expect(pruned.countParams()).toBeLessThan(trained.model.countParams());
          pruned.dispose();
          masked.dispose();
        }
        // The example's whole point: saved and reloaded from disk.
        const { model: inMemory, ...p } = await prunePoint(trained.model, trained.scores.opd, 0.5, data, s, 1, dir, { keepModel: true });
        expect(statSync(join(p.savedTo, 'model.json')).isFile()).toBe(true);
        expect(statSync(join(p.savedTo, 'weights.bin')).size).toBe(p.bytes);
        expect(p.maskedDelta).toBeLessThanOrEqual(1e-5);
        expect(p.reloadDelta).toBeLessThanOrEqual(1e-6);
        expect(p.params).toBeLessThan(trained.model.countParams());
        expect(p.removed.channels + p.removed.heads).toBeGreaterThan(0);
        if (name === 'vit') expect(p.removed.heads).toBe(2);
        // An independent reload of the saved files predicts as the fine-tuned in-memory net.
        const again = await tf.loadLayersModel(fileSystem(p.savedTo));
        expect(again.countParams()).toBe(p.params);
        expect(maxDiff(again, inMemory!, data.xTest)).toBeLessThanOrEqual(1e-6);
        // Fine-tuning changed the net: it no longer predicts as the freshly pruned one.
        const fresh = pruneUnits(trained.model, groupMasks(groupScores(trained.model, trained.scores.opd), { sparsity: 0.5 }));
        expect(maxDiff(fresh, inMemory!, data.xTest)).toBeGreaterThan(1e-4);
        for (const m of [again, inMemory!, fresh]) m.dispose();
      } finally {
        trained.model.dispose();
        data.dispose();
      }
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('run: both models, a table row per point, MACs strictly smaller, checks pass, no leak', async () => {
    const lines: string[] = [];
    const summary = await run({
      ...tiny,
      ...small,
      backend,
      sparsities: [0.5],
      saveDir: dir,
      log: (l) => lines.push(l),
      progress: false,
    });
    expect(summary.rows.map((r) => r.model)).toEqual(['resnet', 'vit']);
    for (const r of summary.rows) {
      expect(r.points.map((p) => p.criterion)).toEqual(['opd', 'random']);
      for (const p of r.points) {
        expect(p.macs).toBeLessThan(r.dense.macs);
        expect(p.params).toBeLessThan(r.dense.params);
        expect(p.latencyMs).toBeGreaterThan(0);
      }
    }
    expect(summary.checkFailures).toEqual([]);
    expect(summary.tensorsLeaked).toBe(0);
    expect(lines.some((l) => l.includes('speedup/MACs÷'))).toBe(true);
  });
});
