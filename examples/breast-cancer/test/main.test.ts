import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { ProgressBar } from '@spam/harness';
import { buildCancerNet, parseCli, resolveSchedule, run, SCHEDULES, type BackendName, type TrainingRow } from '../src/main.js';
import { loadBreastCancer } from '../src/data.js';

const backend = (process.env.SPAM_TEST_BACKEND ?? 'wasm') as BackendName;

describe('breast-cancer example: data', () => {
  it('loads the vendored CSV with the fixed 455/114 split and standardises with training stats', () => {
    const before = tf.memory().numTensors;
    const d = loadBreastCancer();
    try {
      expect(d.xTrain.shape).toEqual([455, 30]);
      expect(d.xTest.shape).toEqual([114, 30]);
      expect(d.yTrain.shape).toEqual([455, 2]);
      expect(d.trainLabels.length + d.testLabels.length).toBe(569);
      const [mean, variance] = tf.tidy(() => {
        const m = tf.moments(d.xTrain, 0);
        return [m.mean.dataSync(), m.variance.dataSync()];
      });
      for (let c = 0; c < 30; c++) {
        expect(Math.abs(mean[c])).toBeLessThan(1e-4);
        expect(Math.abs(variance[c] - 1)).toBeLessThan(1e-3);
      }
    } finally {
      d.dispose();
    }
    const raw = loadBreastCancer({ standardize: false });
    try {
      // Every raw feature of this data set is non-negative; several are in the hundreds.
      const [lo, hi] = tf.tidy(() => [tf.min(raw.xTrain).dataSync()[0], tf.max(raw.xTrain).dataSync()[0]]);
      expect(lo).toBeGreaterThanOrEqual(0);
      expect(hi).toBeGreaterThan(100);
      expect(raw.standardized).toBe(false);
    } finally {
      raw.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

const finite = (x: number) => Number.isFinite(x);

function expectFiniteRow(r: TrainingRow): void {
  expect(r.error).toBeUndefined();
  for (const m of [r.train, r.test]) {
    expect(finite(m.accuracy) && m.accuracy >= 0 && m.accuracy <= 1).toBe(true);
    expect(finite(m.nll) && m.nll >= 0).toBe(true);
    expect(finite(m.ece) && m.ece >= 0 && m.ece <= 1).toBe(true);
    expect(finite(m.brier)).toBe(true);
  }
  for (const v of Object.values(r.logMarglik)) expect(finite(v)).toBe(true);
  expect(r.logMarglik.logMarglik).toBeLessThan(0);
  expect(finite(r.precision.min) && finite(r.precision.max) && finite(r.precision.geomean)).toBe(true);
  expect(r.precision.min).toBeGreaterThan(0);
  expect(finite(r.finalLoss)).toBe(true);
  expect(r.trainMs).toBeGreaterThan(0);
}

describe('breast-cancer example: model', () => {
  it('builds the same initial weights for the same seed', () => {
    const before = tf.memory().numTensors;
    const [a, b, c] = [buildCancerNet(30, 0), buildCancerNet(30, 0), buildCancerNet(30, 1)];
    try {
      const w = (m: tf.LayersModel) => m.getWeights().map((t) => Array.from(t.dataSync()));
      expect(w(a)).toEqual(w(b));
      expect(w(a)[0]).not.toEqual(w(c)[0]);
      expect(a.countParams()).toBe(30 * 100 + 100 + 100 * 100 + 100 + 100 * 2 + 2);
    } finally {
      [a, b, c].forEach((m) => m.dispose());
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('resolves the schedules', () => {
    expect(resolveSchedule({}).schedule).toMatchObject({
      epochs: 50,
      batchSize: 64,
      lr: 1e-3,
      marglikEvery: 5,
      hyperSteps: 100,
      burnIn: 0,
      priorPrecision: 1,
    });
    expect(resolveSchedule({ paper: true }).schedule).toMatchObject({
      epochs: 50,
      batchSize: 64,
      lr: 1e-3,
      marglikEvery: 1,
      hyperSteps: 100,
      burnIn: 0,
      priorPrecision: 1,
    });
    expect(resolveSchedule({ quick: true }).name).toBe('quick');
    expect(resolveSchedule({ trainings: ['kron+unitwise', 'map'] }).schedule.trainings).toEqual(['map', 'kron+unitwise']);
    expect(() => resolveSchedule({ quick: true, paper: true })).toThrow(/exclude/);
    expect(() => resolveSchedule({ trainings: ['kron+nope'] })).toThrow(/unknown training/);
  });
});

describe('breast-cancer example: run()', () => {
  it('compares MAP and SpaM from the same initial weights: finite metrics, learned precisions, > 90% accuracy, no leak', async () => {
    const lines: string[] = [];
    const before = tf.memory().numTensors;
    const summary = await run({ backend, quick: true, seed: 0, log: (l) => lines.push(l), progress: false });
    expect(tf.memory().numTensors).toBe(before);
    expect(summary.tensorsLeaked).toBe(0);
    expect(lines).toContain('tensors leaked: 0');

    expect(summary.standardized).toBe(true);
    expect(summary.scheduleName).toBe('quick');
    expect(summary.numParams).toBe(13402);
    expect(summary.rows.map((r) => r.name)).toEqual(SCHEDULES.quick.trainings);
    for (const r of summary.rows) {
      expectFiniteRow(r);
      expect(r.test.accuracy).toBeGreaterThan(0.9);
      expect(r.train.accuracy).toBeGreaterThan(0.9);
    }

    const map = summary.rows.find((r) => r.map)!;
    expect(map.precision).toEqual({ min: 1, max: 1, geomean: 1 });
    expect(map.logMarglik.logDetPrior).toBeCloseTo(0, 3);
    expect(map.logMarglikHistory).toEqual([]);
    expect(finite(summary.mapDiagLogMarglik!)).toBe(true);

    const spam = summary.rows.filter((r) => !r.map);
    expect(spam.length).toBe(3);
    for (const r of spam) {
      // The learned δ moved away from δ₀ = 1 ...
      expect(Math.abs(Math.log(r.precision.geomean)) > 0.05 || r.precision.max / r.precision.min > 1.1).toBe(true);
      expect(r.precisionPerTensor.some((p) => Math.abs(Math.log(p.geomean)) > 0.1)).toBe(true);
      // ... after one marglik step per F = 5 epochs ...
      expect(r.logMarglikHistory.map((h) => h.epoch)).toEqual([5, 10]);
      // ... and the evidence is higher than that of the MAP net under δ₀.
      expect(r.logMarglik.logMarglik).toBeGreaterThan(map.logMarglik.logMarglik);
    }
    // Parameter-wise and unit-wise priors give different precisions within a tensor; layer-wise does not.
    const byName = new Map(summary.rows.map((r) => [r.name, r]));
    expect(byName.get('kron+layerwise')!.precisionPerTensor.every((p) => p.max / p.min < 1 + 1e-5)).toBe(true);
    expect(byName.get('diag+parameterwise')!.precisionPerTensor.some((p) => p.max / p.min > 1.01)).toBe(true);
    expect(lines.some((l) => l.startsWith('MAP (δ₀)'))).toBe(true);
    expect(lines.some((l) => l.startsWith('SpaM kron+layerwise'))).toBe(true);
  });

  it('keeps the curvature summary of the MAP net behind `curvature`', async () => {
    const lines: string[] = [];
    const before = tf.memory().numTensors;
    const summary = await run({
      backend,
      quick: true,
      epochs: 5,
      trainings: ['map'],
      curvature: true,
      log: (l) => lines.push(l),
      progress: false,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(summary.tensorsLeaked).toBe(0);
    expect(summary.rows.map((r) => r.name)).toEqual(['map']);
    const c = summary.curvature!;
    expect(c.tensorsLeaked).toBe(0);
    expect(c.fits.map((f) => f.name)).toEqual(['kron+ggn', 'diag+ggn', 'kron+mc', 'kron+ef', 'diag+ef']);
    for (const f of c.fits) {
      expect(f.nData).toBe(455);
      expect(f.numParams).toBe(summary.numParams);
      expect(f.layers.map((l) => l.layer)).toEqual(['fc1', 'fc2', 'fc3']);
      expect(finite(f.logLikelihood) && f.logLikelihood < 0).toBe(true);
      for (const l of f.layers) {
        expect(finite(l.diagSum) && l.diagSum > 0).toBe(true);
        expect(l.minDiag).toBeGreaterThanOrEqual(0);
      }
      if (f.structure === 'kron') {
        for (const l of f.layers) {
          expect(finite(l.traceA!) && l.traceA! > 0).toBe(true);
          expect(finite(l.traceG!) && l.traceG! > 0).toBe(true);
          expect(l.aShape).toEqual([l.kernelShape[0], l.kernelShape[0]]);
          expect(l.gShape).toEqual([l.kernelShape[1], l.kernelShape[1]]);
        }
      }
      // Same weights, same log-likelihood for every fit, and the MAP row's log Z used it too.
      expect(f.logLikelihood).toBeCloseTo(c.fits[0].logLikelihood, 3);
    }
    expect(c.fits[0].logLikelihood).toBeCloseTo(summary.rows[0].logMarglik.logLikelihood, 2);
    expect(lines.some((l) => l.startsWith('KFAC factors per parametric layer'))).toBe(true);
    expect(lines).toContain('tensors leaked by the curvature part: 0');
  });
});

describe('breast-cancer example: CLI and progress bar', () => {
  it('parses the flags', () => {
    expect(parseCli([])).toEqual({ backend: 'wasm', raw: false, quick: false, paper: false, curvature: false });
    expect(
      parseCli([
        '--backend',
        'cpu',
        '--epochs',
        '5',
        '--seed',
        '3',
        '--raw',
        '--quick',
        '--curvature',
        '--hyper-steps',
        '0',
        '--marglik-every',
        '2',
        '--only',
        'map,kron+scalar',
      ]),
    ).toEqual({
      backend: 'cpu',
      epochs: 5,
      seed: 3,
      raw: true,
      quick: true,
      paper: false,
      curvature: true,
      hyperSteps: 0,
      marglikEvery: 2,
      trainings: ['map', 'kron+scalar'],
    });
    expect(parseCli(['--paper'])).toMatchObject({ paper: true, quick: false });
    expect(parseCli(['--help'])).toBe('help');
    expect(() => parseCli(['--backend', 'webgl'])).toThrow(/wasm or cpu/);
    expect(() => parseCli(['--epochs', '0'])).toThrow(/epochs/);
    expect(() => parseCli(['--quick', '--paper'])).toThrow(/exclude/);
    expect(() => parseCli(['--only', 'kron+nope'])).toThrow(/--only/);
    expect(() => parseCli(['--nope'])).toThrow();
  });

  it('redraws one line on a TTY and prints a few plain lines otherwise', () => {
    const tty: string[] = [];
    const bar = new ProgressBar({ total: 10, label: 'x', stream: { write: (s) => tty.push(s), isTTY: true }, minIntervalMs: 0 });
    for (let i = 1; i <= 10; i++) bar.update(i);
    bar.finish();
    expect(tty.every((s) => s.startsWith('\r') || s === '\n')).toBe(true);
    expect(tty.at(-1)).toBe('\n');
    expect(tty.at(-2)).toContain('10/10 100%');

    const plain: string[] = [];
    const p = new ProgressBar({ total: 100, label: 'y', stream: { write: (s) => plain.push(s), isTTY: false }, plainSteps: 4 });
    for (let i = 1; i <= 100; i++) p.update(i);
    p.finish('done');
    expect(plain.length).toBe(4); // 25 %, 50 %, 75 % and the final line
    expect(plain.every((s) => s.endsWith('\n') && !s.includes('\r'))).toBe(true);
    expect(plain.at(-1)).toMatch(/^y 100\/100 100% .* done\n$/);
  });
});
