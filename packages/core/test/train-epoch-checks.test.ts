// trainEpoch / meanNllGradients refuse bad batches before touching the weights (issue 13 findings 1 and 2).
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  buildModelAdapter,
  InvalidDataError,
  InvalidOptionError,
  meanNllGradients,
  NonFiniteError,
  ShapeMismatchError,
  trainEpoch,
  type Batch,
} from '@spam/core';
import { rejection, thrown } from '../../../test/helpers/index.js';

const L = tf.layers;

function mlp3(): tf.Sequential {
  return tf.sequential({
    layers: [
      L.dense({ units: 4, inputShape: [3], activation: 'relu', kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }) }),
      L.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }) }),
    ],
  });
}

function conv(): tf.Sequential {
  return tf.sequential({
    layers: [L.conv2d({ filters: 2, kernelSize: 2, inputShape: [4, 4, 1], activation: 'relu' }), L.flatten(), L.dense({ units: 3 })],
  });
}

const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

/** Runs one epoch that must fail; checks the error class, that no weight changed and no tensor leaked. */
async function refused(
  model: tf.LayersModel,
  data: Parameters<typeof trainEpoch>[1],
  cls: new (...a: never[]) => Error,
  opts = {},
): Promise<Error> {
  const before = weightsOf(model);
  const optimizer = tf.train.sgd(0.01);
  const n0 = tf.memory().numTensors;
  const e = await rejection(trainEpoch(model, data, { likelihood: 'classification', optimizer, ...opts }));
  expect(e).toBeInstanceOf(cls);
  expect(tf.memory().numTensors).toBe(n0);
  expect(weightsOf(model)).toEqual(before);
  optimizer.dispose();
  return e;
}

