// evaluate(): metrics recomputed on the host for a small Dense net, and no metric ever computed
// from NaN: non-finite inputs/targets → InvalidDataError naming the rows, non-finite outputs for
// finite inputs → NonFiniteError, bad options → InvalidOptionError; no tensor left behind.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  buildModelAdapter,
  DisposedError,
  evaluate,
  InvalidDataError,
  InvalidOptionError,
  NonFiniteError,
  ShapeMismatchError,
  type ClassificationMetrics,
  type LikelihoodName,
  type RegressionMetrics,
} from '@spam/core';
import { arr, randomLabels, randomTensor, seedWeights, thrown } from '../../../test/helpers/index.js';

/** Dense 3 → k (linear), seeded. */
function linear(k: number, seed: number): tf.Sequential {
  const m = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: k })] });
  seedWeights(m, seed);
  return m;
}

const adapterOf = (m: tf.LayersModel, likelihood: LikelihoodName) => buildModelAdapter(m, { logits: likelihood === 'classification' });

/** f = x·W + b on the host. */
function hostLogits(m: tf.LayersModel, x: number[], n: number): number[][] {
  const [W, b] = m.getWeights().map(arr);
  const k = b.length;
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: k }, (_, o) => b[o] + [0, 1, 2].reduce((a, j) => a + x[i * 3 + j] * W[j * k + o], 0)),
  );
}

/** The error evaluate throws, checking that no tensor was left behind. */
function evalError(...args: Parameters<typeof evaluate>): Error {
  const before = tf.memory().numTensors;
  const e = thrown(() => evaluate(...args));
  expect(tf.memory().numTensors).toBe(before);
  return e;
}

describe('evaluate on finite data = the host computation', () => {
  it('classification: accuracy, NLL, Brier, ECE over 3 batches', () => {
    const m = linear(3, 1);
    const n = 10;
    const xs = randomTensor([n, 3], 2);
    const labels = randomLabels(n, 3, 3);
    const ys = tf.tensor1d(labels);
    const got = evaluate(adapterOf(m, 'classification'), 'classification', xs, ys, { batchSize: 4 }) as ClassificationMetrics;
    const f = hostLogits(m, arr(xs), n);
    let acc = 0,
      nll = 0,
      brier = 0;
    const bins = Array.from({ length: 10 }, () => ({ c: 0, conf: 0, ok: 0 }));
    f.forEach((row, i) => {
      const mx = Math.max(...row);
      const z = row.reduce((a, v) => a + Math.exp(v - mx), 0);
      const p = row.map((v) => Math.exp(v - mx) / z);
      const top = p.indexOf(Math.max(...p));
      const ok = top === labels[i] ? 1 : 0;
      acc += ok;
      nll -= Math.log(p[labels[i]]);
      brier += p.reduce((a, v, c) => a + (v - (c === labels[i] ? 1 : 0)) ** 2, 0);
      const bin = bins[Math.min(9, Math.floor(p[top] * 10))];
      bin.c++;
      bin.conf += p[top];
      bin.ok += ok;
    });
    const ece = bins.reduce((a, b) => a + (b.c ? (b.c / n) * Math.abs(b.conf / b.c - b.ok / b.c) : 0), 0);
    expect(got.accuracy).toBeCloseTo(acc / n, 12);
    expect(got.nll).toBeCloseTo(nll / n, 5);
    expect(got.brier).toBeCloseTo(brier / n, 5);
    expect(got.ece).toBeCloseTo(ece, 5);
    tf.dispose([xs, ys]);
    m.dispose();
  });

  it('rank-4 int32 images and int32 labels: any batch size gives the one-batch metrics; nothing left allocated', () => {
    const m = tf.sequential({
      layers: [tf.layers.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 2 }), tf.layers.flatten(), tf.layers.dense({ units: 3 })],
    });
    seedWeights(m, 7);
    const n = 11;
    const xs = tf.tensor4d(
      Array.from({ length: n * 16 }, (_, i) => (i * 7) % 5),
      [n, 4, 4, 1],
      'int32',
    );
    const ys = tf.tensor1d(randomLabels(n, 3, 8), 'int32');
    const a = adapterOf(m, 'classification');
    const whole = evaluate(a, 'classification', xs, ys, { batchSize: n }) as ClassificationMetrics;
    const before = tf.memory().numTensors;
    for (const batchSize of [1, 3, 4, 10]) {
      const got = evaluate(a, 'classification', xs, ys, { batchSize }) as ClassificationMetrics;
      expect(got.accuracy).toBe(whole.accuracy);
      expect(got.nll).toBeCloseTo(whole.nll, 5);
      expect(got.brier).toBeCloseTo(whole.brier, 5);
      expect(got.ece).toBeCloseTo(whole.ece, 5);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([xs, ys]);
    m.dispose();
  });

  it('regression: MSE and Gaussian NLL with σ', () => {
    const m = linear(2, 4);
    const xs = randomTensor([5, 3], 5);
    const ys = randomTensor([5, 2], 6);
    const got = evaluate(adapterOf(m, 'regression'), 'regression', xs, ys, { sigma: 0.5, batchSize: 2 }) as RegressionMetrics;
    const f = hostLogits(m, arr(xs), 5);
    const y = arr(ys);
    const sq = f.flat().reduce((a, v, i) => a + (v - y[i]) ** 2, 0);
    expect(got.mse).toBeCloseTo(sq / 10, 5);
    expect(got.nll).toBeCloseTo((0.5 * sq) / (0.25 * 5) + 2 * Math.log(0.5 * Math.sqrt(2 * Math.PI)), 5);
    tf.dispose([xs, ys]);
    m.dispose();
  });
});

