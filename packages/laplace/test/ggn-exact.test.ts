import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { ModelLike } from '@spam/core';
import { fitLaplace, type FullLaplace, type KronLaplace } from '@spam/laplace';
import { arr, block, copyWeights, kron, onBackend, randomLabels, randomTensor, relErr, seedWeights } from '../../../test/helpers/index.js';

const L = tf.layers;
const asModel = (m: tf.LayersModel) => m as unknown as ModelLike;

/** Per-example Jacobians J_n `[outDim, P]` (params in model.weights order) by tfjs autodiff. */
function jacobians(model: tf.LayersModel, xs: tf.Tensor): number[][][] {
  const vars = model.weights.map((w) => w.read() as tf.Variable);
  const n = xs.shape[0];
  const out: number[][][] = [];
  for (let i = 0; i < n; i++) {
    const rows: number[][] = [];
    const outDim = (model.outputs[0].shape as number[])[1];
    for (let c = 0; c < outDim; c++) {
      rows.push(
        tf.tidy(() => {
          const x = tf.slice(xs, [i], [1]);
          const { value, grads } = tf.variableGrads(
            () => tf.sum(tf.slice(model.apply(x, { training: false }) as tf.Tensor, [0, c], [1, 1])) as tf.Scalar,
            vars,
          );
          value.dispose();
          return vars.flatMap((v) => arr(grads[v.name]));
        }),
      );
    }
    out.push(rows);
  }
  return out;
}

/** Σ_n J_nᵀ Λ_n J_n as a flat [P, P] array, with Λ_n given per example as a flat [C, C] array. */
function sandwich(js: number[][][], lambdas: number[][]): number[] {
  const c = js[0].length;
  const p = js[0][0].length;
  const h = new Array<number>(p * p).fill(0);
  js.forEach((J, n) => {
    for (let a = 0; a < c; a++)
      for (let b = 0; b < c; b++) {
        const l = lambdas[n][a * c + b];
        if (l === 0) continue;
        for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) h[i * p + j] += J[a][i] * l * J[b][j];
      }
  });
  return h;
}

/** Per-example Λ_n: diag(p) − p pᵀ for logits rows, or I for regression. */
function lambdas(logits: number[][] | null, n: number, c: number): number[][] {
  return Array.from({ length: n }, (_, i) => {
    const lam = new Array<number>(c * c).fill(0);
    if (!logits) {
      for (let a = 0; a < c; a++) lam[a * c + a] = 1;
      return lam;
    }
    const m = Math.max(...logits[i]);
    const e = logits[i].map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    const p = e.map((v) => v / s);
    for (let a = 0; a < c; a++) for (let b = 0; b < c; b++) lam[a * c + b] = (a === b ? p[a] : 0) - p[a] * p[b];
    return lam;
  });
}

function rows(t: tf.Tensor): number[][] {
  return t.arraySync() as number[][];
}

describe('KFAC equals the exact GGN block of a Dense layer on one example (N = 1)', () => {
  for (const likelihood of ['classification', 'regression'] as const) {
    it(likelihood, async () => {
      const m = tf.sequential({
        layers: [
          L.dense({ inputShape: [4], units: 3, activation: 'tanh' }),
          L.dense({ units: 3, activation: 'sigmoid' }),
          L.dense({ units: likelihood === 'classification' ? 3 : 2 }),
        ],
      });
      seedWeights(m, 11, 0.8);
      const xs = randomTensor([1, 4], 12);
      const ys = likelihood === 'classification' ? tf.tensor1d([2]) : randomTensor([1, 2], 13);
      const full = (await fitLaplace(asModel(m), { xs, ys }, { likelihood, structure: 'full' })) as FullLaplace;
      const kfac = (await fitLaplace(asModel(m), { xs, ys }, { likelihood, structure: 'kron' })) as KronLaplace;
      const H = arr(full.H);
      const P = full.numParams;
      expect(kfac.factors.length).toBe(3);
      kfac.factors.forEach((f, l) => {
        const kb = full.params.find((p) => p.layerIndex === l && p.role === 'kernel')!;
        const bb = full.params.find((p) => p.layerIndex === l && p.role === 'bias')!;
        const [fanIn, units] = kb.shape;
        const ref = block(H, P, kb.offset, kb.size, kb.offset, kb.size);
        expect(Math.max(...ref.map(Math.abs))).toBeGreaterThan(1e-4);
        expect(relErr(kron(arr(f.A), fanIn, arr(f.G), units), ref), `layer ${l} kernel`).toBeLessThan(1e-4);
        expect(relErr(arr(f.G), block(H, P, bb.offset, units, bb.offset, units)), `layer ${l} bias`).toBeLessThan(1e-4);
      });
      full.dispose();
      kfac.dispose();
      tf.dispose([xs, ys]);
    });
  }
});

