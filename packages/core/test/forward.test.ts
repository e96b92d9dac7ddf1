import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildModelAdapter, SUPPORTED_ACTIVATIONS, type ModelLike } from '@spam/core';
import { arr, copyWeights, maxAbsDiff, randomTensor, seedWeights } from '../../../test/helpers/index.js';

const TOL = 1e-5;
const L = tf.layers;

/** Max |adapter.predict(x) − model.predict(x)|, plus a check that forward() agrees with predict(). */
function forwardDiff(model: tf.LayersModel, x: tf.Tensor, logits = false): number {
  const adapter = buildModelAdapter(model, { logits });
  const ours = adapter.predict(x);
  const theirs = model.predict(x) as tf.Tensor;
  const traced = tf.tidy(() => adapter.forward(x).output.clone());
  try {
    expect(ours.shape).toEqual(theirs.shape);
    expect(maxAbsDiff(arr(traced), arr(ours))).toBe(0);
    return maxAbsDiff(arr(ours), arr(theirs));
  } finally {
    tf.dispose([ours, theirs, traced]);
  }
}

function check(model: tf.LayersModel, inShape: number[], seed: number, n = 3): void {
  seedWeights(model, seed);
  const x = randomTensor([n, ...inShape], seed + 1000);
  try {
    expect(forwardDiff(model, x)).toBeLessThanOrEqual(TOL);
  } finally {
    x.dispose();
  }
}

describe('adapter forward equals model.predict', () => {
  it('covers every supported activation (Dense in a Sequential with an InputLayer)', () => {
    // logSoftmax and gelu_new included; SUPPORTED_ACTIVATIONS is the list to cover.
    expect(SUPPORTED_ACTIVATIONS.length).toBeGreaterThanOrEqual(10);
    SUPPORTED_ACTIVATIONS.forEach((act, i) => {
      const m = tf.sequential({
        layers: [
          L.inputLayer({ inputShape: [6] }),
          L.dense({ units: 5, activation: act as never }),
          L.dense({ units: 4, activation: act as never, useBias: i % 2 === 0 }),
        ],
      });
      seedWeights(m, 10 + i, 1.0);
      const x = randomTensor([4, 6], 50 + i, 2);
      const d = forwardDiff(m, x);
      x.dispose();
      expect(d, `activation ${act}`).toBeLessThanOrEqual(TOL);
    });
  });

  it('Activation layers with every supported activation', () => {
    SUPPORTED_ACTIVATIONS.forEach((act, i) => {
      const m = tf.sequential({
        layers: [L.dense({ inputShape: [4], units: 6 }), L.activation({ activation: act as never }), L.dense({ units: 3 })],
      });
      check(m, [4], 200 + i);
    });
  });

  for (const [stride, padding, useBias, size] of [
    [1, 'valid', true, 7],
    [1, 'same', false, 7],
    [2, 'valid', false, 8],
    [2, 'same', true, 7],
    [2, 'same', true, 8],
  ] as const) {
    it(`Conv2D stride ${stride}, ${padding}, bias ${useBias}, input ${size}x${size}`, () => {
      const m = tf.sequential({
        layers: [
          L.conv2d({ inputShape: [size, size, 2], filters: 3, kernelSize: 3, strides: stride, padding, useBias, activation: 'tanh' }),
          L.conv2d({ filters: 2, kernelSize: [2, 3], strides: [stride, 1], padding, useBias }),
          L.flatten(),
          L.dense({ units: 4 }),
        ],
      });
      check(m, [size, size, 2], 300 + stride * 10 + size);
    });
  }

  for (const kind of ['max', 'avg'] as const) {
    for (const padding of ['valid', 'same'] as const) {
      for (const pool of [2, 3]) {
        for (const strides of [1, 2]) {
          it(`${kind === 'max' ? 'MaxPooling2D' : 'AveragePooling2D'} pool ${pool}, strides ${strides}, ${padding}`, () => {
            const args = { poolSize: pool, strides, padding };
            const m = tf.sequential({
              layers: [
                L.conv2d({ inputShape: [7, 7, 1], filters: 2, kernelSize: 2 }),
                kind === 'max' ? L.maxPooling2d(args) : L.averagePooling2d(args),
                L.flatten(),
                L.dense({ units: 3 }),
              ],
            });
            check(m, [7, 7, 1], 400 + pool * 10 + strides + (padding === 'same' ? 100 : 0));
          });
        }
      }
    }
  }

  it('GlobalAveragePooling2D, ReLU with and without maxValue, Dropout, Reshape (Sequential)', () => {
    const m = tf.sequential({
      layers: [
        L.dense({ inputShape: [5], units: 24 }),
        L.reshape({ targetShape: [2, 4, 3] }),
        L.reLU({ maxValue: 0.4 }),
        L.conv2d({ filters: 4, kernelSize: 2, padding: 'same' }),
        L.reLU(),
        L.dropout({ rate: 0.5 }),
        L.globalAveragePooling2d({}),
        L.dense({ units: 3, activation: 'softmax' }),
        L.dropout({ rate: 0.3 }),
      ],
    });
    check(m, [5], 500);
  });

  it('Reshape with a -1 dimension', () => {
    const m = tf.sequential({
      layers: [
        L.dense({ inputShape: [4], units: 12 }),
        L.reshape({ targetShape: [-1, 3, 1] }),
        L.conv2d({ filters: 2, kernelSize: 2 }),
        L.globalAveragePooling2d({}),
        L.dense({ units: 2 }),
      ],
    });
    check(m, [4], 510);
  });

  it('chain-shaped functional model (tf.model with tf.input)', () => {
    const inp = tf.input({ shape: [6, 6, 2] });
    let h = L.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'elu' }).apply(inp) as tf.SymbolicTensor;
    h = L.maxPooling2d({ poolSize: 2 }).apply(h) as tf.SymbolicTensor;
    h = L.reLU({ maxValue: 1 }).apply(h) as tf.SymbolicTensor;
    h = L.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }).apply(h) as tf.SymbolicTensor;
    h = L.flatten().apply(h) as tf.SymbolicTensor;
    h = L.dropout({ rate: 0.5 }).apply(h) as tf.SymbolicTensor;
    h = L.dense({ units: 5, activation: 'gelu' }).apply(h) as tf.SymbolicTensor;
    h = L.activation({ activation: 'sigmoid' }).apply(h) as tf.SymbolicTensor;
    const out = L.dense({ units: 3 }).apply(h) as tf.SymbolicTensor;
    check(tf.model({ inputs: inp, outputs: out }), [6, 6, 2], 600);
  });
});

