// The central property of structured removal through graphs: over ≥ 100 seeded random graph nets
// (residual blocks with 1×1 shortcuts, BN, depthwise-separable blocks, Concatenate branches,
// attention blocks), random unit masks built from dependency groups at random sparsities give
// pruneUnits(model, masks) == maskUnits(model, masks) (max |Δ| ≤ 1e-5) on random inputs, the input
// model's weights are unchanged, and no tensor is left behind.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { countMacs, groupMasks, groupScores, maskUnits, pruneUnits, randomUnitScores } from '@spam/structured';
import { maxAbsDiff, randomTensor, rng } from '../../../test/helpers/index.js';
import { randomGraphNet } from './random-graph-nets.js';

const CASES = 110;

const snapshot = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

function checkCase(seed: number): { removed: boolean; headsRemoved: boolean } {
  const n0 = tf.memory().numTensors;
  const { model, inputShape, description } = randomGraphNet(seed);
  const u = rng(seed + 5000);
  const sparsity = Math.round(30 + u() * 60) / 100; // 0.3–0.9: small families lose ⌊n·r⌋ groups
  const scope = u() < 0.7 ? 'family' : 'global';
  const masks = groupMasks(groupScores(model, randomUnitScores(model, { seed })), { sparsity, scope });
  const label = `seed ${seed}: ${description}; sparsity ${sparsity} (${scope})`;
  const before = snapshot(model);
  const x = randomTensor([3, ...inputShape], seed + 2000);
  const pruned = pruneUnits(model, masks);
  const masked = maskUnits(model, masks);
  const [yp, ym] = tf.tidy(() => [pruned, masked].map((m) => Array.from((m.predict(x) as tf.Tensor).dataSync())));
  expect(maxAbsDiff(yp, ym), label).toBeLessThanOrEqual(1e-5);
  expect(countMacs(pruned), label).toBeLessThanOrEqual(countMacs(model));
  const removed = pruned.countParams() < model.countParams();
  const headsRemoved = pruned.layers.length < model.layers.length;
  expect(snapshot(model), label).toEqual(before);
  tf.dispose(x);
  pruned.dispose();
  masked.dispose();
  model.dispose();
  expect(tf.memory().numTensors, label).toBe(n0);
  return { removed, headsRemoved };
}

describe('pruneUnits equals maskUnits on random graph nets (property test)', () => {
  it(`${CASES} random residual / depthwise-separable / Concatenate / attention nets`, () => {
    let removed = 0;
    let heads = 0;
    for (let i = 0; i < CASES; i++) {
      const r = checkCase(7000 + i);
      if (r.removed) removed++;
      if (r.headsRemoved) heads++;
    }
    // The property must be exercised: most nets lose units, some lose whole attention heads.
    expect(removed).toBeGreaterThan(0.8 * CASES);
    expect(heads).toBeGreaterThan(5);
  }, 120_000);

  it('SeparableConv2D with depthMultiplier 2 (tfjs 4.22 getConfig omits it): pruned and masked keep the multiplier', () => {
    const x = tf.input({ shape: [5, 5, 2] });
    const c = tf.layers.conv2d({ filters: 3, kernelSize: 1, name: 'c' }).apply(x) as tf.SymbolicTensor;
    const sep = tf.layers.separableConv2d({ filters: 2, kernelSize: 3, depthMultiplier: 2, name: 'sep' }).apply(c) as tf.SymbolicTensor;
    const y = tf.layers.dense({ units: 2, name: 'out' }).apply(tf.layers.flatten({}).apply(sep)) as tf.SymbolicTensor;
    const m = tf.model({ inputs: x, outputs: y });
    const masks = { c: [true, false, true] };
    const p = pruneUnits(m, masks);
    const q = maskUnits(m, masks);
    expect(p.getLayer('sep').getWeights()[0].shape).toEqual([3, 3, 2, 2]);
    expect(q.getLayer('sep').getWeights()[0].shape).toEqual([3, 3, 3, 2]);
    const input = randomTensor([2, 5, 5, 2], 11);
    const [yp, ym] = tf.tidy(() => [p, q].map((n) => Array.from((n.predict(input) as tf.Tensor).dataSync())));
    expect(maxAbsDiff(yp, ym)).toBeLessThanOrEqual(1e-5);
    tf.dispose(input);
    [p, q, m].forEach((n) => n.dispose());
  });
});
