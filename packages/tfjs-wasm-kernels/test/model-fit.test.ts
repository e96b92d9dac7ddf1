// Whole-model training on wasm with the kernels against cpu: one model.fit epoch (several SGD steps)
// from identical weights gives the same weights; optimizer.minimize on a CNN runs and leaks nothing.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmKernels } from '@spam/tfjs-wasm-kernels';
import { expectClose, randomArray, relError } from './helpers.js';

/** Conv (tanh, so max-pool windows see negative maxima) → max-pool → depthwise → conv stride 2 → dense. */
function cnn(): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [11, 10, 2], filters: 4, kernelSize: 3, activation: 'tanh' }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same' }));
  m.add(tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'tanh' }));
  m.add(tf.layers.conv2d({ filters: 5, kernelSize: [3, 2], strides: 2, padding: 'same' }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 1 }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
  return m;
}

function mlp(): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.dense({ inputShape: [20], units: 16, activation: 'relu' }));
  m.add(tf.layers.dense({ units: 8, activation: 'tanh' }));
  m.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
  return m;
}

/** Builds the model on `backend` with seeded weights, fits `epochs` epochs of SGD (batches of 4), returns the weights. */
async function fitOnBackend(backend: string, build: () => tf.Sequential, xShape: number[], epochs = 1): Promise<Float32Array[]> {
  const prev = tf.getBackend();
  await tf.setBackend(backend);
  try {
    const model = build();
    model.setWeights(model.getWeights().map((w, i) => tf.tensor(randomArray(w.size, 100 + i), w.shape).mul(0.5)));
    model.compile({ optimizer: tf.train.sgd(0.3), loss: 'categoricalCrossentropy' });
    const n = xShape[0];
    const x = tf.tensor(
      randomArray(
        xShape.reduce((a, b) => a * b),
        1,
      ),
      xShape,
    );
    const y = tf.oneHot(
      tf.tensor1d(
        Array.from({ length: n }, (_, i) => i % 3),
        'int32',
      ),
      3,
    );
    if (epochs > 0) await model.fit(x, y, { epochs, batchSize: 4, shuffle: false, verbose: 0 });
    const out = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
    tf.dispose([x, y]);
    model.dispose();
    return out;
  } finally {
    await tf.setBackend(prev);
  }
}

describe('model.fit on wasm with the kernels', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerWasmKernels();
  });

  it('a CNN (conv, max-pool, depthwise, strided conv) ends one epoch with the cpu weights', async () => {
    const want = await fitOnBackend('cpu', cnn, [12, 11, 10, 2]);
    const got = await fitOnBackend('wasm', cnn, [12, 11, 10, 2]);
    const init = await fitOnBackend('cpu', cnn, [12, 11, 10, 2], 0);
    // Training moved every weight (else the comparison would say little).
    for (let i = 0; i < init.length; i++) expect(relError(want[i], init[i]), `weight ${i} moved`).toBeGreaterThan(1e-3);
    expectClose(got, want, 1e-4, 'CNN weights');
  });

  it('a Dense net ends one epoch with the cpu weights', async () => {
    const want = await fitOnBackend('cpu', mlp, [16, 20]);
    const got = await fitOnBackend('wasm', mlp, [16, 20]);
    expectClose(got, want, 1e-5, 'MLP weights');
  });

  it('optimizer.minimize on a CNN runs on wasm, moves the weights and leaks no tensor', async () => {
    await tf.setBackend('wasm');
    const model = cnn();
    const opt = tf.train.sgd(0.1);
    const x = tf.tensor4d(randomArray(4 * 11 * 10 * 2, 9), [4, 11, 10, 2]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3);
    const w0 = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
    const before = tf.memory().numTensors;
    for (let step = 0; step < 2; step++) {
      opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar);
    }
    expect(tf.memory().numTensors).toBe(before);
    const w1 = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
    for (let i = 0; i < w0.length; i++) expect(w1[i], `weight ${i} moved`).not.toEqual(w0[i]);
    tf.dispose([x, y]);
    model.dispose();
    opt.dispose();
  });
});
