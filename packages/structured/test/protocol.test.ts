import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildModelAdapter, evaluate, InvalidDataError, InvalidOptionError, type ClassificationMetrics } from '@spam/core';
import {
  fineTune,
  magnitudeUnitScores,
  measureModel,
  pruneUnits,
  randomUnitScores,
  structuredProtocol,
  layerFractionMasks,
} from '@spam/structured';
import { arr, randomTensor, seedWeights, thrown } from '../../../test/helpers/index.js';

const L = tf.layers;

/** A small MLP 6-12-10-3 with seeded weights. */
function mlp(seed = 5): tf.Sequential {
  const m = tf.sequential({
    layers: [
      L.dense({ inputShape: [6], units: 12, activation: 'relu', name: 'h1' }),
      L.dense({ units: 10, activation: 'relu', name: 'h2' }),
      L.dense({ units: 3, name: 'out' }),
    ],
  });
  seedWeights(m, seed);
  return m;
}

/** Seeded inputs labelled by a fixed teacher net (learnable labels). */
function teacherData(n: number, seed: number): { xs: tf.Tensor; ys: tf.Tensor } {
  const teacher = mlp(99);
  const xs = randomTensor([n, 6], seed);
  const ys = tf.tidy(() => tf.cast(tf.argMax(teacher.predict(xs) as tf.Tensor, 1), 'int32'));
  teacher.dispose();
  return { xs, ys };
}

const nllOf = (m: tf.LayersModel, d: { xs: tf.Tensor; ys: tf.Tensor }) =>
  (evaluate(buildModelAdapter(m, { logits: true }), 'classification', d.xs, d.ys) as ClassificationMetrics).nll;

describe('fineTune', () => {
  it('lowers the loss of a damaged (unit-pruned) net, and leaks nothing', async () => {
    const data = teacherData(256, 1);
    const m = mlp();
    const before = tf.memory().numTensors;
    const small = pruneUnits(m, layerFractionMasks(magnitudeUnitScores(m), 0.5));
    const nll0 = nllOf(small, data);
    const { losses } = await fineTune(small, data, { epochs: 15, lr: 1e-2, batchSize: 32, seed: 3 });
    const nll1 = nllOf(small, data);
    expect(losses).toHaveLength(15);
    expect(nll1).toBeLessThan(0.7 * nll0);
    expect(losses[14]).toBeLessThan(losses[0]);
    small.dispose();
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
    tf.dispose([data.xs, data.ys]);
  });

  it('epochs 0 changes nothing; bad options are typed errors naming the option, with nothing leaked', async () => {
    const data = teacherData(32, 2);
    const m = mlp();
    const w0 = m.getWeights().map(arr);
    const before = tf.memory().numTensors;
    expect((await fineTune(m, data, { epochs: 0 })).losses).toEqual([]);
    expect(m.getWeights().map(arr)).toEqual(w0);
    const cases: Array<[object, RegExp]> = [
      [{ epochs: -1 }, /epochs must be an integer ≥ 0/],
      [{ epochs: 1.5 }, /epochs/],
      [{ epochs: 1, lr: 0 }, /lr must be a finite number > 0/],
      [{ epochs: 1, batchSize: 0 }, /batchSize/],
      [{ epochs: 1, seed: 0.5 }, /seed/],
      [{ epochs: 1, priorPrecision: -1 }, /priorPrecision/],
      [{ epochs: 1, optimizer: {} }, /optimizer/],
    ];
    for (const [opts, msg] of cases) {
      const e = await fineTune(m, data, opts as never).catch((x: Error) => x);
      expect(e).toBeInstanceOf(InvalidOptionError);
      expect((e as Error).message).toMatch(msg);
    }
    expect(await fineTune(m, { xs: data.xs } as never, { epochs: 1 }).catch((x: Error) => x)).toBeInstanceOf(InvalidDataError);
    // A throwing progress callback stops the run; the default optimizer is still disposed.
    const stop = await fineTune(m, data, {
      epochs: 3,
      onProgress: () => {
        throw new Error('stop');
      },
    }).catch((x: Error) => x);
    expect((stop as Error).message).toBe('stop');
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
    tf.dispose([data.xs, data.ys]);
  });
});

