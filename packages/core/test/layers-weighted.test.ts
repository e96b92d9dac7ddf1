// Layers with weights beyond Dense/Conv2D (Dense on any rank, Conv1D, Embedding,
// BatchNormalization, LayerNormalization, DepthwiseConv2D, SeparableConv2D, PReLU) inside small
// Sequential and functional models: forward = model.predict, per-example parameter gradients =
// tfjs autodiff on cpu, batch-split invariance, no leaked tensors.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { arr, maxAbsDiff, randomTensor } from '../../../test/helpers/index.js';
import { adapterOf, adapterPerExample, referencePerExample, worstRelErr } from './layers-helpers.js';
import { buildCase, CASES } from './layers-cases.js';

describe('weighted layers: forward equals model.predict', () => {
  CASES.forEach((c, ci) => {
    it(c.name, () => {
      const model = buildCase(c, 100 + ci);
      const x = c.input(4, 200 + ci);
      const adapter = adapterOf(model);
      const ours = adapter.predict(x);
      const theirs = model.predict(x) as tf.Tensor;
      expect(ours.shape).toEqual(theirs.shape);
      const scale = Math.max(...arr(theirs).map(Math.abs));
      expect(scale).toBeGreaterThan(1e-2);
      expect(maxAbsDiff(arr(ours), arr(theirs))).toBeLessThan(2e-5 * Math.max(1, scale));
      tf.dispose([x, ours, theirs]);
      model.dispose();
    });
  });
});

describe('weighted layers: per-example parameter gradients equal tfjs autodiff on cpu', () => {
  CASES.forEach((c, ci) => {
    it(c.name, async () => {
      const model = buildCase(c, 300 + ci);
      const n = 3;
      const x = c.input(n, 400 + ci);
      const adapter = adapterOf(model);
      const v = randomTensor([2, n, adapter.outputDim], 500 + ci);
      // canonical order = model.trainableWeights order, by name
      const names = model.trainableWeights.map((w) => (w as unknown as { originalName: string }).originalName);
      expect(adapter.params.map((p) => p.name)).toEqual(names);
      expect(adapter.numParams).toBe(
        model.countParams() - model.nonTrainableWeights.reduce((a, w) => a + (w.shape as number[]).reduce((p, d) => p * d, 1), 0),
      );
      const before = tf.memory().numTensors;
      const ours = adapterPerExample(adapter, x, v);
      expect(tf.memory().numTensors).toBe(before);
      const ref = await referencePerExample(model, x, v);
      const refScale = Math.max(...ref.flat(2).map(Math.abs));
      expect(refScale).toBeGreaterThan(1e-3);
      expect(worstRelErr(ours, ref)).toBeLessThan(1e-4);
      tf.dispose([x, v]);
      model.dispose();
    });
  });
});

describe('weighted layers: batch-split invariance and the K slices', () => {
  CASES.forEach((c, ci) => {
    it(c.name, () => {
      const model = buildCase(c, 600 + ci);
      const n = 5;
      const x = c.input(n, 700 + ci);
      const adapter = adapterOf(model);
      const v = randomTensor([3, n, adapter.outputDim], 800 + ci);
      const whole = adapterPerExample(adapter, x, v);
      const parts = [
        [0, 2],
        [2, 3],
      ].map(([s, m]) => tf.tidy(() => adapterPerExample(adapter, tf.slice(x, [s], [m]), tf.slice(v, [0, s], [-1, m]))));
      const joined = whole.map((_, k) => [...parts[0][k], ...parts[1][k]]);
      expect(worstRelErr(joined, whole)).toBeLessThan(1e-5);
      // One K slice alone gives the same rows as the stacked call.
      const one = tf.tidy(() => adapterPerExample(adapter, x, tf.slice(v, [1], [1])));
      expect(worstRelErr(one, [whole[1]])).toBeLessThan(1e-5);
      tf.dispose([x, v]);
      model.dispose();
    });
  });
});
