import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { ModelLike } from '@spam/core';
import { fitLaplace, type DiagLaplace, type KronLaplace } from '@spam/laplace';
import { arr, randomLabels, randomTensor, relErr, seedWeights } from '../../../test/helpers/index.js';

const L = tf.layers;
const N = 6;

function cnn(): tf.LayersModel {
  const m = tf.sequential({
    layers: [
      L.conv2d({ inputShape: [5, 5, 2], filters: 3, kernelSize: 2, strides: 2, padding: 'same', activation: 'tanh' }),
      L.flatten(),
      L.dense({ units: 4, activation: 'relu', useBias: false }),
      L.dense({ units: 3 }),
    ],
  });
  seedWeights(m, 101, 0.8);
  return m;
}

function mlp(out: number): tf.LayersModel {
  const m = tf.sequential({ layers: [L.dense({ inputShape: [4], units: 5, activation: 'sigmoid' }), L.dense({ units: out })] });
  seedWeights(m, 102, 1);
  return m;
}

/** Flat [n, n] Gram matrix XᵀX of row-major X [rows, n], divided by `div`. */
function gram(x: number[], rows: number, n: number, div = 1): number[] {
  const g = new Array<number>(n * n).fill(0);
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) g[i * n + j] += (x[r * n + i] * x[r * n + j]) / div;
  return g;
}

describe('KronLaplace', () => {
  it('diagonal() equals A_ii·G_oo (kernels) and G_oo (biases) computed from the factors', async () => {
    const m = cnn();
    const xs = randomTensor([N, 5, 5, 2], 103);
    const ys = tf.tensor1d(randomLabels(N, 3, 104));
    const lap = (await fitLaplace(
      m as unknown as ModelLike,
      { xs, ys, batchSize: 4 },
      { likelihood: 'classification', structure: 'kron' },
    )) as KronLaplace;
    const expected: number[] = [];
    lap.factors.forEach((f) => {
      const a = arr(f.A);
      const g = arr(f.G);
      const fanIn = f.A.shape[0];
      const units = f.G.shape[0];
      for (let i = 0; i < fanIn; i++) for (let o = 0; o < units; o++) expected.push(a[i * fanIn + i] * g[o * units + o]);
      if (f.hasBias) for (let o = 0; o < units; o++) expected.push(g[o * units + o]);
    });
    expect(lap.factors.map((f) => f.hasBias)).toEqual([true, false, true]);
    expect(lap.factors.map((f) => f.A.shape[0])).toEqual([2 * 2 * 2, 27, 4]);
    const d = lap.diagonal();
    expect(d.shape).toEqual([lap.numParams]);
    expect(relErr(arr(d), expected)).toBeLessThan(1e-6);
    d.dispose();
    lap.dispose();
    tf.dispose([xs, ys]);
  });

  it('first-layer A = XᵀX/N, and last-layer G = Σ_n Λ_n for a linear output (classification) or N·I (regression)', async () => {
    const m = mlp(3);
    const xs = randomTensor([N, 4], 105);
    const x = arr(xs);
    for (const likelihood of ['classification', 'regression'] as const) {
      const ys = likelihood === 'classification' ? tf.tensor1d(randomLabels(N, 3, 106)) : randomTensor([N, 3], 106);
      const lap = (await fitLaplace(m as unknown as ModelLike, { xs, ys, batchSize: 4 }, { likelihood, structure: 'kron' })) as KronLaplace;
      expect(relErr(arr(lap.factors[0].A), gram(x, N, 4, N))).toBeLessThan(1e-5);
      let G: number[];
      if (likelihood === 'regression') {
        G = Array.from({ length: 9 }, (_, i) => (i % 4 === 0 ? N : 0));
      } else {
        const p = tf.tidy(() => tf.softmax(m.predict(xs) as tf.Tensor)).arraySync() as number[][];
        G = new Array<number>(9).fill(0);
        for (const row of p)
          for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) G[a * 3 + b] += (a === b ? row[a] : 0) - row[a] * row[b];
      }
      expect(relErr(arr(lap.factors[1].G), G), likelihood).toBeLessThan(1e-5);
      lap.dispose();
      ys.dispose();
    }
    xs.dispose();
  });
});