describe("structure 'full' equals a brute-force J^T Λ J from tfjs autodiff Jacobians", () => {
  it('classification, tiny MLP ending in softmax (the GGN is over the logits)', async () => {
    const make = (act: 'softmax' | 'linear') =>
      tf.sequential({ layers: [L.dense({ inputShape: [3], units: 4, activation: 'tanh' }), L.dense({ units: 3, activation: act })] });
    const m = make('softmax');
    const logitsModel = make('linear');
    seedWeights(m, 21, 1);
    copyWeights(m, logitsModel);
    const n = 4;
    const xs = randomTensor([n, 3], 22);
    const ys = tf.tensor1d(randomLabels(n, 3, 23));
    const lap = (await fitLaplace(
      asModel(m),
      { xs, ys, batchSize: 3 },
      { likelihood: 'classification', structure: 'full' },
    )) as FullLaplace;
    const f = logitsModel.predict(xs) as tf.Tensor;
    const ref = sandwich(jacobians(logitsModel, xs), lambdas(rows(f), n, 3));
    expect(lap.H.shape).toEqual([lap.numParams, lap.numParams]);
    expect(relErr(arr(lap.H), ref)).toBeLessThan(1e-4);
    lap.dispose();
    tf.dispose([xs, ys, f]);
  });

  it('regression with σ = 0.5 (H is stored for unit noise: Σ JᵀJ)', async () => {
    const m = tf.sequential({
      layers: [L.dense({ inputShape: [3], units: 4, activation: 'softplus' }), L.dense({ units: 2, useBias: false })],
    });
    seedWeights(m, 31, 1);
    const n = 5;
    const xs = randomTensor([n, 3], 32);
    const ys = randomTensor([n, 2], 33);
    const lap = (await fitLaplace(
      asModel(m),
      { xs, ys, batchSize: 2 },
      { likelihood: 'regression', structure: 'full', sigma: 0.5 },
    )) as FullLaplace;
    expect(lap.hFactor).toBeCloseTo(4, 10);
    const ref = sandwich(jacobians(m, xs), lambdas(null, n, 2));
    expect(relErr(arr(lap.H), ref)).toBeLessThan(1e-4);
    lap.dispose();
    tf.dispose([xs, ys]);
  });

  it('regression on a tiny CNN (conv same + max pool + dense); diag equals diag(full)', async () => {
    const m = tf.sequential({
      layers: [
        L.conv2d({ inputShape: [5, 5, 1], filters: 2, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' }),
        L.maxPooling2d({ poolSize: 2, strides: 1 }),
        L.flatten(),
        L.dense({ units: 2 }),
      ],
    });
    seedWeights(m, 41, 0.8);
    const n = 3;
    const xs = randomTensor([n, 5, 5, 1], 42);
    const ys = randomTensor([n, 2], 43);
    const lap = (await fitLaplace(asModel(m), { xs, ys }, { likelihood: 'regression', structure: 'full' })) as FullLaplace;
    const diag = await fitLaplace(asModel(m), { xs, ys }, { likelihood: 'regression', structure: 'diag' });
    // wasm has no Conv2DBackpropFilter kernel: take the autodiff Jacobians on cpu.
    const ref = await onBackend('cpu', () => sandwich(jacobians(m, xs), lambdas(null, n, 2)));
    expect(relErr(arr(lap.H), ref)).toBeLessThan(1e-4);
    const P = lap.numParams;
    expect(
      relErr(
        arr(diag.diag),
        Array.from({ length: P }, (_, i) => ref[i * P + i]),
      ),
    ).toBeLessThan(1e-4);
    tf.dispose([xs, ys]);
    lap.dispose();
    diag.dispose();
  });
});

describe("curvature 'ef' equals Σ_n ∇ℓ_n ∇ℓ_nᵀ from tfjs autodiff", () => {
  for (const likelihood of ['classification', 'regression'] as const) {
    it(likelihood, async () => {
      const out = likelihood === 'classification' ? 3 : 2;
      const m = tf.sequential({ layers: [L.dense({ inputShape: [3], units: 4, activation: 'elu' }), L.dense({ units: out })] });
      seedWeights(m, 51, 1);
      const n = 4;
      const sigma = likelihood === 'regression' ? 0.7 : 1;
      const xs = randomTensor([n, 3], 52);
      const ys = likelihood === 'classification' ? tf.tensor1d(randomLabels(n, 3, 53)) : randomTensor([n, 2], 53);
      const lap = (await fitLaplace(asModel(m), { xs, ys }, { likelihood, structure: 'full', curvature: 'ef', sigma })) as FullLaplace;
      const vars = m.weights.map((w) => w.read() as tf.Variable);
      const P = lap.numParams;
      const ref = new Array<number>(P * P).fill(0);
      for (let i = 0; i < n; i++) {
        const g = tf.tidy(() => {
          const x = tf.slice(xs, [i], [1]);
          const { value, grads } = tf.variableGrads(() => {
            const fx = m.apply(x) as tf.Tensor;
            return likelihood === 'classification'
              ? tf.losses.softmaxCrossEntropy(tf.oneHot(tf.cast(tf.slice(ys, [i], [1]), 'int32'), 3), fx)
              : tf.div(tf.mul(0.5, tf.sum(tf.square(tf.sub(fx, tf.slice(ys, [i], [1]))))), sigma * sigma);
          }, vars);
          value.dispose();
          return vars.flatMap((v) => arr(grads[v.name]));
        });
        // s·H_ef is the empirical Fisher of ℓ/σ²; H is stored without s = 1/σ².
        for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) ref[a * P + b] += g[a] * g[b] * sigma * sigma;
      }
      expect(relErr(arr(lap.H), ref)).toBeLessThan(1e-4);
      lap.dispose();
      tf.dispose([xs, ys]);
    });
  }
});
