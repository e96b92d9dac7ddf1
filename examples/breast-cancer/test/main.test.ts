import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { parseCli, run, type BackendName } from '../src/main.js';
import { loadBreastCancer } from '../src/data.js';
import { ProgressBar } from '../src/progress.js';

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

describe('breast-cancer example: run()', () => {
  it('trains CancerNet above 90% test accuracy, fits every curvature with finite positive traces and leaks nothing', async () => {
    const lines: string[] = [];
    const before = tf.memory().numTensors;
    const summary = await run({ backend, quick: true, seed: 0, log: (l) => lines.push(l), progress: false });
    expect(tf.memory().numTensors).toBe(before);

    expect(summary.standardized).toBe(true);
    expect(summary.numParams).toBe(30 * 100 + 100 + 100 * 100 + 100 + 100 * 2 + 2);
    expect(summary.test.accuracy).toBeGreaterThan(0.9);
    expect(summary.train.accuracy).toBeGreaterThan(0.9);
    expect(Number.isFinite(summary.test.nll)).toBe(true);

    expect(summary.fits.map((f) => f.name)).toEqual(['kron+ggn', 'diag+ggn', 'kron+mc', 'kron+ef', 'diag+ef']);
    const kron = summary.fits.filter((f) => f.structure === 'kron');
    const diag = summary.fits.filter((f) => f.structure === 'diag');
    expect(kron.length).toBe(3);
    expect(diag.length).toBe(2);
    for (const f of summary.fits) {
      expect(f.nData).toBe(455);
      expect(f.numParams).toBe(summary.numParams);
      expect(f.layers.map((l) => l.layer)).toEqual(['fc1', 'fc2', 'fc3']);
      expect(Number.isFinite(f.logLikelihood) && f.logLikelihood < 0).toBe(true);
      expect(f.ms).toBeGreaterThan(0);
      for (const l of f.layers) {
        expect(Number.isFinite(l.diagSum) && l.diagSum > 0).toBe(true);
        expect(l.minDiag).toBeGreaterThanOrEqual(0);
        expect(l.maxDiag).toBeGreaterThan(0);
      }
    }
    for (const f of kron) {
      for (const l of f.layers) {
        expect(Number.isFinite(l.traceA) && l.traceA! > 0).toBe(true);
        expect(Number.isFinite(l.traceG) && l.traceG! > 0).toBe(true);
        expect(l.aShape).toEqual([l.kernelShape[0], l.kernelShape[0]]);
        expect(l.gShape).toEqual([l.kernelShape[1], l.kernelShape[1]]);
      }
    }
    // The same weights give the same log-likelihood for every fit.
    for (const f of summary.fits) expect(f.logLikelihood).toBeCloseTo(summary.fits[0].logLikelihood, 3);

    expect(summary.tensorsLeaked).toBe(0);
    expect(summary.tensorsLeakedTotal).toBe(0);
    expect(lines).toContain('tensors leaked: 0');
    expect(lines.some((l) => l.startsWith('KFAC factors per parametric layer'))).toBe(true);
  });
});

describe('breast-cancer example: CLI and progress bar', () => {
  it('parses the flags', () => {
    expect(parseCli([])).toEqual({ backend: 'wasm', epochs: undefined, seed: undefined, raw: false, quick: false });
    expect(parseCli(['--backend', 'cpu', '--epochs', '5', '--seed', '3', '--raw', '--quick'])).toEqual({
      backend: 'cpu',
      epochs: 5,
      seed: 3,
      raw: true,
      quick: true,
    });
    expect(parseCli(['--help'])).toBe('help');
    expect(() => parseCli(['--backend', 'webgl'])).toThrow(/wasm or cpu/);
    expect(() => parseCli(['--epochs', '0'])).toThrow(/epochs/);
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
