// The central property: for random chain architectures, random unit masks and random inputs,
// pruneUnits(model, masks) and maskUnits(model, masks) give the same outputs (max |Δ| ≤ 1e-5),
// the pruned layers have exactly the kept unit counts, and the input model is untouched.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { maskUnits, pruneUnits } from '@spam/structured';
import { maxAbsDiff, randomTensor } from '../../../test/helpers/index.js';
import { randomMasks, randomNet, unitLayersOf } from './random-nets.js';

const CASES = { dense: 40, conv: 40 };

function snapshot(model: tf.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

function checkCase(seed: number, kind: 'dense' | 'conv', functional: boolean): void {
  const before = tf.memory().numTensors;
  const { model, inputShape, description } = randomNet(seed, kind, functional);
  const masks = randomMasks(model, seed + 1000);
  const x = randomTensor([3, ...inputShape], seed + 2000);
  const weightsBefore = snapshot(model);
  const yBefore = tf.tidy(() => Array.from((model.predict(x) as tf.Tensor).dataSync()));

  const pruned = pruneUnits(model, masks);
  const masked = maskUnits(model, masks);
  const [yp, ym, yAfter] = tf.tidy(() => [pruned, masked, model].map((m) => Array.from((m.predict(x) as tf.Tensor).dataSync())));
  const label = `seed ${seed}: ${description}; masks ${JSON.stringify(masks)}`;
  expect(maxAbsDiff(yp, ym), label).toBeLessThanOrEqual(1e-5);

  // Kept unit counts; input model unchanged (weights and outputs).
  const kept = unitLayersOf(pruned);
  unitLayersOf(model).forEach(({ name, units }, i) => {
    expect(kept[i].name, label).toBe(name);
    expect(kept[i].units, label).toBe(masks[name] ? masks[name].filter(Boolean).length : units);
  });
  expect(snapshot(model), label).toEqual(weightsBefore);
  expect(yAfter, label).toEqual(yBefore);

  tf.dispose(x);
  pruned.dispose();
  masked.dispose();
  model.dispose();
  expect(tf.memory().numTensors, label).toBe(before);
}

describe('pruneUnits equals maskUnits on random nets (property test)', () => {
  for (const functional of [false, true]) {
    const style = functional ? 'functional' : 'Sequential';
    it(`${CASES.dense} random ${style} Dense chains`, () => {
      for (let i = 0; i < CASES.dense; i++) checkCase(100 + i + (functional ? 500 : 0), 'dense', functional);
    });
    it(`${CASES.conv} random ${style} Conv2D(+pooling)+Flatten/GAP+Dense chains`, () => {
      for (let i = 0; i < CASES.conv; i++) checkCase(300 + i + (functional ? 500 : 0), 'conv', functional);
    });
  }
});
