import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { ModelLike } from '@spam/core';
import { fitLaplace } from '@spam/laplace';
import { arr, randomLabels, randomTensor, relErr, seedWeights } from '../../../test/helpers/index.js';

const L = tf.layers;

/**
 * Token-wise Dense layers reading one input (per-head q/k/v style, different widths, with and
 * without bias) plus a Conv1D and a Dense on another tensor: the diag accumulator groups the
 * shared-input layers into one product; its diagonal must equal the full GGN's (per-example
 * gradients, no grouping) entry for entry, in canonical order.
 */
function sharedInputNet(): tf.LayersModel {
  const inp = tf.input({ shape: [4, 3] });
  const h = L.dense({ units: 5, activation: 'tanh' }).apply(inp) as tf.SymbolicTensor;
  const heads = [
    L.dense({ units: 2, useBias: false }).apply(h),
    L.dense({ units: 3 }).apply(h),
    L.dense({ units: 2, useBias: false }).apply(h),
    L.conv1d({ filters: 2, kernelSize: 2, padding: 'same' }).apply(h),
  ] as tf.SymbolicTensor[];
  const merged = L.concatenate({ axis: -1 }).apply(heads) as tf.SymbolicTensor;
  const flat = L.flatten().apply(merged) as tf.SymbolicTensor;
  return tf.model({ inputs: inp, outputs: L.dense({ units: 3 }).apply(flat) as tf.SymbolicTensor });
}

describe('diag and kron with layers sharing one input', () => {
  it('equals the diagonal of the full GGN', async () => {
    const model = sharedInputNet();
    seedWeights(model, 3);
    const xs = randomTensor([6, 4, 3], 5);
    const ys = tf.tensor1d(randomLabels(6, 3, 7), 'int32');
    const data = { xs, ys, batchSize: 4 };
    const before = tf.memory().numTensors;
    const diag = await fitLaplace(model as unknown as ModelLike, data, { likelihood: 'classification', structure: 'diag' });
    const full = await fitLaplace(model as unknown as ModelLike, data, { likelihood: 'classification', structure: 'full' });
    const [d, f] = tf.tidy(() => [arr(diag.diagonal()), arr(full.diagonal())]);
    expect(d.length).toBe(model.countParams());
    expect(Math.min(...d)).toBeGreaterThanOrEqual(0);
    expect(relErr(d, f)).toBeLessThan(1e-5);
    diag.dispose();
    full.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('kron: every head reading the shared input gets A = hᵀh / (N·T) of that input', async () => {
    const model = sharedInputNet();
    seedWeights(model, 4);
    const xs = randomTensor([6, 4, 3], 6);
    const ys = tf.tensor1d(randomLabels(6, 3, 8), 'int32');
    const before = tf.memory().numTensors;
    const lap = await fitLaplace(
      model as unknown as ModelLike,
      { xs, ys, batchSize: 4 },
      { likelihood: 'classification', structure: 'kron' },
    );
    // Reference: the shared input h (the first Dense's output), from a sub-model.
    const sub = tf.model({ inputs: model.inputs, outputs: model.layers[1].output });
    const expected = tf.tidy(() => {
      const h = tf.reshape(sub.predict(xs) as tf.Tensor, [24, 5]);
      return arr(tf.div(tf.matMul(tf.transpose(h), h), 24));
    });
    const heads = lap.factors.slice(1, 4);
    expect(heads.map((f) => f.A.shape)).toEqual([
      [5, 5],
      [5, 5],
      [5, 5],
    ]);
    for (const f of heads) expect(relErr(arr(f.A), expected)).toBeLessThan(1e-5);
    lap.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([xs, ys]);
    model.dispose();
  });
});
