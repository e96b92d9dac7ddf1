import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { buildModelAdapter, meanNllGradients, trainEpoch } from '@spam/core';

function mlp(seed: number, softmax: boolean): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: 7, inputShape: [5], activation: 'tanh', kernelInitializer: tf.initializers.glorotNormal({ seed }) }),
      tf.layers.dense({
        units: 3,
        activation: softmax ? 'softmax' : 'linear',
        kernelInitializer: tf.initializers.glorotNormal({ seed: seed + 1 }),
      }),
    ],
  });
}

function convNet(seed: number): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        filters: 3,
        kernelSize: 3,
        padding: 'same',
        strides: 2,
        inputShape: [6, 6, 2],
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotNormal({ seed }),
      }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotNormal({ seed: seed + 1 }) }),
    ],
  });
}

/** Autodiff reference: gradient of the mean NLL with respect to every trainable weight. */
function autodiffGrads(model: tf.LayersModel, xs: tf.Tensor, ys: tf.Tensor, likelihood: 'classification' | 'regression', sigma = 1) {
  return tf.tidy(() => {
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => {
      const f = model.apply(xs, { training: false }) as tf.Tensor;
      if (likelihood === 'regression') return tf.div(tf.sum(tf.square(tf.sub(f, ys))), 2 * xs.shape[0] * sigma * sigma) as tf.Scalar;
      return tf.losses.softmaxCrossEntropy(ys, f) as tf.Scalar;
    }, vars);
    return vars.map((v) => grads[v.name].arraySync());
  });
}

describe('meanNllGradients', () => {
  it('equals tfjs autodiff for a classification MLP (one-hot labels)', () => {
    const model = mlp(1, false);
    const xs = tf.randomNormal([9, 5], 0, 1, 'float32', 3);
    const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 2, 1, 0, 1, 2, 0], 'int32'), 3);
    const ref = autodiffGrads(model, xs, ys, 'classification');
    const adapter = buildModelAdapter(model, { logits: true });
    const before = tf.memory().numTensors;
    const { loss, grads } = meanNllGradients(adapter, 'classification', xs, ys);
    grads.forEach((g, i) => expect(maxAbs(g.arraySync(), ref[i])).toBeLessThan(1e-5));
    tf.dispose([loss, ...grads]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([xs, ys]);
  });

  it('equals tfjs autodiff for regression with σ through a strided same-padded conv', async () => {
    await tf.setBackend('cpu'); // Conv2D gradients have no wasm kernel in tfjs 4.22
    try {
      const model = convNet(5);
      const xs = tf.randomNormal([4, 6, 6, 2], 0, 1, 'float32', 7);
      const ys = tf.randomNormal([4, 2], 0, 1, 'float32', 8);
      const ref = autodiffGrads(model, xs, ys, 'regression', 0.5);
      const adapter = buildModelAdapter(model);
      const { loss, grads } = meanNllGradients(adapter, 'regression', xs, ys, 0.5);
      grads.forEach((g, i) => expect(maxAbs(g.arraySync(), ref[i])).toBeLessThan(1e-4));
      tf.dispose([loss, ...grads, xs, ys]);
    } finally {
      await tf.setBackend(process.env.SPAM_TEST_BACKEND ?? 'wasm');
    }
  });
});

describe('trainEpoch', () => {
  it('lowers the loss like model.fit does and leaks no tensors', async () => {
    const xs = tf.randomNormal([64, 5], 0, 1, 'float32', 11);
    const labels = tf.tidy(() => tf.argMax(tf.matMul(xs, tf.randomNormal([5, 3], 0, 1, 'float32', 12)), 1));
    const model = mlp(2, true);
    const optimizer = tf.train.adam(0.05);
    const before = tf.memory().numTensors;
    const first = await trainEpoch(model, { xs, ys: labels, batchSize: 16 }, { likelihood: 'classification', optimizer });
    let last = first;
    for (let e = 0; e < 10; e++)
      last = await trainEpoch(model, { xs, ys: labels, batchSize: 16 }, { likelihood: 'classification', optimizer });
    expect(first.examples).toBe(64);
    expect(last.loss).toBeLessThan(first.loss * 0.6);
    // Adam keeps its own slot variables; only those may be new.
    const slots = optimizer.getWeights ? (await optimizer.getWeights()).length : 0;
    expect(tf.memory().numTensors - before).toBeLessThanOrEqual(slots);
    optimizer.dispose();
    tf.dispose([xs, labels]);
  });
});

function maxAbs(a: unknown, b: unknown): number {
  const fa = [a].flat(Infinity) as number[];
  const fb = [b].flat(Infinity) as number[];
  expect(fa.length).toBe(fb.length);
  return Math.max(...fa.map((v, i) => Math.abs(v - fb[i])));
}
