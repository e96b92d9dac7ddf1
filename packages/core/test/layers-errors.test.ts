// The weighted-layer adapters refuse what they cannot express with typed errors naming the layer,
// its class and the option; integer ids reach only an Embedding; frozen normalisation layers are
// constants; the canonical parameter order of a model mixing every new layer is tfjs's.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { InvalidDataError, supportedLayerTypes, UnsupportedLayerError } from '@spam/core';
import { arr, maxAbsDiff, randomTensor, seedWeights, thrown } from '../../../test/helpers/index.js';
import { adapterOf, adapterPerExample, randomIds, randomizeBatchNorm, referencePerExample, worstRelErr } from './layers-helpers.js';

const L = tf.layers;
type S = tf.SymbolicTensor;

function refused(make: () => tf.LayersModel, layerName: string, className: string, option: RegExp): void {
  const m = make();
  const before = tf.memory().numTensors;
  const e = thrown(() => adapterOf(m));
  expect(tf.memory().numTensors).toBe(before);
  expect(e).toBeInstanceOf(UnsupportedLayerError);
  const err = e as UnsupportedLayerError;
  expect(err.layerName).toBe(layerName);
  expect(err.className).toBe(className);
  expect(err.message).toContain(`'${layerName}'`);
  expect(err.message).toMatch(option);
  m.dispose();
}

describe('unsupported options: UnsupportedLayerError naming the layer, class and option', () => {
  it('BatchNormalization on an axis other than the last', () => {
    refused(
      () =>
        tf.sequential({
          layers: [
            L.dense({ inputShape: [4, 3], units: 2 }),
            L.batchNormalization({ name: 'bn_ax', axis: 1 }),
            L.flatten(),
            L.dense({ units: 2 }),
          ],
        }),
      'bn_ax',
      'BatchNormalization',
      /axis 1/,
    );
  });

  it('LayerNormalization over several axes', () => {
    refused(
      () =>
        tf.sequential({
          layers: [
            L.dense({ inputShape: [4, 3], units: 2 }),
            L.layerNormalization({ name: 'ln_ax', axis: [1, 2] }),
            L.flatten(),
            L.dense({ units: 2 }),
          ],
        }),
      'ln_ax',
      'LayerNormalization',
      /axis \[1,2\]/,
    );
  });

  it("Conv1D with 'causal' padding or dilation", () => {
    refused(
      () =>
        tf.sequential({
          layers: [
            L.conv1d({ name: 'causal', inputShape: [8, 2], filters: 2, kernelSize: 3, padding: 'causal' }),
            L.flatten(),
            L.dense({ units: 2 }),
          ],
        }),
      'causal',
      'Conv1D',
      /padding 'causal'/,
    );
    refused(
      () =>
        tf.sequential({
          layers: [
            L.conv1d({ name: 'dil1d', inputShape: [8, 2], filters: 2, kernelSize: 2, dilationRate: 2 }),
            L.flatten(),
            L.dense({ units: 2 }),
          ],
        }),
      'dil1d',
      'Conv1D',
      /dilationRate 2/,
    );
  });

  it('DepthwiseConv2D / SeparableConv2D with dilation or channelsFirst', () => {
    refused(
      () =>
        tf.sequential({
          layers: [
            L.depthwiseConv2d({ name: 'dw_dil', inputShape: [6, 6, 2], kernelSize: 2, dilationRate: 2 }),
            L.flatten(),
            L.dense({ units: 2 }),
          ],
        }),
      'dw_dil',
      'DepthwiseConv2D',
      /dilationRate/,
    );
    refused(
      () =>
        tf.sequential({
          layers: [
            L.separableConv2d({ name: 'sep_dil', inputShape: [6, 6, 2], filters: 2, kernelSize: 2, dilationRate: 2 }),
            L.flatten(),
            L.dense({ units: 2 }),
          ],
        }),
      'sep_dil',
      'SeparableConv2D',
      /dilationRate/,
    );
    refused(
      () =>
        tf.sequential({
          layers: [
            L.depthwiseConv2d({ name: 'dw_cf', inputShape: [2, 6, 6], kernelSize: 2, dataFormat: 'channelsFirst' }),
            L.flatten(),
            L.dense({ units: 2 }),
          ],
        }),
      'dw_cf',
      'DepthwiseConv2D',
      /channelsFirst/,
    );
  });

  it('Embedding with maskZero, or with integer embeddings (dtype set on the layer)', () => {
    refused(
      () =>
        tf.sequential({
          layers: [
            L.embedding({ name: 'masked', inputShape: [4], inputDim: 5, outputDim: 2, maskZero: true }),
            L.flatten(),
            L.dense({ units: 2 }),
          ],
        }),
      'masked',
      'Embedding',
      /maskZero/,
    );
    refused(
      () =>
        tf.sequential({
          layers: [
            L.embedding({ name: 'int_emb', inputShape: [4], inputDim: 5, outputDim: 2, dtype: 'int32' }),
            L.flatten(),
            L.dense({ units: 2 }),
          ],
        }),
      'int_emb',
      'Embedding',
      /dtype int32/,
    );
  });

  it('a frozen DepthwiseConv2D', () => {
    const make = () => {
      const m = tf.sequential({
        layers: [L.depthwiseConv2d({ name: 'dw_frozen', inputShape: [4, 4, 2], kernelSize: 2 }), L.flatten(), L.dense({ units: 2 })],
      });
      m.layers[0].trainable = false;
      return m;
    };
    refused(make, 'dw_frozen', 'DepthwiseConv2D', /non-trainable/);
  });

  it('every new class is registered', () => {
    const types = supportedLayerTypes();
    for (const c of ['Conv1D', 'Embedding', 'BatchNormalization', 'LayerNormalization', 'DepthwiseConv2D', 'SeparableConv2D', 'PReLU'])
      expect(types).toContain(c);
  });
});

