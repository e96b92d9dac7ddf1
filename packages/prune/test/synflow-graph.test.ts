// SynFlow on graph models (merges, BatchNormalization, LayerNormalization, DepthwiseConv2D, PReLU,
// attention, Embedding): against tfjs autodiff on `cpu`, against the explicit-parameter chain pass
// and the float64 chain fixtures, weights restored bit-exactly, no tensor left behind.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { buildModelAdapter, NonFiniteError } from '@spam/core';
import { synflowScores } from '../src/scores/synflow.js';
import { outputSumGradient } from '../src/scores/hessian-vector.js';
import { outputSumGradientThroughAdapter } from '../src/scores/graph-passes.js';
import { buildFixtureModel } from '../../../tools/fixtures/build-model.js';
import { toTfjsOrder, type Fixture } from '../../../tools/fixtures/schema.js';
import { onBackend, relErr, thrown } from '../../../test/helpers/index.js';
import { asModel, cnnModel, mlpModel, take } from './gradient-fixtures.js';
import {
  attentionModel,
  autodiffSynflow,
  depthwiseModel,
  embeddingModel,
  resMlpModel,
  resnetModel,
  trainable,
} from './grasp-synflow-nets.js';

const L = tf.layers;
const FIXTURE_DIR = new URL('../../../test/fixtures/', import.meta.url);
const CASES = (JSON.parse(readFileSync(new URL('index.json', FIXTURE_DIR), 'utf8')) as { cases: Array<{ file: string }> }).cases.map(
  (c) => JSON.parse(readFileSync(new URL(c.file, FIXTURE_DIR), 'utf8')) as Fixture,
);

function expectSameWeights(model: tf.LayersModel, before: Float32Array[]): void {
  const after = trainable(model);
  after.forEach((w, i) => expect(Array.from(w), model.trainableWeights[i].name).toEqual(Array.from(before[i])));
}

