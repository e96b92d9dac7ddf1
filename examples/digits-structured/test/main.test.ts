import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { countMacs, countParams, maskUnits, pruneUnits, randomUnitScores, unitMasks } from '@spam/structured';
import type { BackendName } from '@spam/harness';
import {
  buildDigitsLeNet,
  digitsSplit,
  loadDigits,
  loadDigitsCsv,
  maxAbsDiff,
  modelBytes,
  parseCli,
  resolveSchedule,
  run,
  SCHEDULES,
} from '../src/main.js';

const backend = (process.env.SPAM_TEST_BACKEND ?? 'wasm') as BackendName;

describe('digits-structured example: data', () => {
  it('loads the 1,797 vendored digits and splits them 1,437 / 360, stratified and disjoint', () => {
    const before = tf.memory().numTensors;
    const raw = loadDigitsCsv();
    expect(raw.n).toBe(1797);
    expect(Math.min(...raw.images)).toBe(0);
    expect(Math.max(...raw.images)).toBe(1);
    const split = digitsSplit(raw.labels);
    expect(split.train).toHaveLength(1437);
    expect(split.test).toHaveLength(360);
    expect(new Set([...split.train, ...split.test]).size).toBe(1797);
    expect(digitsSplit(raw.labels)).toEqual(split); // fixed
    const counts = (idx: number[]) => {
      const c = new Array(10).fill(0);
      for (const i of idx) c[raw.labels[i]]++;
      return c;
    };
    const all = counts([...split.train, ...split.test]);
    // Stratified: each class's test share is within one image of 360/1797 of its count.
    counts(split.test).forEach((t, c) => expect(Math.abs(t - (all[c] * 360) / 1797)).toBeLessThan(1));
    const d = loadDigits();
    try {
      expect(d.xTrain.shape).toEqual([1437, 8, 8, 1]);
      expect(d.xTest.shape).toEqual([360, 8, 8, 1]);
      expect(d.yTest.dtype).toBe('int32');
    } finally {
      d.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('digits-structured example: removal', () => {
  it('the pruned LeNet computes what the unit-masked LeNet computes, is smaller, and saves fewer bytes', async () => {
    const before = tf.memory().numTensors;
    const d = loadDigits({ trainSize: 8, testSize: 64 });
    const model = buildDigitsLeNet(3);
    try {
      const masks = unitMasks(randomUnitScores(model, { seed: 7 }), { sparsity: 0.5 });
      expect(masks.logits.every(Boolean)).toBe(true);
      expect(masks.conv1.filter((k) => !k)).toHaveLength(8);
      const pruned = pruneUnits(model, masks);
      const masked = maskUnits(model, masks);
      try {
        expect(maxAbsDiff(pruned, masked, d.xTest)).toBeLessThanOrEqual(1e-5);
        expect(countParams(pruned)).toBeLessThan(countParams(model));
        expect(countMacs(pruned)).toBeLessThan(countMacs(model));
        // conv1 8·1·9·64 + conv2 16·8·9·16 + fc1 (2·2·16)·32 + logits 32·10
        expect(countMacs(pruned)).toBe(8 * 9 * 64 + 16 * 8 * 9 * 16 + 64 * 32 + 32 * 10);
        expect(await modelBytes(pruned)).toBeLessThan(await modelBytes(model));
      } finally {
        pruned.dispose();
        masked.dispose();
      }
    } finally {
      model.dispose();
      d.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('digits-structured example: run', () => {
  it('trains, prunes, fine-tunes and measures every training × criterion × fraction without leaking', async () => {
    const fractions = [0.5, 0.9];
    const summary = await run({
      backend,
      log: false,
      trainSize: 128,
      testSize: 60,
      epochs: 1,
      marglikEvery: 1,
      hyperSteps: 2,
      fractions,
      finetuneEpochs: 1,
      latencyRepeats: 2,
    });
    expect(summary.tensorsLeaked).toBe(0);
    expect(summary.rows.map((r) => r.name)).toEqual(['map', 'kron+parameterwise']);
    const { dense, levels } = summary;
    expect(dense.macs).toBe(16 * 9 * 64 + 32 * 16 * 9 * 16 + 128 * 64 + 64 * 10);
    expect(dense.params).toBe(13706);
    expect([...levels.keys()].sort()).toEqual(fractions);
    // Cost falls with the fraction; latency is measured (a positive number).
    let prev = dense;
    for (const f of fractions) {
      const c = levels.get(f)!;
      expect(c.macs).toBeLessThan(prev.macs);
      expect(c.params).toBeLessThan(prev.params);
      expect(c.bytes).toBeLessThan(prev.bytes);
      expect(c.latencyMs).toBeGreaterThan(0);
      prev = c;
    }
    expect(dense.latencyMs).toBeGreaterThan(0);
    expect(levels.get(0.9)!.units).toEqual({ conv1: 2, conv2: 4, fc1: 7, logits: 10 });
    for (const r of summary.rows) {
      expect(r.sweep).toHaveLength(3 * fractions.length);
      for (const p of r.sweep) {
        expect(p.maxAbsDiff).toBeLessThanOrEqual(1e-5);
        expect(p.macs).toBe(levels.get(p.fraction)!.macs);
        for (const m of [p.oneShot, p.finetuned!]) {
          expect(m.accuracy).toBeGreaterThanOrEqual(0);
          expect(m.accuracy).toBeLessThanOrEqual(1);
          expect(Number.isFinite(m.nll)).toBe(true);
        }
      }
    }
    // JSON rows: per training, the dense net + criteria × fractions.
    expect(summary.results).toHaveLength(2 * (1 + 3 * fractions.length));
    for (const row of summary.results) {
      expect(Object.keys(row)).toEqual(
        expect.arrayContaining(['training', 'criterion', 'unitFraction', 'params', 'macs', 'bytes', 'latencyMs', 'accuracy']),
      );
      if (row.unitFraction > 0) expect(row.accuracyFinetuned).toBeGreaterThanOrEqual(0);
    }
  }, 300_000);
});

describe('digits-structured example: command line', () => {
  it('parses flags and rejects bad ones with the valid values', () => {
    expect(parseCli(['--help'])).toBe('help');
    const o = parseCli([
      '--quick',
      '--criteria',
      'opd,random',
      '--fractions',
      '0.5,0.9',
      '--only',
      'map',
      '--finetune',
      '0',
      '--out',
      'x.json',
    ]);
    expect(o).toMatchObject({
      quick: true,
      criteria: ['opd', 'random'],
      fractions: [0.5, 0.9],
      trainings: ['map'],
      finetuneEpochs: 0,
      out: 'x.json',
    });
    expect(parseCli(['--latency-repeats', '3', '--epochs', '4', '--seed', '2'])).toMatchObject({ latencyRepeats: 3, epochs: 4, seed: 2 });
    expect(() => parseCli(['--fractions', '1'])).toThrow(/\(0, 1\)/);
    expect(() => parseCli(['--fractions', '0'])).toThrow(/\(0, 1\)/);
    expect(() => parseCli(['--fractions', 'a'])).toThrow(/\(0, 1\)/);
    expect(() => parseCli(['--finetune=-1'])).toThrow(/--finetune must be an integer >= 0/);
    expect(() => parseCli(['--finetune', '1.5'])).toThrow(/--finetune/);
    expect(() => parseCli(['--backend', 'webgl'])).toThrow(/wasm or cpu/);
    expect(() => parseCli(['--nope'])).toThrow();
    expect(() => parseCli(['extra'])).toThrow();
    expect(() => resolveSchedule({ criteria: ['snip'] })).toThrow(/valid: opd, magnitude, random/);
    expect(() => resolveSchedule({ trainings: ['nope'] })).toThrow(/valid: map, kron\+parameterwise/);
    expect(() => resolveSchedule({ fractions: [] })).toThrow(/empty/);
    expect(resolveSchedule({}).schedule).toMatchObject({
      batchSize: 64,
      lr: 1e-3,
      finetuneEpochs: SCHEDULES.default.finetuneEpochs,
      fractions: [0.2, 0.4, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99],
    });
    expect(resolveSchedule({ quick: true, finetuneEpochs: 0 }).schedule.finetuneEpochs).toBe(0);
  });
});