describe('integer token ids', () => {
  it('an int32 input to a layer that is not an Embedding: UnsupportedLayerError naming it', () => {
    const inp = tf.input({ shape: [4], dtype: 'int32' });
    const m = tf.model({ inputs: inp, outputs: L.dense({ name: 'on_ids', units: 2 }).apply(inp) as S });
    const e = thrown(() => adapterOf(m));
    expect(e).toBeInstanceOf(UnsupportedLayerError);
    expect((e as UnsupportedLayerError).layerName).toBe('on_ids');
    expect(e.message).toMatch(/integer/);
    m.dispose();
  });

  it('ids outside [0, inputDim): InvalidDataError naming the layer, no tensor left behind', () => {
    const m = tf.sequential({
      layers: [
        L.inputLayer({ inputShape: [3], dtype: 'int32' }),
        L.embedding({ name: 'emb', inputDim: 4, outputDim: 2 }),
        L.flatten(),
        L.dense({ units: 2 }),
      ],
    });
    const adapter = adapterOf(m);
    for (const bad of [
      [0, 4, 1],
      [-1, 0, 0],
    ]) {
      const x = tf.tensor2d([bad], [1, 3], 'int32');
      const before = tf.memory().numTensors;
      const e = thrown(() => adapter.predict(x));
      expect(e).toBeInstanceOf(InvalidDataError);
      expect(e.message).toContain("'emb'");
      expect(e.message).toContain(String(bad.find((i) => i < 0 || i >= 4)));
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    }
    m.dispose();
  });

  it('an Embedding fed by layers with parameters: the backward pass refuses (typed), no tensor left behind', () => {
    const m = tf.sequential({
      layers: [
        L.dense({ inputShape: [3], units: 3, activation: 'relu' }),
        L.embedding({ name: 'emb_late', inputDim: 50, outputDim: 2 }),
        L.flatten(),
        L.dense({ units: 2 }),
      ],
    });
    seedWeights(m, 3);
    const adapter = adapterOf(m);
    const x = tf.abs(randomTensor([2, 3], 4));
    const v = tf.ones([1, 2, 2]);
    const before = tf.memory().numTensors;
    const e = thrown(() => tf.tidy(() => adapter.backward(adapter.forward(x), v)));
    expect(e).toBeInstanceOf(UnsupportedLayerError);
    expect((e as UnsupportedLayerError).layerName).toBe('emb_late');
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, v]);
    m.dispose();
  });
});