describe('measureModel', () => {
  it('accuracy, NLL, ECE, Brier, params, MACs and bytes against hand-computed values', () => {
    const m = tf.sequential({ layers: [L.dense({ inputShape: [2], units: 3, name: 'out' })] });
    const W = [
      [1, -1, 0.5],
      [0, 2, -1],
    ];
    const b = [0.1, 0, -0.2];
    m.setWeights([tf.tensor2d(W), tf.tensor1d(b)]);
    const X = [
      [1, 0],
      [0, 1],
      [2, 1],
      [-1, 0.5],
      [0.3, 0.3],
    ];
    const Y = [0, 1, 2, 0, 1];
    // By hand, in float64: logits, softmax, then the four metrics (ECE with 10 equal-width bins).
    let correct = 0;
    let nll = 0;
    let brier = 0;
    const bins = Array.from({ length: 10 }, () => ({ n: 0, conf: 0, ok: 0 }));
    X.forEach((x, i) => {
      const z = [0, 1, 2].map((k) => x[0] * W[0][k] + x[1] * W[1][k] + b[k]);
      const zmax = Math.max(...z);
      const e = z.map((v) => Math.exp(v - zmax));
      const s = e.reduce((a, v) => a + v, 0);
      const p = e.map((v) => v / s);
      const pred = p.indexOf(Math.max(...p));
      const ok = pred === Y[i] ? 1 : 0;
      correct += ok;
      nll -= Math.log(p[Y[i]]);
      brier += p.reduce((a, v, k) => a + (v - (k === Y[i] ? 1 : 0)) ** 2, 0);
      const bin = bins[Math.min(9, Math.floor(p[pred] * 10))];
      bin.n++;
      bin.conf += p[pred];
      bin.ok += ok;
    });
    const n = X.length;
    const ece = bins.reduce((a, bn) => a + (bn.n > 0 ? (bn.n / n) * Math.abs(bn.conf / bn.n - bn.ok / bn.n) : 0), 0);
    const xs = tf.tensor2d(X);
    const ys = tf.tensor1d(Y, 'int32');
    const before = tf.memory().numTensors;
    const r = measureModel(m, { xs, ys }, { latencyRepeats: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.accuracy).toBeCloseTo(correct / n, 6);
    expect(r.nll).toBeCloseTo(nll / n, 5);
    expect(r.brier).toBeCloseTo(brier / n, 5);
    expect(r.ece).toBeCloseTo(ece, 5);
    expect(r.params).toBe(9);
    expect(r.macs).toBe(6);
    expect(r.bytes).toBe(36);
    expect(r.latencyMs).toBeGreaterThan(0);
    expect(measureModel(m, { xs, ys }, { latencyRepeats: 0 }).latencyMs).toBeUndefined();
    expect(thrown(() => measureModel(m, { xs, ys }, { latencyRepeats: -1 }))).toBeInstanceOf(InvalidOptionError);
    m.dispose();
    tf.dispose([xs, ys]);
  });

  it('times predict on all latency examples as one batch (not tfjs chunks of 32)', () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 })] });
    const xs = tf.randomNormal([80, 3]);
    const ys = tf.zeros([80], 'int32');
    const seen: Array<number | undefined> = [];
    const predict = m.predict.bind(m);
    m.predict = (x, args) => {
      seen.push(args?.batchSize);
      return predict(x, args);
    };
    measureModel(m, { xs, ys }, { latencyRepeats: 2, latencyExamples: 64 });
    // evaluate() predicts first; the 2 warm-up + 2 timed calls come last, each one batch of 64.
    expect(seen.slice(-4)).toEqual([64, 64, 64, 64]);
    m.dispose();
    tf.dispose([xs, ys]);
  });
});

