import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildModelAdapter, type ModelLike } from '@spam/core';
import { randomTensor, seedWeights } from '../../../test/helpers/index.js';

const L = tf.layers;

function cnn(): tf.LayersModel {
  const m = tf.sequential({
    layers: [
      L.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }),
      L.maxPooling2d({ poolSize: 2 }),
      L.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
      L.reLU({ maxValue: 1 }),
      L.conv2d({ filters: 2, kernelSize: 2 }),
      L.globalAveragePooling2d({}),
      L.dropout({ rate: 0.1 }),
      L.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  seedWeights(m, 91);
  return m;
}

describe('adapter calls leave tf.memory().numTensors unchanged', () => {
  const model = cnn();
  const x = randomTensor([3, 6, 6, 2], 92);

  it('buildModelAdapter + predict (result disposed)', () => {
    const before = tf.memory().numTensors;
    for (const logits of [false, true]) {
      const adapter = buildModelAdapter(model, { logits });
      const y = adapter.predict(x);
      expect(tf.memory().numTensors).toBe(before + 1);
      y.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('forward + backward inside tf.tidy', () => {
    const adapter = buildModelAdapter(model, { logits: true });
    const v = randomTensor([4, 3, 3], 93);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const trace = adapter.forward(x);
      adapter.backward(trace, v);
      adapter.parametric.forEach((l, i) => l.expandInput(trace.captures[i].input));
    });
    expect(tf.memory().numTensors).toBe(before);
    v.dispose();
  });

  it('a failing buildModelAdapter', () => {
    // BatchNormalization on a non-last axis: refused after the Dense adapter was built.
    const bad = tf.sequential({
      layers: [L.dense({ inputShape: [3, 1], units: 2 }), L.batchNormalization({ axis: 1 }), L.flatten(), L.dense({ units: 2 })],
    });
    const before = tf.memory().numTensors;
    expect(() => buildModelAdapter(bad as unknown as ModelLike)).toThrow();
    expect(tf.memory().numTensors).toBe(before);
  });
});
