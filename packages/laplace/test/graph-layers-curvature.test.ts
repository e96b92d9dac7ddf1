// fitLaplace (diag / kron / full) on small graph models with every weighted layer of issue 11
// (Dense on tokens, Conv1D, Embedding, BatchNormalization, LayerNormalization, DepthwiseConv2D,
// SeparableConv2D, PReLU): the exact GGN against brute-force per-example Jacobians on cpu.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildModelAdapter, type ModelLike } from '@spam/core';
import { createPrior } from '@spam/priors';
import { fitLaplace, logMarginalLikelihoodTerms } from '@spam/laplace';
import { arr, onBackend, randomLabels, randomTensor, relErr, rng, seedWeights } from '../../../test/helpers/index.js';

const L = tf.layers;
type S = tf.SymbolicTensor;
const asModel = (m: tf.LayersModel) => m as unknown as ModelLike;

/** Brute-force GGN Σ_n J_nᵀ (diag(p) − ppᵀ) J_n `[P][P]` over model.trainableWeights (softmax of the logits). */
function bruteGgn(model: tf.LayersModel, xs: tf.Tensor): number[][] {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const n = xs.shape[0];
  const H: number[][] = [];
  for (let i = 0; i < n; i++) {
    const xi = tf.slice(xs, [i], [1]);
    const f = arr(tf.tidy(() => model.apply(xi, { training: false }) as tf.Tensor));
    const m = Math.max(...f);
    const e = f.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    const p = e.map((v) => v / s);
    const J = f.map((_, c) =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => tf.sum<tf.Scalar>(tf.slice(model.apply(xi, { training: false }) as tf.Tensor, [0, c], [1, 1])),
          vars,
        );
        value.dispose();
        return vars.flatMap((v) => arr(grads[v.name]));
      }),
    );
    xi.dispose();
    const P = J[0].length;
    if (H.length === 0) for (let a = 0; a < P; a++) H.push(new Array<number>(P).fill(0));
    for (let c = 0; c < f.length; c++)
      for (let d = 0; d < f.length; d++) {
        const lam = (c === d ? p[c] : 0) - p[c] * p[d];
        for (let a = 0; a < P; a++) {
          const ja = J[c][a] * lam;
          if (ja === 0) continue;
          for (let b = 0; b < P; b++) H[a][b] += ja * J[d][b];
        }
      }
  }
  return H;
}

interface Case {
  name: string;
  make: () => tf.LayersModel;
  xs: () => tf.Tensor;
}

const N = 6;

function ids(seed: number, vocab: number, t: number): tf.Tensor {
  const u = rng(seed);
  return tf.tensor2d(
    Array.from({ length: N * t }, () => Math.floor(u() * vocab)),
    [N, t],
    'int32',
  );
}

const CASES: Case[] = [
  {
    name: 'image: Conv2D → DepthwiseConv2D → BatchNormalization → PReLU → SeparableConv2D → Add → GAP2D → Dense',
    make: () => {
      const inp = tf.input({ shape: [5, 5, 2] });
      const stem = L.conv2d({ filters: 2, kernelSize: 1, activation: 'tanh' }).apply(inp) as S;
      let h = L.depthwiseConv2d({ kernelSize: 2, depthMultiplier: 2, padding: 'same', activation: 'tanh' }).apply(stem) as S;
      h = L.batchNormalization({}).apply(h) as S;
      h = L.prelu({ sharedAxes: [1, 2] }).apply(h) as S;
      h = L.separableConv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'sigmoid' }).apply(h) as S;
      h = L.add().apply([h, stem]) as S;
      h = L.globalAveragePooling2d({}).apply(h) as S;
      return tf.model({ inputs: inp, outputs: L.dense({ units: 3 }).apply(h) as S });
    },
    xs: () => randomTensor([N, 5, 5, 2], 31),
  },
  {
    name: 'tokens: Embedding → Conv1D → LayerNormalization → Dense on tokens → Flatten → Dense',
    make: () => {
      const inp = tf.input({ shape: [4], dtype: 'int32' });
      let h = L.embedding({ inputDim: 5, outputDim: 3 }).apply(inp) as S;
      h = L.conv1d({ filters: 3, kernelSize: 2, padding: 'same', activation: 'tanh' }).apply(h) as S;
      h = L.layerNormalization({}).apply(h) as S;
      h = L.dense({ units: 2, activation: 'tanh' }).apply(h) as S;
      h = L.flatten().apply(h) as S;
      return tf.model({ inputs: inp, outputs: L.dense({ units: 3 }).apply(h) as S });
    },
    xs: () => ids(41, 5, 4),
  },
];

