import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_DIR, type BackendName } from '@spam/harness';
import { loadMnist, parseCli, resolveSchedule, run, SCHEDULES } from '../src/main.js';

const backend = (process.env.SPAM_TEST_BACKEND ?? 'wasm') as BackendName;

describe('mnist-unstructured example: data', () => {
  it('loads the fixed 8,000 / 2,000 split with the class counts the split file records', () => {
    const before = tf.memory().numTensors;
    const split = JSON.parse(readFileSync(join(DATA_DIR, 'mnist_split.json'), 'utf8')) as {
      train_class_counts: number[] | Record<string, number>;
      test_class_counts: number[] | Record<string, number>;
    };
    const d = loadMnist();
    try {
      expect(d.xTrain.shape).toEqual([8000, 784]);
      expect(d.xTest.shape).toEqual([2000, 784]);
      const counts = (y: tf.Tensor) => {
        const c = new Array(10).fill(0);
        for (const v of y.dataSync()) c[v]++;
        return c;
      };
      expect(counts(d.yTrain)).toEqual(Object.values(split.train_class_counts));
      expect(counts(d.yTest)).toEqual(Object.values(split.test_class_counts));
      const [lo, hi] = tf.tidy(() => [tf.min(d.xTrain).dataSync()[0], tf.max(d.xTrain).dataSync()[0]]);
      expect(lo).toBeGreaterThanOrEqual(0);
      expect(hi).toBeLessThanOrEqual(1);
    } finally {
      d.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('mnist-unstructured example: run', () => {
  it('trains, scores and sweeps every training × criterion × sparsity without leaking', async () => {
    const sparsities = [0.5, 0.9];
    const criteria = ['opd', 'magnitude', 'obd', 'random'];
    const summary = await run({
      backend,
      log: false,
      trainSize: 256,
      testSize: 200,
      scoreExamples: 100,
      epochs: 2,
      hyperSteps: 2,
      marglikEvery: 1,
      sparsities,
      criteria,
    });
    expect(summary.tensorsLeaked).toBe(0);
    expect(summary.rows.map((r) => r.name)).toEqual(['map', 'diag+parameterwise', 'kron+unitwise']);
    const kernels = 784 * 256 + 256 * 10;
    for (const r of summary.rows) {
      expect(r.sweep).toHaveLength(criteria.length * sparsities.length);
      for (const p of r.sweep) {
        expect(p.pruned).toBe(Math.floor(kernels * p.sparsity));
        expect(p.accuracy).toBeGreaterThanOrEqual(0);
        expect(p.accuracy).toBeLessThanOrEqual(1);
        expect(Number.isFinite(p.nll) && p.nll > 0).toBe(true);
      }
      // Pruning 90 % of the kernels must cost more likelihood than none on a trained net.
      const p90 = r.sweep.find((p) => p.criterion === 'random' && p.sparsity === 0.9)!;
      expect(p90.nll).toBeGreaterThan(r.dense.nll);
    }
    // JSON rows: one per training × (criteria × sparsities + the unpruned net).
    expect(summary.results).toHaveLength(3 * (criteria.length * sparsities.length + 1));
    expect(new Set(summary.results.map((r) => r.training))).toEqual(new Set(['map', 'spam-diag-parameterwise', 'spam-kron-unitwise']));
  }, 300_000);
});

describe('mnist-unstructured example: command line', () => {
  it('parses flags and rejects bad ones with the valid values', () => {
    expect(parseCli(['--help'])).toBe('help');
    const o = parseCli(['--quick', '--criteria', 'opd,snip', '--sparsities', '0.5,0.9', '--only', 'map']);
    expect(o).toMatchObject({ quick: true, criteria: ['opd', 'snip'], sparsities: [0.5, 0.9], trainings: ['map'] });
    expect(() => parseCli(['--sparsities', '1'])).toThrow(/\[0, 1\)/);
    expect(parseCli(['--include-bias', '--kron-diagonal', 'eigen'])).toMatchObject({ includeBias: true, kronDiagonal: 'eigen' });
    expect(() => parseCli(['--kron-diagonal', 'diag'])).toThrow(/exact or eigen/);
    expect(parseCli(['--init', 'torch'])).toMatchObject({ init: 'torch' });
    expect(() => parseCli(['--init', 'he'])).toThrow(/glorot or torch/);
    expect(() => parseCli(['--quick', '--paper'])).toThrow(/exclude/);
    expect(() => resolveSchedule({ criteria: ['nope'] })).toThrow(/valid: opd, magnitude/);
    expect(() => resolveSchedule({ trainings: ['nope'] })).toThrow(/valid: map/);
    expect(resolveSchedule({ paper: true }).schedule).toMatchObject({
      epochs: 50,
      marglikEvery: 1,
      hyperSteps: 100,
      batchSize: 64,
      lr: 1e-3,
      priorPrecision: 1,
    });
    expect(SCHEDULES.default.epochs).toBeLessThanOrEqual(SCHEDULES.paper.epochs);
  });
});
