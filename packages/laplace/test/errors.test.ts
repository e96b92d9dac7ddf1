import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  InvalidDataError,
  InvalidOptionError,
  ShapeMismatchError,
  SpamError,
  UnsupportedLayerError,
  UnsupportedTopologyError,
  type ModelLike,
} from '@spam/core';
import { fitLaplace, type CurvatureOptions } from '@spam/laplace';
import { randomTensor, rejection, seedWeights } from '../../../test/helpers/index.js';

const L = tf.layers;

function mlp(): ModelLike {
  const m = tf.sequential({ layers: [L.dense({ inputShape: [4], units: 3, activation: 'tanh' }), L.dense({ units: 3 })] });
  seedWeights(m, 1);
  return m;
}

const CLS: CurvatureOptions = { likelihood: 'classification', structure: 'diag' };

describe('fitLaplace: typed errors naming the problem', () => {
  const model = mlp();
  const xs = randomTensor([5, 4], 2);
  const ys = tf.tensor1d([0, 1, 2, 1, 0]);

  it('UnsupportedLayerError for an unsupported layer', async () => {
    // BatchNormalization on an axis other than the last cannot be expressed.
    const bad = tf.sequential({
      layers: [
        L.dense({ inputShape: [4], units: 3 }),
        L.reshape({ targetShape: [3, 1] }),
        L.batchNormalization({ name: 'the_bn', axis: 1 }),
        L.flatten(),
        L.dense({ units: 3 }),
      ],
    });
    const e = await rejection(fitLaplace(bad as unknown as ModelLike, { xs, ys }, CLS));
    expect(e).toBeInstanceOf(UnsupportedLayerError);
    expect(e.message).toContain('the_bn');
    expect(e.message).toContain('BatchNormalization');
  });

  it('UnsupportedTopologyError for a layer applied twice (shared weights)', async () => {
    const inp = tf.input({ shape: [4] });
    const shared = L.dense({ units: 4, name: 'twice' });
    const out = L.dense({ units: 3 }).apply(shared.apply(shared.apply(inp))) as tf.SymbolicTensor;
    const e = await rejection(fitLaplace(tf.model({ inputs: inp, outputs: out }) as unknown as ModelLike, { xs, ys }, CLS));
    expect(e).toBeInstanceOf(UnsupportedTopologyError);
    expect(e.message).toContain('twice');
  });

  it('InvalidDataError for xs with 0 rows', async () => {
    const e = await rejection(fitLaplace(model, { xs: tf.zeros([0, 4]), ys: tf.zeros([0]) }, CLS));
    expect(e).toBeInstanceOf(InvalidDataError);
    expect(e.message).toMatch(/empty/);
  });

  it('InvalidDataError for an empty array of batches and an empty async iterable', async () => {
    const e = await rejection(fitLaplace(model, [], CLS));
    expect(e).toBeInstanceOf(InvalidDataError);
    expect(e.message).toMatch(/empty/);
    async function* none() {}
    expect(await rejection(fitLaplace(model, none(), CLS))).toBeInstanceOf(InvalidDataError);
  });

  it('ShapeMismatchError for labels of the wrong shape', async () => {
    for (const bad of [tf.tensor1d([0, 1, 2]), tf.zeros([5, 2]), tf.zeros([5, 3, 1])]) {
      const e = await rejection(fitLaplace(model, { xs, ys: bad }, CLS));
      expect(e, `labels [${bad.shape}]`).toBeInstanceOf(ShapeMismatchError);
      expect(e.message).toMatch(/labels|rows/);
      bad.dispose();
    }
    const reg = tf.zeros([5, 2]);
    const e = await rejection(fitLaplace(model, { xs, ys: reg }, { likelihood: 'regression' }));
    expect(e).toBeInstanceOf(ShapeMismatchError);
    expect(e.message).toMatch(/regression targets/);
    reg.dispose();
  });

  it('InvalidDataError for labels out of range or non-integer', async () => {
    for (const [vals, bad] of [
      [[0, 1, 3, 1, 0], '3'],
      [[0, -1, 2, 1, 0], '-1'],
      [[0, 1, 1.5, 1, 0], '1.5'],
    ] as const) {
      const lab = tf.tensor1d([...vals]);
      const e = await rejection(fitLaplace(model, { xs, ys: lab }, CLS));
      expect(e, `labels ${vals}`).toBeInstanceOf(InvalidDataError);
      expect(e.message).toContain(`label ${bad}`);
      lab.dispose();
    }
    const oneHot = tf.tensor2d([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0.5, 0.5],
      [1, 0, 0],
      [0, 0, 1],
    ]);
    expect(await rejection(fitLaplace(model, { xs, ys: oneHot }, CLS))).toBeInstanceOf(InvalidDataError);
    oneHot.dispose();
  });

  it('InvalidDataError for NaN or Inf in the inputs (also in a later batch)', async () => {
    for (const v of [NaN, Infinity, -Infinity]) {
      const bad = tf.tidy(() => tf.concat([tf.zeros([4, 4]), tf.fill([1, 4], v)]));
      const e = await rejection(fitLaplace(model, { xs: bad, ys, batchSize: 2 }, CLS));
      expect(e, `value ${v}`).toBeInstanceOf(InvalidDataError);
      expect(e.message).toMatch(/NaN or Inf/);
      expect(e.message).toContain('inputs');
      bad.dispose();
    }
  });

  it('ShapeMismatchError for inputs of the wrong per-example shape', async () => {
    for (const shape of [
      [5, 3],
      [5, 4, 1],
    ]) {
      const bad = tf.zeros(shape);
      const e = await rejection(fitLaplace(model, { xs: bad, ys }, CLS));
      expect(e).toBeInstanceOf(ShapeMismatchError);
      expect(e.message).toContain(`[${shape.slice(1)}]`);
      bad.dispose();
    }
  });

  it('InvalidOptionError for invalid options, naming the option', async () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ structure: 'foo' }, /structure.*'foo'/],
      [{ curvature: 'bar' }, /curvature.*'bar'/],
      [{ sigma: -1 }, /sigma.*-1/],
      [{ sigma: 0 }, /sigma/],
      [{ mcSamples: 0 }, /mcSamples.*0/],
      [{ mcSamples: 1.5 }, /mcSamples/],
      [{ seed: 0.5 }, /seed/],
      [{ likelihood: 'poisson' }, /likelihood.*'poisson'/],
    ];
    for (const [opt, msg] of bad) {
      const e = await rejection(fitLaplace(model, { xs, ys }, { ...CLS, ...opt }));
      expect(e, JSON.stringify(opt)).toBeInstanceOf(InvalidOptionError);
      expect(e).toBeInstanceOf(SpamError);
      expect(e.message).toMatch(msg);
    }
    const e = await rejection(fitLaplace(model, { xs, ys, batchSize: 0 }, CLS));
    expect(e).toBeInstanceOf(InvalidOptionError);
    expect(e.message).toMatch(/batchSize/);
  });
});
