import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildNet, parseCli, resolveSchedule, run, type BackendName } from '../src/main.js';
import { leastSquaresReference, loadDiabetes, parseDiabetes, readDiabetes, splitIndices } from '../src/data.js';

const backend = (process.env.SPAM_TEST_BACKEND ?? 'wasm') as BackendName;
const finite = (x: number) => Number.isFinite(x);

describe('diabetes example: data', () => {
  it('reads the vendored gzip files: 442 rows of 10 raw variables and the target', () => {
    const t = readDiabetes();
    expect(t.rows).toBe(442);
    expect(t.numFeatures).toBe(10);
    // First row of the raw file: "59 2 32.1 101.0 157 93.2 38.0 4.0 4.8598 87", target 151.
    expect(Array.from(t.features.subarray(0, 10))).toEqual([59, 2, 32.1, 101, 157, 93.2, 38, 4, 4.8598, 87]);
    expect(t.target[0]).toBe(151);
    expect(() => parseDiabetes('1 2\n3 4\n', '1\n')).toThrow(/rows/);
    expect(() => parseDiabetes('1 2\n3\n', '1\n2\n')).toThrow(/values/);
  });

  it('splits 80/20 with a fixed seed and standardises inputs and target with the training statistics', () => {
    const a = splitIndices(442);
    const b = splitIndices(442);
    expect(Array.from(a.train)).toEqual(Array.from(b.train));
    expect(a.train.length).toBe(354);
    expect(a.test.length).toBe(88);
    expect(new Set([...a.train, ...a.test]).size).toBe(442);
    expect(Array.from(splitIndices(442, 7).test)).not.toEqual(Array.from(a.test));

    const before = tf.memory().numTensors;
    const d = loadDiabetes();
    try {
      expect(d.xTrain.shape).toEqual([354, 10]);
      expect(d.yTrain.shape).toEqual([354, 1]);
      expect(d.xTest.shape).toEqual([88, 10]);
      const [mx, vx, my, vy] = tf.tidy(() => {
        const x = tf.moments(d.xTrain, 0);
        const y = tf.moments(d.yTrain, 0);
        return [x.mean.dataSync(), x.variance.dataSync(), y.mean.dataSync()[0], y.variance.dataSync()[0]];
      });
      for (let c = 0; c < 10; c++) {
        expect(Math.abs(mx[c])).toBeLessThan(1e-4);
        expect(Math.abs(vx[c] - 1)).toBeLessThan(1e-3);
      }
      expect(Math.abs(my)).toBeLessThan(1e-4);
      expect(Math.abs(vy - 1)).toBeLessThan(1e-3);
      // The target is the disease progression score (about 25..346, mean about 152).
      expect(d.yMean).toBeGreaterThan(130);
      expect(d.yMean).toBeLessThan(170);
      expect(d.yStd).toBeGreaterThan(60);
      expect(d.yStd).toBeLessThan(95);
      // A linear model explains about half of the variance.
      const ls = leastSquaresReference(d);
      expect(ls.trainMse).toBeGreaterThan(0.35);
      expect(ls.trainMse).toBeLessThan(0.65);
      expect(ls.testMse).toBeLessThan(0.8);
    } finally {
      d.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('diabetes example: run()', () => {
  it('learns σ with SpaM (kron+layerwise, diag+parameterwise) vs MAP with σ = 1: finite metrics, no leak', async () => {
    const lines: string[] = [];
    const before = tf.memory().numTensors;
    const summary = await run({ backend, quick: true, log: (l) => lines.push(l), progress: false });
    expect(tf.memory().numTensors).toBe(before);
    expect(summary.tensorsLeaked).toBe(0);
    expect(lines).toContain('tensors leaked: 0');
    expect(summary.numParams).toBe(10 * 50 + 50 + 50 + 1);
    expect(summary.rows.map((r) => r.name)).toEqual(['map', 'kron+layerwise', 'diag+parameterwise']);

    for (const r of summary.rows) {
      for (const m of [r.train, r.test]) {
        for (const v of Object.values(m)) expect(finite(v)).toBe(true);
        expect(m.mse).toBeGreaterThan(0);
        expect(m.mse).toBeLessThan(1.2);
        expect(m.mseOriginal).toBeCloseTo(m.mse * summary.yStd ** 2, 6);
        expect(m.nllOriginal).toBeCloseTo(m.nll + Math.log(summary.yStd), 6);
      }
      for (const v of Object.values(r.logMarglik)) expect(finite(v)).toBe(true);
      expect(finite(r.logMarglikOriginal)).toBe(true);
      expect(r.sigmaOriginal).toBeCloseTo(r.sigma * summary.yStd, 6);
      expect(r.trainMs).toBeGreaterThan(0);
    }

    const map = summary.rows[0];
    expect(map.sigma).toBe(1);
    expect(map.sigmaHistory.every((s) => s === 1)).toBe(true);
    expect(map.precision).toEqual({ min: 1, max: 1, geomean: 1 });

    for (const r of summary.rows.slice(1)) {
      // σ is learned: it leaves σ₀ = 1 and ends in a sensible range for a standardised target
      // that a linear model explains about half of.
      expect(Math.abs(r.sigma - 1)).toBeGreaterThan(0.05);
      expect(r.sigma).toBeGreaterThan(0.4);
      expect(r.sigma).toBeLessThan(1);
      expect(r.sigmaHistory.length).toBe(summary.schedule.epochs);
      expect(r.sigmaHistory[0]).toBe(1); // no marglik step before epoch F
      expect(r.sigmaHistory.at(-1)).toBeCloseTo(r.sigma, 6);
      expect(r.precision.max / r.precision.min > 1.01 || Math.abs(Math.log(r.precision.geomean)) > 0.05).toBe(true);
      // With the learned σ the test NLL is better than MAP's with σ = 1.
      expect(r.test.nll).toBeLessThan(map.test.nll);
    }
  });
});

describe('diabetes example: model and CLI', () => {
  it('builds the same initial weights for the same seed', () => {
    const before = tf.memory().numTensors;
    const [a, b, c] = [buildNet(10, 0), buildNet(10, 0), buildNet(10, 0, 'relu')];
    try {
      const w = (m: tf.LayersModel) => m.getWeights().map((t) => Array.from(t.dataSync()));
      expect(w(a)).toEqual(w(b));
      expect(w(a)).toEqual(w(c)); // same kernels, only the activation differs
      expect(a.countParams()).toBe(601);
    } finally {
      [a, b, c].forEach((m) => m.dispose());
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('parses the flags', () => {
    expect(parseCli([])).toEqual({ backend: 'wasm', activation: 'tanh', quick: false });
    expect(
      parseCli([
        '--quick',
        '--backend',
        'cpu',
        '--seed',
        '2',
        '--split-seed',
        '3',
        '--activation',
        'relu',
        '--epochs',
        '7',
        '--marglik-every',
        '2',
        '--hyper-steps',
        '0',
      ]),
    ).toEqual({
      backend: 'cpu',
      activation: 'relu',
      quick: true,
      seed: 2,
      splitSeed: 3,
      epochs: 7,
      marglikEvery: 2,
      hyperSteps: 0,
    });
    expect(parseCli(['-h'])).toBe('help');
    expect(() => parseCli(['--activation', 'gelu'])).toThrow(/tanh or relu/);
    expect(() => parseCli(['--epochs', '0'])).toThrow(/epochs/);
    expect(() => parseCli(['--nope'])).toThrow();
    expect(resolveSchedule({ quick: true }).epochs).toBeLessThan(resolveSchedule({}).epochs);
  });
});