describe('DiagLaplace', () => {
  it('diagonalBlocks() have the parameter shapes and split diag in canonical order', async () => {
    const m = cnn();
    const xs = randomTensor([N, 5, 5, 2], 107);
    const ys = randomTensor([N, 3], 108);
    const lap = (await fitLaplace(m as unknown as ModelLike, { xs, ys }, { likelihood: 'regression', structure: 'diag' })) as DiagLaplace;
    const weights = m.weights;
    expect(lap.params.map((p) => p.shape)).toEqual(weights.map((w) => w.shape));
    expect(lap.params.map((p) => `${p.layerName}/${p.role}`)).toEqual(lap.params.map((p) => p.name));
    expect(lap.params.map((p) => p.role)).toEqual(['kernel', 'bias', 'kernel', 'kernel', 'bias']);
    expect(lap.numParams).toBe(weights.reduce((a, w) => a + w.shape.reduce((x, y) => x! * y!, 1)!, 0));
    const blocks = lap.diagonalBlocks();
    expect(blocks.map((b) => b.shape)).toEqual(weights.map((w) => w.shape));
    expect(blocks.flatMap((b) => arr(b))).toEqual(arr(lap.diag));
    const d = lap.diagonal();
    expect(arr(d)).toEqual(arr(lap.diag));
    expect(arr(lap.diag).every((v) => v >= 0)).toBe(true);
    tf.dispose([...blocks, d, xs, ys]);
    lap.dispose();
  });

  it('diag equals the diagonal of kron on one example for Dense layers, and of full', async () => {
    const m = mlp(2);
    const xs = randomTensor([1, 4], 109);
    const ys = randomTensor([1, 2], 110);
    const opts = { likelihood: 'regression' as const };
    const diag = await fitLaplace(m as unknown as ModelLike, { xs, ys }, { ...opts, structure: 'diag' });
    const kron = await fitLaplace(m as unknown as ModelLike, { xs, ys }, { ...opts, structure: 'kron' });
    const full = await fitLaplace(m as unknown as ModelLike, { xs, ys }, { ...opts, structure: 'full' });
    const [a, b, c] = [diag.diagonal(), kron.diagonal(), full.diagonal()];
    expect(relErr(arr(b), arr(a))).toBeLessThan(1e-5);
    expect(relErr(arr(c), arr(a))).toBeLessThan(1e-5);
    tf.dispose([a, b, c, xs, ys]);
    [diag, kron, full].forEach((l) => l.dispose());
  });
});

describe('loss and logLikelihood', () => {
  it('regression: logLikelihood = −loss/σ² − N·K·log(σ√(2π)) with loss = ½Σ(f − y)² from model.predict', async () => {
    const K = 3;
    const m = mlp(K);
    const xs = randomTensor([N, 4], 111);
    const ys = randomTensor([N, K], 112);
    const f = arr(m.predict(xs) as tf.Tensor);
    const y = arr(ys);
    const loss = 0.5 * f.reduce((s, v, i) => s + (v - y[i]) ** 2, 0);
    for (const sigma of [1, 0.3, 2.5]) {
      const lap = await fitLaplace(
        m as unknown as ModelLike,
        { xs, ys, batchSize: 4 },
        { likelihood: 'regression', structure: 'diag', sigma },
      );
      expect(lap.nData).toBe(N);
      expect(lap.sigma).toBe(sigma);
      expect(lap.hFactor).toBeCloseTo(1 / sigma ** 2, 10);
      expect(lap.loss).toBeCloseTo(loss, 4);
      const expected = -loss / sigma ** 2 - N * K * Math.log(sigma * Math.sqrt(2 * Math.PI));
      expect(Math.abs(lap.logLikelihood - expected)).toBeLessThan(1e-4 * Math.max(1, Math.abs(expected)));
      lap.dispose();
    }
    tf.dispose([xs, ys]);
  });

  it('regression with a 1-D target vector for a single output', async () => {
    const m = mlp(1);
    const xs = randomTensor([N, 4], 113);
    const ys = randomTensor([N], 114);
    const f = arr(m.predict(xs) as tf.Tensor);
    const y = arr(ys);
    const loss = 0.5 * f.reduce((s, v, i) => s + (v - y[i]) ** 2, 0);
    const lap = await fitLaplace(m as unknown as ModelLike, { xs, ys }, { likelihood: 'regression', structure: 'kron', sigma: 0.5 });
    expect(lap.loss).toBeCloseTo(loss, 4);
    expect(lap.logLikelihood).toBeCloseTo(-loss / 0.25 - N * Math.log(0.5 * Math.sqrt(2 * Math.PI)), 3);
    lap.dispose();
    tf.dispose([xs, ys]);
  });

  it('classification: logLikelihood = −Σ cross-entropy (integer and one-hot labels agree)', async () => {
    const m = mlp(3);
    const xs = randomTensor([N, 4], 115);
    const labels = randomLabels(N, 3, 116);
    const logits = m.predict(xs) as tf.Tensor;
    const ce = -tf.tidy(() => tf.sum(tf.mul(tf.oneHot(tf.tensor1d(labels, 'int32'), 3), tf.logSoftmax(logits)))).dataSync()[0];
    for (const ys of [tf.tensor1d(labels), tf.oneHot(tf.tensor1d(labels, 'int32'), 3), tf.tensor2d(labels, [N, 1])]) {
      const lap = await fitLaplace(m as unknown as ModelLike, { xs, ys }, { likelihood: 'classification', structure: 'diag' });
      expect(lap.loss).toBeCloseTo(ce, 4);
      expect(lap.logLikelihood).toBeCloseTo(-ce, 4);
      lap.dispose();
      ys.dispose();
    }
    tf.dispose([xs, logits]);
  });
});
