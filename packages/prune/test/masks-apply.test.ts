// Applying masks and keeping them applied during training (custom loop, model.fit,
// marglikTraining), sparsity reports, magnitude and random scores.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { InvalidOptionError } from '@spam/core';
import { marglikTraining } from '@spam/laplace';
import { scoredParams } from '../src/scores/scores.js';
import { magnitudeScores } from '../src/scores/magnitude.js';
import { randomScores } from '../src/scores/random.js';
import { Mask } from '../src/masks/mask.js';
import { scoreMask } from '../src/masks/select.js';
import { applyMask, MaskApplier } from '../src/masks/apply.js';
import { formatSparsityReport, sparsityReport } from '../src/masks/report.js';
import { arr, randomLabels, randomTensor, seedWeights, thrown } from '../../../test/helpers/index.js';
import { L, asModel, mlp, convNet, numParams, noLeak, noLeakAsync } from './mask-fixtures.js';

describe('applyMask and MaskApplier', () => {
  it('applyMask zeroes exactly the masked weights and leaves the others bit-identical', () => {
    for (const model of [mlp(12), convNet(13)]) {
      const before = model.getWeights().flatMap(arr);
      const sc = randomScores(asModel(model), { seed: 4 });
      const mask = scoreMask(sc, { sparsity: 0.5, includeBias: true });
      noLeak('applyMask', () => applyMask(asModel(model), mask));
      const after = model.getWeights().flatMap(arr);
      after.forEach((v, i) => {
        if (mask.keep[i]) expect(v).toBe(before[i]);
        else expect(Math.abs(v)).toBe(0); // θ·0 may be −0 for negative θ
      });
      expect(before.filter((_, i) => !mask.keep[i]).every((v) => v !== 0)).toBe(true);
      sc.dispose();
      model.dispose();
    }
  });

  const regData = () => ({ xs: randomTensor([40, 6], 50), ys: randomTensor([40, 3], 51) });

  it('(a) custom loop: optimizer.minimize / applyGradients + apply() keeps the pruned weights at zero', () => {
    const model = mlp(14);
    const { xs, ys } = regData();
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const sc = magnitudeScores(asModel(model));
    const mask = scoreMask(sc, { sparsity: 0.6, includeBias: true });
    sc.dispose();
    const applier = new MaskApplier(asModel(model), mask);
    expect(applier.mask).toBe(mask);
    noLeak('apply', () => applier.apply());
    const loss = () => tf.losses.meanSquaredError(ys, model.apply(xs) as tf.Tensor) as tf.Scalar;
    const opt = tf.train.sgd(0.1);
    // without re-applying, a step moves pruned weights off zero (so the applier matters)
    opt.minimize(loss, false, vars);
    const moved = model.getWeights().flatMap(arr);
    expect(moved.some((v, i) => !mask.keep[i] && v !== 0)).toBe(true);
    applier.apply();
    for (let step = 0; step < 5; step++) {
      opt.minimize(loss, false, vars);
      noLeak('apply', () => applier.apply());
      const w = model.getWeights().flatMap(arr);
      expect(w.every((v, i) => mask.keep[i] || v === 0)).toBe(true);
      expect(w.filter((_, i) => mask.keep[i]).every((v) => v !== 0)).toBe(true);
    }
    const adam = tf.train.adam(0.05);
    for (let step = 0; step < 5; step++) {
      const { value, grads } = tf.variableGrads(loss, vars);
      adam.applyGradients(grads as unknown as Parameters<typeof adam.applyGradients>[0]);
      tf.dispose([value, ...Object.values(grads)]);
      applier.apply();
    }
    expect(
      model
        .getWeights()
        .flatMap(arr)
        .every((v, i) => mask.keep[i] || v === 0),
    ).toBe(true);
    applier.dispose();
    applier.dispose(); // idempotent
    expect(() => applier.apply()).toThrow();
    opt.dispose();
    adam.dispose();
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('(b) model.fit with applier.callback(): pruned weights are zero after fit', async () => {
    const model = mlp(15);
    const { xs, ys } = regData();
    const sc = randomScores(asModel(model), { seed: 9 });
    const mask = scoreMask(sc, { sparsity: 0.7 });
    sc.dispose();
    const applier = new MaskApplier(asModel(model), mask);
    const before = model.getWeights().flatMap(arr);
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
    const h = await model.fit(xs, ys, { epochs: 3, batchSize: 10, verbose: 0, callbacks: [applier.callback()] });
    expect(h.history.loss).toHaveLength(3);
    const w = model.getWeights().flatMap(arr);
    expect(w.every((v, i) => mask.keep[i] || v === 0)).toBe(true);
    expect(w.filter((v, i) => mask.keep[i] && v !== before[i]).length).toBeGreaterThan(10); // it did train
    applier.dispose();
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('(c) marglikTraining with hooks: applier.hooks() keeps the mask through training and the final Laplace', async () => {
    const model = tf.sequential({ layers: [L.dense({ inputShape: [6], units: 8, activation: 'tanh' }), L.dense({ units: 3 })] });
    seedWeights(model, 16, 0.5);
    const xs = randomTensor([48, 6], 60);
    const ys = tf.tensor1d(randomLabels(48, 3, 61));
    const sc = randomScores(asModel(model), { seed: 3 });
    const mask = scoreMask(sc, { sparsity: 0.5 });
    sc.dispose();
    const applier = new MaskApplier(asModel(model), mask);
    applier.apply();
    const hooks = applier.hooks();
    expect(typeof hooks.afterBatch).toBe('function');
    const r = await marglikTraining(
      asModel(model),
      { xs, ys, batchSize: 16 },
      {
        likelihood: 'classification',
        epochs: 2,
        structure: 'diag',
        marglikEvery: 1,
        hyperSteps: 2,
        lr: 0.05,
        hooks,
      },
    );
    expect(r.history).toHaveLength(2);
    const w = model.getWeights().flatMap(arr);
    expect(w.every((v, i) => mask.keep[i] || v === 0)).toBe(true);
    expect(r.laplace.theta.flatMap(arr).every((v, i) => mask.keep[i] || v === 0)).toBe(true);
    expect(sparsityReport(asModel(model)).overall.kernel.zeros).toBe(mask.numPruned);
    r.laplace.dispose();
    r.prior.dispose();
    applier.dispose();
    tf.dispose([xs, ys]);
    model.dispose();
  });
});

describe('sparsityReport and formatSparsityReport', () => {
  it('on a mask: counts per layer and overall, kernel/bias split', () => {
    const model = mlp(17);
    const params = scoredParams(asModel(model));
    const keep = new Uint8Array(53).fill(1);
    for (let i = 0; i < 12; i++) keep[i] = 0; // 12 of layer 1's kernel (30)
    keep[30] = 0; // 1 of layer 1's bias (5)
    for (let i = 35; i < 40; i++) keep[i] = 0; // 5 of layer 2's kernel (15)
    const mask = new Mask(params, keep);
    const r = noLeak('sparsityReport', () => sparsityReport(mask));
    const [l1, l2] = params.filter((p) => p.role === 'kernel').map((p) => p.layerName);
    expect(r.layers.map((l) => l.layer)).toEqual([l1, l2]);
    expect(r.layers[0].kernel).toEqual({ total: 30, zeros: 12, sparsity: 0.4 });
    expect(r.layers[0].bias).toEqual({ total: 5, zeros: 1, sparsity: 0.2 });
    expect(r.layers[0].all).toEqual({ total: 35, zeros: 13, sparsity: 13 / 35 });
    expect(r.layers[1].kernel).toEqual({ total: 15, zeros: 5, sparsity: 5 / 15 });
    expect(r.layers[1].bias).toEqual({ total: 3, zeros: 0, sparsity: 0 });
    expect(r.overall.kernel).toEqual({ total: 45, zeros: 17, sparsity: 17 / 45 });
    expect(r.overall.bias).toEqual({ total: 8, zeros: 1, sparsity: 1 / 8 });
    expect(r.overall.all).toEqual({ total: 53, zeros: 18, sparsity: 18 / 53 });
    const text = formatSparsityReport(r);
    for (const l of [l1, l2, 'overall', 'kernel', 'bias']) expect(text).toContain(l);
    expect(text).toContain('40.00% of 30');
    expect(text.split('\n')).toHaveLength(4);
    model.dispose();
  });

  it('on a model: exact zeros of the current weights; a layer without bias reports bias total 0', () => {
    const model = tf.sequential({
      layers: [L.conv2d({ inputShape: [4, 4, 2], filters: 3, kernelSize: 2, useBias: false }), L.flatten(), L.dense({ units: 2 })],
    });
    seedWeights(model, 18);
    const sc = randomScores(asModel(model), { seed: 1 });
    const mask = scoreMask(sc, { sparsity: 0.45, includeBias: true });
    sc.dispose();
    applyMask(asModel(model), mask);
    const fromModel = noLeak('sparsityReport(model)', () => sparsityReport(asModel(model)));
    expect(fromModel).toEqual(sparsityReport(mask));
    expect(fromModel.layers[0].bias).toEqual({ total: 0, zeros: 0, sparsity: 0 });
    expect(fromModel.overall.all.zeros).toBe(Math.floor(numParams(model) * 0.45));
    const text = formatSparsityReport(fromModel);
    for (const l of fromModel.layers) expect(text).toContain(l.layer);
    expect(text).toMatch(/ - /); // the bias-free layer's bias column
    model.dispose();
  });
});

describe('magnitude and random scores', () => {
  it('magnitude = |θ|; random is seeded U(0, 1)', () => {
    const model = mlp(19);
    const m = noLeak('magnitudeScores', () => {
      const s = magnitudeScores(asModel(model));
      const f = Array.from(s.flat());
      s.dispose();
      return f;
    });
    expect(m).toEqual(
      model
        .getWeights()
        .flatMap(arr)
        .map(Math.abs)
        .map((v) => Math.fround(v)),
    );
    const r1 = randomScores(asModel(model), { seed: 5 });
    const r2 = randomScores(asModel(model), { seed: 5 });
    const r3 = randomScores(asModel(model), { seed: 6 });
    expect(Array.from(r1.flat())).toEqual(Array.from(r2.flat()));
    expect(Array.from(r1.flat())).not.toEqual(Array.from(r3.flat()));
    expect(Array.from(r1.flat()).every((v) => v >= 0 && v < 1)).toBe(true);
    expect(r1.criterion).toBe('random');
    expect(thrown(() => randomScores(asModel(model), { seed: 0.5 }))).toBeInstanceOf(InvalidOptionError);
    [r1, r2, r3].forEach((s) => s.dispose());
    model.dispose();
  });
});

describe('MaskApplier leaves no tensors behind over model.fit / marglikTraining', () => {
  it('callback and hooks', async () => {
    const model = mlp(26);
    const xs = randomTensor([20, 6], 80);
    const ys = randomTensor([20, 3], 81);
    const sc = randomScores(asModel(model));
    const mask = scoreMask(sc, { sparsity: 0.5 });
    sc.dispose();
    const applier = new MaskApplier(asModel(model), mask);
    const cb = applier.callback();
    await noLeakAsync('callback', async () => {
      await cb.onTrainBegin();
      await cb.onBatchEnd();
    });
    await noLeakAsync('marglikTraining + hooks', async () => {
      const r = await marglikTraining(
        asModel(model),
        { xs, ys, batchSize: 10 },
        {
          likelihood: 'regression',
          epochs: 1,
          structure: 'diag',
          marglikEvery: 1,
          hyperSteps: 1,
          hooks: applier.hooks(),
        },
      );
      r.laplace.dispose();
      r.prior.dispose();
    });
    expect(
      model
        .getWeights()
        .flatMap(arr)
        .every((v, i) => mask.keep[i] || v === 0),
    ).toBe(true);
    applier.dispose();
    tf.dispose([xs, ys]);
    model.dispose();
  });
});