describe('trainEpoch refuses a bad batch before applying gradients', () => {
  const ys = () => tf.tensor1d([0, 1, 2, 0, 1]);

  it('-Inf / NaN inputs → InvalidDataError naming the batch; weights untouched', async () => {
    const m = mlp3();
    for (const v of [-Infinity, NaN]) {
      const [xs, y] = [tf.fill([5, 3], v), ys()];
      const e = await refused(m, { xs, ys: y, batchSize: 2 }, InvalidDataError);
      expect(e.message).toContain('batch 0');
      tf.dispose([xs, y]);
    }
    m.dispose();
  });

  it('a finite batch whose loss overflows (regression, inputs 1e25) → NonFiniteError; weights untouched', async () => {
    const m = tf.sequential({ layers: [L.dense({ units: 2, inputShape: [3], kernelInitializer: 'ones' })] });
    const [xs, y] = [tf.fill([5, 3], 1e25), tf.zeros([5, 2])];
    const e = await refused(m, { xs, ys: y }, NonFiniteError, { likelihood: 'regression' });
    expect(e.message).toMatch(/NaN or Inf/);
    tf.dispose([xs, y]);
    m.dispose();
  });

  it('extraGradients that make a gradient non-finite → NonFiniteError; weights untouched', async () => {
    const m = mlp3();
    const [xs, y] = [tf.randomNormal([5, 3], 0, 1, 'float32', 3), ys()];
    const extraGradients = (ps: tf.Tensor[]) => ps.map((p) => tf.fill(p.shape, Infinity));
    const e = await refused(m, { xs, ys: y }, NonFiniteError, { extraGradients });
    expect(e.message).toContain('extraGradients');
    expect(e.message).toContain(`batch 0: the gradient of '${buildModelAdapter(m).params[0].name}' plus extraGradients`);
    tf.dispose([xs, y]);
    m.dispose();
  });

  it('a non-finite NLL with finite extraGradients → the NLL message (not blamed on extraGradients); weights untouched', async () => {
    const m = tf.sequential({ layers: [L.dense({ units: 2, inputShape: [3], kernelInitializer: 'ones' })] });
    const [xs, y] = [tf.fill([5, 3], 1e25), tf.zeros([5, 2])];
    const extraGradients = (ps: tf.Tensor[]) => ps.map((p) => tf.zerosLike(p));
    const e = await refused(m, { xs, ys: y }, NonFiniteError, { likelihood: 'regression', extraGradients });
    expect(e.message).toMatch(/^the (mean NLL|gradient of '[^']+') of model '[^']+' is NaN or Inf/);
    expect(e.message).not.toContain('extraGradients');
    tf.dispose([xs, y]);
    m.dispose();
  });

  it('a 0-row batch among batches of a Conv2D model → InvalidDataError naming it', async () => {
    const m = conv();
    const good = { xs: tf.randomNormal([2, 4, 4, 1], 0, 1, 'float32', 4), ys: tf.tensor1d([0, 1]) };
    const empty = { xs: tf.zeros([0, 4, 4, 1]), ys: tf.zeros([0]) };
    const before = weightsOf(m);
    const optimizer = tf.train.sgd(0.01);
    const e = await rejection(trainEpoch(m, [empty, good] as Batch[], { likelihood: 'classification', optimizer }));
    expect(e).toBeInstanceOf(InvalidDataError);
    expect(e.message).toContain('batch 0');
    expect(weightsOf(m)).toEqual(before);
    tf.dispose([good.xs, good.ys, empty.xs, empty.ys]);
    optimizer.dispose();
    m.dispose();
  });

  it('per-example shape [4] for inputShape [3] → ShapeMismatchError naming expected and got', async () => {
    const m = mlp3();
    const [xs, y] = [tf.ones([5, 4]), ys()];
    const e = await refused(m, { xs, ys: y }, ShapeMismatchError);
    expect(e.message).toContain('[N, 3]');
    expect(e.message).toContain('[5,4]');
    tf.dispose([xs, y]);
    m.dispose();
  });

  it('bad sigma, a missing optimizer, or extraGradients of the wrong count → InvalidOptionError', async () => {
    const m = mlp3();
    const [xs, y] = [tf.ones([5, 3]), ys()];
    for (const opts of [{ sigma: 0 }, { sigma: 1e-45 }, { optimizer: undefined }, { extraGradients: () => [] }]) {
      await refused(m, { xs, ys: y }, InvalidOptionError, opts);
    }
    tf.dispose([xs, y]);
    m.dispose();
  });
});

describe('meanNllGradients checks its arguments', () => {
  it('wrong per-example shape, string dtype, 0 rows, unknown likelihood', () => {
    const m = mlp3();
    const a = buildModelAdapter(m, { logits: true });
    const ys = tf.tensor1d([0, 1]);
    const cases: Array<[tf.Tensor, string, new (...a: never[]) => Error]> = [
      [tf.ones([2, 4]), 'classification', ShapeMismatchError],
      [
        tf.tensor([
          ['a', 'b', 'c'],
          ['d', 'e', 'f'],
        ]),
        'classification',
        InvalidDataError,
      ],
      [tf.zeros([0, 3]), 'classification', InvalidDataError],
      [tf.ones([2, 3]), 'bogus', InvalidOptionError],
    ];
    const n0 = tf.memory().numTensors;
    for (const [xs, lik, cls] of cases) expect(thrown(() => meanNllGradients(a, lik as 'classification', xs, ys))).toBeInstanceOf(cls);
    expect(tf.memory().numTensors).toBe(n0);
    tf.dispose([ys, ...cases.map((c) => c[0])]);
    m.dispose();
  });

  it('a non-finite loss → NonFiniteError, nothing left allocated', () => {
    const m = mlp3();
    const a = buildModelAdapter(m, { logits: true });
    const [xs, ys] = [tf.fill([2, 3], NaN), tf.tensor1d([0, 1])];
    const n0 = tf.memory().numTensors;
    expect(thrown(() => meanNllGradients(a, 'classification', xs, ys))).toBeInstanceOf(NonFiniteError);
    expect(tf.memory().numTensors).toBe(n0);
    tf.dispose([xs, ys]);
    m.dispose();
  });

  it('int32 token ids are accepted for an Embedding model', () => {
    const m = tf.sequential({
      layers: [L.embedding({ inputDim: 5, outputDim: 2, inputLength: 3, inputShape: [3] }), L.flatten(), L.dense({ units: 2 })],
    });
    const a = buildModelAdapter(m);
    const [xs, ys] = [tf.tensor2d([[0, 1, 4]], [1, 3], 'int32'), tf.tensor2d([[0.5, -1]])];
    const { loss, grads } = meanNllGradients(a, 'regression', xs, ys);
    expect(Number.isFinite(loss.dataSync()[0])).toBe(true);
    tf.dispose([loss, ...grads, xs, ys]);
    m.dispose();
  });
});