describe('SynFlow on graph models', () => {
  const nets: Array<[string, () => tf.LayersModel]> = [
    ['residual CNN + BatchNormalization', () => resnetModel(1)],
    ['residual MLP + BatchNormalization (tanh)', () => resMlpModel(4)],
    ['depthwise + gate (Multiply) + PReLU', () => depthwiseModel(2)],
    ['self-attention (Dot, inner softmax) + LayerNormalization', () => attentionModel(3)],
  ];
  for (const [name, make] of nets) {
    it(`${name}: = tfjs autodiff on cpu (≤ 1e-5), weights bit-exact, no leak`, async () => {
      const model = make();
      const weights = trainable(model);
      const before = tf.memory().numTensors;
      const scores = take(synflowScores(asModel(model)));
      expect(tf.memory().numTensors).toBe(before);
      expectSameWeights(model, weights);
      const ref = await onBackend('cpu', () => autodiffSynflow(model));
      expect(scores.length).toBe(ref.length);
      expect(relErr(scores, ref)).toBeLessThanOrEqual(1e-5);
      // Every parameter tensor gets scores (none is silently left at 0).
      expect(scores.some((s) => s > 0)).toBe(true);
      model.dispose();
    });
  }

  it('BatchNormalization: the moving statistics are used as they are (not |·|) and never written', () => {
    const model = resnetModel(5);
    const stats = model.weights.filter((w) => !w.trainable).map((w) => Array.from(w.read().dataSync()));
    expect(stats.flat().some((v) => v < 0)).toBe(true); // a negative moving mean: |·| would change R
    take(synflowScores(asModel(model)));
    expect(model.weights.filter((w) => !w.trainable).map((w) => Array.from(w.read().dataSync()))).toEqual(stats);
    model.dispose();
  });

  it('Embedding: the one-hot all-ones input, = a token-wise Dense (no bias) on all-ones float rows', () => {
    const emb = embeddingModel(6);
    const x = tf.input({ shape: [5, 7] });
    const e = L.dense({ units: 4, useBias: false }).apply(x) as tf.SymbolicTensor;
    const h = L.dense({ units: 4, activation: 'tanh' }).apply(L.layerNormalization().apply(e)) as tf.SymbolicTensor;
    const out = L.dense({ units: 3 }).apply(L.globalAveragePooling1d({}).apply(L.add().apply([e, h]))) as tf.SymbolicTensor;
    const dense = tf.model({ inputs: x, outputs: out });
    dense.setWeights(emb.getWeights());
    const weights = trainable(emb);
    const before = tf.memory().numTensors;
    const s = take(synflowScores(asModel(emb)));
    expect(tf.memory().numTensors).toBe(before);
    expectSameWeights(emb, weights);
    const ref = take(synflowScores(asModel(dense)));
    expect(relErr(s, ref)).toBeLessThanOrEqual(1e-6);
    // Every embedding row is scored, not only token 1's.
    const rows = Array.from({ length: 7 }, (_, v) => s.slice(v * 4, v * 4 + 4).some((t) => t > 0));
    expect(rows).toEqual(Array(7).fill(true));
    emb.dispose();
    dense.dispose();
  });

  it('iterative SynFlow runs on a graph model: ⌊P·s⌋ zeros, weights bit-exact', () => {
    const model = attentionModel(7);
    const weights = trainable(model);
    const s = take(synflowScores(asModel(model), { iterations: 3, sparsity: 0.6 }));
    expect(s.filter((v) => v === 0).length).toBeGreaterThanOrEqual(Math.floor(s.length * 0.6));
    expectSameWeights(model, weights);
    model.dispose();
  });

  it('an overflowing score is a NonFiniteError naming the tensor; weights restored bit-exactly, no leak', () => {
    const model = resnetModel(8);
    model.setWeights(model.getWeights().map((w, i) => (model.weights[i].trainable ? tf.mul(w, 1e12) : tf.clone(w))));
    const weights = trainable(model);
    const before = tf.memory().numTensors;
    const e = thrown(() => synflowScores(asModel(model)));
    expect(e).toBeInstanceOf(NonFiniteError);
    expect(e.message).toMatch(/synflow scores of '.+\/.+'/);
    expect(tf.memory().numTensors).toBe(before);
    expectSameWeights(model, weights);
    model.dispose();
  });
});

describe('SynFlow: the adapter pass equals the explicit-parameter chain pass on chains', () => {
  for (const [name, make] of [
    ['CNN (max/avg pooling, dropout, final softmax)', () => cnnModel(3)],
    ['MLP (hidden softmax layer)', () => mlpModel(4)],
  ] as const) {
    it(name, () => {
      const model = make();
      const adapter = buildModelAdapter(asModel(model), { logits: true });
      const abs = adapter.params.map((p) => tf.abs(p.variable.read()));
      const chain = tf.tidy(() => outputSumGradient(adapter, tf.ones([1, ...adapter.inputShape]), abs));
      const graph = outputSumGradientThroughAdapter(adapter, abs);
      const flat = (ts: tf.Tensor[]) => ts.flatMap((t) => Array.from(t.dataSync()));
      expect(relErr(flat(graph), flat(chain))).toBeLessThanOrEqual(1e-6);
      tf.dispose([...abs, ...chain, ...graph]);
      model.dispose();
    });
  }

  for (const fx of CASES) {
    it(`${fx.name}: the adapter pass reproduces the float64 fixture's synflow (≤ 1e-4)`, () => {
      const model = buildFixtureModel(fx);
      const adapter = buildModelAdapter(asModel(model), { logits: true });
      const scores = tf.tidy(() => {
        const abs = adapter.params.map((p) => tf.abs(p.variable.read()));
        const g = outputSumGradientThroughAdapter(adapter, abs);
        return g.flatMap((t, i) => Array.from(tf.abs(tf.mul(t, abs[i])).dataSync()));
      });
      const ref = toTfjsOrder(fx, (fx.expected.scores as Record<string, number[]>).synflow);
      expect(relErr(scores, ref)).toBeLessThanOrEqual(1e-4);
      model.dispose();
    });
  }
});