describe('structuredProtocol', () => {
  it('criteria × fractions rows: per-layer unit counts, smaller costs, fine-tuned; input model untouched; no leaked tensors', async () => {
    const train = teacherData(128, 4);
    const test = teacherData(64, 5);
    const m = mlp();
    const w0 = m.getWeights().map(arr);
    const scores = { magnitude: magnitudeUnitScores(m), random: randomUnitScores(m, { seed: 2 }) };
    const before = tf.memory().numTensors;
    const stages: string[] = [];
    const rows = await structuredProtocol(m, {
      scores,
      fractions: [0.25, 0.5],
      train,
      test,
      fineTune: { epochs: 2, batchSize: 32, lr: 1e-2 },
      latencyRepeats: 1,
      onProgress: (p) => void stages.push(`${p.stage}:${p.criterion}:${p.fraction}`),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(m.getWeights().map(arr)).toEqual(w0);
    expect(rows.map((r) => [r.criterion, r.fraction])).toEqual([
      ['magnitude', 0.25],
      ['magnitude', 0.5],
      ['random', 0.25],
      ['random', 0.5],
    ]);
    for (const r of rows) {
      const f = r.fraction;
      expect(r.units).toEqual({ h1: 12 - Math.floor(12 * f), h2: 10 - Math.floor(10 * f), out: 3 });
      const [h1, h2] = [r.units.h1, r.units.h2];
      expect(r.params).toBe(6 * h1 + h1 + h1 * h2 + h2 + h2 * 3 + 3);
      expect(r.macs).toBe(6 * h1 + h1 * h2 + h2 * 3);
      expect(r.macsBefore).toBe(6 * 12 + 12 * 10 + 10 * 3);
      expect(r.fineTuneEpochs).toBe(2);
      expect(r.fineTuneLosses).toHaveLength(2);
      expect(r.accuracy).toBeGreaterThanOrEqual(0);
      expect(r.oneShot?.nll).toBeGreaterThan(0);
    }
    expect(stages.filter((s) => s.startsWith('epoch'))).toHaveLength(8);
    expect(stages.filter((s) => s.startsWith('done'))).toHaveLength(4);
    m.dispose();
    tf.dispose([train.xs, train.ys, test.xs, test.ys]);
  });

  it('typed errors for bad options before any model is built; a throwing callback leaks nothing', async () => {
    const train = teacherData(32, 6);
    const m = mlp();
    const scores = { magnitude: magnitudeUnitScores(m) };
    const before = tf.memory().numTensors;
    const base = { scores, fractions: [0.5], train, test: train, latencyRepeats: 0 };
    const cases: Array<[object, RegExp, unknown]> = [
      [{ fractions: [1] }, /fractions\[0\] must be a number in \[0, 1\)/, InvalidOptionError],
      [{ fractions: [0.2, -0.1] }, /fractions\[1\]/, InvalidOptionError],
      [{ fractions: [] }, /fractions must be a non-empty array/, InvalidOptionError],
      [{ fineTune: { epochs: -1 } }, /epochs must be an integer ≥ 0/, InvalidOptionError],
      [{ scores: {} }, /scores must map at least one criterion/, InvalidOptionError],
      [{ train: undefined }, /train \(fine-tune\) data/, InvalidDataError],
      [{ latencyExamples: 0 }, /latencyExamples/, InvalidOptionError],
    ];
    for (const [patch, msg, cls] of cases) {
      const e = await structuredProtocol(m, { ...base, ...patch }).catch((x: Error) => x);
      expect(e).toBeInstanceOf(cls);
      expect((e as Error).message).toMatch(msg);
    }
    // Scores of another model: the layer names do not match this model's.
    const other = tf.sequential({ layers: [L.dense({ inputShape: [6], units: 4, name: 'x1' }), L.dense({ units: 3, name: 'x2' })] });
    const e = await structuredProtocol(m, { ...base, scores: { other: magnitudeUnitScores(other) } }).catch((x: Error) => x);
    expect(e).toBeInstanceOf(InvalidOptionError);
    expect((e as Error).message).toMatch(/x1/);
    other.dispose();
    // Epochs 0 = one-shot: no train data needed.
    const oneShot = await structuredProtocol(m, { ...base, train: undefined, fineTune: { epochs: 0 } });
    expect(oneShot[0].fineTuneEpochs).toBe(0);
    expect(oneShot[0].nll).toBeCloseTo(oneShot[0].oneShot!.nll, 6);
    const stop = await structuredProtocol(m, {
      ...base,
      fineTune: { epochs: 2 },
      onProgress: (p) => {
        if (p.stage === 'epoch') throw new Error('stop');
      },
    }).catch((x: Error) => x);
    expect((stop as Error).message).toBe('stop');
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
    tf.dispose([train.xs, train.ys]);
  });
});