function build(c: Case, seed: number): tf.LayersModel {
  const m = c.make();
  seedWeights(m, seed, 0.7);
  // Moving statistics away from (0, 1): mean 0.3, variance 1.7 per channel.
  for (const l of m.layers) {
    if (l.getClassName() !== 'BatchNormalization') continue;
    const ws = l.getWeights();
    const ch = ws[0].shape[0];
    const stats = [tf.fill([ch], 0.3), tf.fill([ch], 1.7)];
    l.setWeights([...ws.slice(0, -2), ...stats]);
    tf.dispose(stats);
  }
  return m;
}

describe('fitLaplace on graph models with every weighted layer: exact GGN', () => {
  CASES.forEach((c, ci) => {
    it(c.name, async () => {
      const model = build(c, 60 + ci);
      const xs = c.xs();
      const ys = tf.tensor1d(randomLabels(N, 3, 70 + ci), 'int32');
      const H = await onBackend('cpu', () => bruteGgn(model, xs));
      const diagRef = H.map((row, i) => row[i]);
      const adapter = buildModelAdapter(asModel(model), { logits: true });
      expect(adapter.numParams).toBe(H.length);
      const before = tf.memory().numTensors;

      const diag = await fitLaplace<'diag'>(asModel(model), { xs, ys, batchSize: 4 }, { likelihood: 'classification', structure: 'diag' });
      expect(Math.max(...diagRef)).toBeGreaterThan(1e-3);
      expect(relErr(arr(diag.diag), diagRef)).toBeLessThan(1e-4);
      // every parameter tensor on its own (a wrong block would hide in the global norm)
      for (const p of adapter.params) {
        const ref = diagRef.slice(p.offset, p.offset + p.size);
        const ours = arr(diag.diag).slice(p.offset, p.offset + p.size);
        expect(relErr(ours, ref), p.name).toBeLessThan(1e-3);
      }

      const full = await fitLaplace<'full'>(asModel(model), { xs, ys, batchSize: 5 }, { likelihood: 'classification', structure: 'full' });
      expect(relErr(arr(full.H), H.flat())).toBeLessThan(1e-4);

      const kron = await fitLaplace<'kron'>(asModel(model), { xs, ys, batchSize: 4 }, { likelihood: 'classification', structure: 'kron' });
      expect(kron.factors).toHaveLength(adapter.parametric.length);
      // Weighted layers are exact diagonal blocks inside kron.
      adapter.params.forEach((p, i) => {
        if (p.kron) return;
        expect(relErr(arr(kron.diagonalBlocks[i]!), diagRef.slice(p.offset, p.offset + p.size)), p.name).toBeLessThan(1e-4);
      });
      const emb = adapter.parametric.findIndex((l) => l.className === 'Embedding');
      if (emb >= 0) {
        // Embedding = Dense on one-hot tokens: A = diag(token counts) / (N·T).
        const tokens = arr(xs);
        const counts = new Array<number>(5).fill(0);
        tokens.forEach((t) => counts[t]++);
        const A = kron.factors[emb].A;
        const expected = counts.flatMap((cnt, i) => counts.map((_, j) => (i === j ? cnt / tokens.length : 0)));
        expect(relErr(arr(A), expected)).toBeLessThan(1e-6);
      }

      // The log marginal likelihood runs on every structure with a unit-wise prior over the new tensors.
      const prior = createPrior(asModel(model), 'unitwise');
      for (const lap of [diag, full, kron]) {
        const t = logMarginalLikelihoodTerms(lap, prior) as unknown as Record<string, number>;
        for (const [k, v] of Object.entries(t)) if (typeof v === 'number') expect(Number.isFinite(v), k).toBe(true);
      }
      prior.dispose();
      [diag, full, kron].forEach((l) => l.dispose());
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([xs, ys]);
      model.dispose();
    });
  });
});