describe('no metric from NaN', () => {
  it('NaN in xs (classification) → InvalidDataError naming the batch rows (not accuracy 0/1, ECE 0)', () => {
    const m = linear(3, 7);
    const x = arr(randomTensor([8, 3], 8));
    x[5 * 3 + 1] = NaN;
    const xs = tf.tensor2d(x, [8, 3]);
    const ys = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1]);
    const e = evalError(adapterOf(m, 'classification'), 'classification', xs, ys, { batchSize: 4 });
    expect(e).toBeInstanceOf(InvalidDataError);
    expect(e.message).toMatch(/xs rows 4…7 contain NaN/);
    tf.dispose([xs, ys]);
    m.dispose();
  });

  it('±Infinity in xs, NaN in regression targets → InvalidDataError naming xs / ys', () => {
    const m = linear(1, 9);
    const xs = tf.tensor2d([1, 2, 3, Infinity, 0, 0], [2, 3]);
    const ys = tf.tensor2d([1, 2], [2, 1]);
    expect(evalError(adapterOf(m, 'regression'), 'regression', xs, ys).message).toMatch(/xs rows 0…1/);
    const xs2 = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const ys2 = tf.tensor2d([1, NaN], [2, 1]);
    const e = evalError(adapterOf(m, 'regression'), 'regression', xs2, ys2);
    expect(e).toBeInstanceOf(InvalidDataError);
    expect(e.message).toMatch(/ys rows 0…1 contain NaN/);
    tf.dispose([xs, ys, xs2, ys2]);
    m.dispose();
  });

  it('NaN weights or overflowing outputs for finite inputs → NonFiniteError', () => {
    const m = linear(3, 10);
    const xs = randomTensor([4, 3], 11);
    const ys = tf.tensor1d([0, 1, 2, 0]);
    const [W, b] = m.getWeights();
    const nanW = tf.fill(W.shape, NaN);
    m.layers[0].setWeights([nanW, b]);
    const e = evalError(adapterOf(m, 'classification'), 'classification', xs, ys);
    expect(e).toBeInstanceOf(NonFiniteError);
    expect(e.message).toMatch(/outputs on xs rows 0…3 are NaN/);
    // regression: finite outputs 1e20 whose square overflows float32
    const r = linear(1, 12);
    const big = tf.fill([3, 1], 0);
    const bias = tf.tensor1d([1e20]);
    r.layers[0].setWeights([big, bias]);
    const zeros = tf.zeros([4, 1]);
    const e2 = evalError(adapterOf(r, 'regression'), 'regression', xs, zeros);
    expect(e2).toBeInstanceOf(NonFiniteError);
    expect(e2.message).toMatch(/squared error .* overflows/);
    // a σ so small that the Gaussian NLL exceeds a double (σ² underflows)
    const q = linear(1, 20);
    const targets = randomTensor([4, 1], 21);
    const e3 = evalError(adapterOf(q, 'regression'), 'regression', xs, targets, { sigma: 1e-300 });
    expect(e3).toBeInstanceOf(NonFiniteError);
    expect(e3.message).toMatch(/nll is Infinity \(noise sigma 1e-300\)/);
    tf.dispose([xs, ys, nanW, big, bias, zeros, targets]);
    q.dispose();
    m.dispose();
    r.dispose();
  });
});