describe('frozen normalisation layers and the canonical order', () => {
  it('a frozen BatchNormalization is a constant: no parameters, forward = predict', () => {
    const m = tf.sequential({
      layers: [L.dense({ inputShape: [3], units: 4 }), L.batchNormalization({ name: 'bn_frozen' }), L.dense({ units: 2 })],
    });
    seedWeights(m, 8);
    randomizeBatchNorm(m, 9);
    m.layers[1].trainable = false;
    const adapter = adapterOf(m);
    expect(adapter.params.map((p) => p.name)).toEqual(
      m.trainableWeights.map((w) => (w as unknown as { originalName: string }).originalName),
    );
    expect(adapter.layers[1].kind).toBe('op');
    const x = randomTensor([3, 3], 10);
    const [a, b] = [adapter.predict(x), m.predict(x) as tf.Tensor];
    expect(maxAbsDiff(arr(a), arr(b))).toBeLessThan(1e-5);
    tf.dispose([x, a, b]);
    m.dispose();
  });

  it('a model mixing every new layer: params = model.trainableWeights (names, order, roles) and exact per-example gradients', async () => {
    const inp = tf.input({ shape: [6], dtype: 'int32' });
    let h = L.embedding({ name: 'emb', inputDim: 7, outputDim: 4 }).apply(inp) as S;
    h = L.conv1d({ name: 'c1', filters: 4, kernelSize: 3, padding: 'same', activation: 'tanh' }).apply(h) as S;
    h = L.layerNormalization({ name: 'ln' }).apply(h) as S;
    h = L.dense({ name: 'tok', units: 6 }).apply(h) as S;
    h = L.batchNormalization({ name: 'bn' }).apply(h) as S;
    h = L.prelu({ name: 'pr' }).apply(h) as S;
    h = L.reshape({ targetShape: [6, 6, 1] }).apply(h) as S;
    h = L.depthwiseConv2d({ name: 'dw', kernelSize: 2, depthMultiplier: 2, padding: 'same', activation: 'relu' }).apply(h) as S;
    h = L.separableConv2d({ name: 'sep', filters: 3, kernelSize: 3, strides: 2 }).apply(h) as S;
    h = L.flatten().apply(h) as S;
    const m = tf.model({ inputs: inp, outputs: L.dense({ name: 'out', units: 3 }).apply(h) as S });
    seedWeights(m, 21, 0.6);
    randomizeBatchNorm(m, 22);
    const adapter = adapterOf(m);
    const names = m.trainableWeights.map((w) => (w as unknown as { originalName: string }).originalName);
    expect(adapter.params.map((p) => p.name)).toEqual(names);
    expect(names).toEqual([
      'emb/embeddings',
      'c1/kernel',
      'c1/bias',
      'ln/gamma',
      'ln/beta',
      'tok/kernel',
      'tok/bias',
      'bn/gamma',
      'bn/beta',
      'pr/alpha',
      'dw/depthwise_kernel',
      'dw/bias',
      'sep/depthwise_kernel',
      'sep/pointwise_kernel',
      'sep/bias',
      'out/kernel',
      'out/bias',
    ]);
    expect(adapter.params.map((p) => `${p.role}${p.kron ? '+kron' : ''}`)).toEqual([
      'kernel+kron',
      'kernel+kron',
      'bias+kron',
      'scale',
      'bias',
      'kernel+kron',
      'bias+kron',
      'scale',
      'bias',
      'scale',
      'kernel',
      'bias',
      'kernel',
      'kernel+kron',
      'bias+kron',
      'kernel+kron',
      'bias+kron',
    ]);
    const dw = adapter.params.find((p) => p.name === 'dw/depthwise_kernel')!;
    expect(dw.units).toEqual({ window: 4, inUnits: null, outUnits: 2 });
    expect(adapter.params.find((p) => p.name === 'sep/pointwise_kernel')!.units).toEqual({ window: 1, inUnits: 2, outUnits: 3 });
    const x = randomIds([3, 6], 7, 23);
    const v = randomTensor([2, 3, 3], 24);
    const [a, b] = [adapter.predict(x), m.predict(x) as tf.Tensor];
    expect(maxAbsDiff(arr(a), arr(b))).toBeLessThan(1e-5);
    const ours = adapterPerExample(adapter, x, v);
    const ref = await referencePerExample(m, x, v);
    expect(worstRelErr(ours, ref)).toBeLessThan(1e-4);
    tf.dispose([x, v, a, b]);
    m.dispose();
  });
});