describe('models ending in softmax', () => {
  /** Same architecture with the final softmax replaced by a linear output, sharing the weights. */
  function twin(withSoftmax: boolean, viaActivationLayer: boolean): tf.LayersModel {
    const layers: tf.layers.Layer[] = [L.dense({ inputShape: [5], units: 6, activation: 'tanh' })];
    if (viaActivationLayer) {
      layers.push(L.dense({ units: 4 }), L.activation({ activation: withSoftmax ? 'softmax' : 'linear' }));
    } else {
      layers.push(L.dense({ units: 4, activation: withSoftmax ? 'softmax' : 'linear' }));
    }
    layers.push(L.dropout({ rate: 0.2 }));
    return tf.sequential({ layers });
  }

  for (const viaActivationLayer of [false, true]) {
    it(`{logits: true} returns the pre-softmax output (${viaActivationLayer ? 'Activation layer' : 'Dense activation'})`, () => {
      const m = twin(true, viaActivationLayer);
      const lin = twin(false, viaActivationLayer);
      seedWeights(m, 700, 1);
      copyWeights(m, lin);
      const x = randomTensor([5, 5], 701, 2);
      const withLogits = buildModelAdapter(m, { logits: true });
      const without = buildModelAdapter(m);
      expect(withLogits.stripsSoftmax).toBe(true);
      expect(without.stripsSoftmax).toBe(false);
      const [f, ref, probs, predicted] = [
        withLogits.predict(x),
        lin.predict(x) as tf.Tensor,
        without.predict(x),
        m.predict(x) as tf.Tensor,
      ];
      // Logits are not probabilities: rows must not sum to 1 for this check to mean anything.
      const rowSums = arr(tf.tidy(() => tf.sum(ref, 1)));
      expect(rowSums.some((s) => Math.abs(s - 1) > 0.1)).toBe(true);
      expect(maxAbsDiff(arr(f), arr(ref))).toBeLessThanOrEqual(TOL);
      expect(maxAbsDiff(arr(probs), arr(predicted))).toBeLessThanOrEqual(TOL);
      tf.dispose([x, f, ref, probs, predicted]);
    });
  }

  it('{logits: true} is ignored when the model does not end in softmax', () => {
    const m = tf.sequential({ layers: [L.dense({ inputShape: [3], units: 4, activation: 'sigmoid' })] });
    seedWeights(m, 710);
    const x = randomTensor([2, 3], 711);
    expect(buildModelAdapter(m as unknown as ModelLike, { logits: true }).stripsSoftmax).toBe(false);
    expect(forwardDiff(m, x, true)).toBeLessThanOrEqual(TOL);
    x.dispose();
  });
});