describe('bad arguments', () => {
  it('batchSize and sigma at 0, negative, NaN, ∞, fractional or of the wrong type → InvalidOptionError', () => {
    const m = linear(2, 13);
    const a = adapterOf(m, 'regression');
    const xs = randomTensor([3, 3], 14);
    const ys = randomTensor([3, 2], 15);
    for (const o of [
      { batchSize: 0 },
      { batchSize: -1 },
      { batchSize: NaN },
      { batchSize: Infinity },
      { batchSize: 1.5 },
      { batchSize: '2' },
      { sigma: 0 },
      { sigma: -1 },
      { sigma: NaN },
      { sigma: Infinity },
      { sigma: '1' },
      null,
    ]) {
      const e = evalError(a, 'regression', xs, ys, o as never);
      expect(e, JSON.stringify(o)).toBeInstanceOf(InvalidOptionError);
    }
    expect(evalError(a, 'bernoulli' as never, xs, ys)).toBeInstanceOf(InvalidOptionError);
    tf.dispose([xs, ys]);
    m.dispose();
  });

  it('empty data → InvalidDataError; row mismatch → ShapeMismatchError; disposed tensors → DisposedError; non-tensors → InvalidDataError', () => {
    const m = linear(2, 16);
    const a = adapterOf(m, 'regression');
    const empty = tf.zeros([0, 3]);
    expect(evalError(a, 'regression', empty, tf.zeros([0, 2]))).toBeInstanceOf(InvalidDataError);
    const xs = randomTensor([3, 3], 17);
    const ys = randomTensor([2, 2], 18);
    expect(evalError(a, 'regression', xs, ys)).toBeInstanceOf(ShapeMismatchError);
    // per-example shape other than the model's input [3]: rank 1, [N, 4], [N, 3, 1]
    const ys3 = randomTensor([3, 2], 19);
    for (const shape of [[3], [3, 4], [3, 3, 1]]) {
      const x = tf.ones(shape);
      const e = evalError(a, 'regression', x, ys3);
      expect(e, `[${shape}]`).toBeInstanceOf(ShapeMismatchError);
      expect(e.message).toMatch(/expects \[N, 3\]/);
      x.dispose();
    }
    const str = tf.tensor(['a', 'b', 'c']);
    expect(evalError(a, 'regression', str, ys3)).toBeInstanceOf(InvalidDataError);
    tf.dispose([ys3, str]);
    expect(evalError(a, 'regression', null as never, ys)).toBeInstanceOf(InvalidDataError);
    expect(evalError(a, 'regression', [[1, 2, 3]] as never, ys)).toBeInstanceOf(InvalidDataError);
    ys.dispose();
    expect(evalError(a, 'regression', xs, ys)).toBeInstanceOf(DisposedError);
    tf.dispose([xs, empty]);
    m.dispose();
  });
});
