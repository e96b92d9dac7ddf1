import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  buildModelAdapter,
  ModelNotBuiltError,
  SpamError,
  UnsupportedLayerError,
  UnsupportedTopologyError,
  type ModelLike,
} from '@spam/core';
import { thrown } from '../../../test/helpers/index.js';

const L = tf.layers;
const build = (m: tf.LayersModel) => () => buildModelAdapter(m);

describe('UnsupportedLayerError', () => {
  const cases: Array<[string, () => tf.LayersModel, string]> = [
    [
      'LSTM',
      () => tf.sequential({ layers: [L.lstm({ name: 'my_lstm', inputShape: [4, 3], units: 2 }), L.dense({ units: 2 })] }),
      'my_lstm',
    ],
    [
      'BatchNormalization',
      // BatchNormalization is supported on the last axis only (axis 1 of [N, 3, 1] is not).
      () =>
        tf.sequential({
          layers: [
            L.dense({ inputShape: [3, 1], units: 1 }),
            L.batchNormalization({ name: 'bn1', axis: 1 }),
            L.flatten(),
            L.dense({ units: 2 }),
          ],
        }),
      'bn1',
    ],
    [
      'Conv1D',
      () =>
        tf.sequential({
          layers: [
            L.conv1d({ name: 'c1d', inputShape: [8, 2], filters: 2, kernelSize: 3, dilationRate: 2 }),
            L.flatten(),
            L.dense({ units: 2 }),
          ],
        }),
      'c1d',
    ],
  ];
  for (const [cls, make, name] of cases) {
    it(`${cls}: names the layer and its class`, () => {
      const e = thrown(build(make()));
      expect(e).toBeInstanceOf(UnsupportedLayerError);
      expect(e).toBeInstanceOf(SpamError);
      const err = e as UnsupportedLayerError;
      expect(err.code).toBe('UNSUPPORTED_LAYER');
      expect(err.name).toBe('UnsupportedLayerError');
      expect(err.layerName).toBe(name);
      expect(err.className).toBe(cls);
      expect(err.message).toContain(`'${name}'`);
      expect(err.message).toContain(cls);
    });
  }

  it('an unsupported layer option (Conv2D dilation, channelsFirst) names the option', () => {
    const dil = thrown(
      build(
        tf.sequential({
          layers: [
            L.conv2d({ name: 'dil', inputShape: [6, 6, 1], filters: 2, kernelSize: 2, dilationRate: 2 }),
            L.flatten(),
            L.dense({ units: 2 }),
          ],
        }),
      ),
    );
    expect(dil).toBeInstanceOf(UnsupportedLayerError);
    expect(dil.message).toContain('dil');
    expect(dil.message).toMatch(/dilation/i);
    const cf = thrown(
      build(
        tf.sequential({
          layers: [
            L.averagePooling2d({ name: 'cfpool', inputShape: [4, 4, 2], poolSize: 2, dataFormat: 'channelsFirst' }),
            L.flatten(),
            L.dense({ units: 2 }),
          ],
        }),
      ),
    );
    expect(cf).toBeInstanceOf(UnsupportedLayerError);
    expect(cf.message).toContain('cfpool');
    expect(cf.message).toContain('channelsFirst');
  });

  it('Dense on a rank-3 input acts token-wise (T = 3 locations), not refused', () => {
    const a = build(
      tf.sequential({ layers: [L.dense({ name: 'd3', inputShape: [3, 4], units: 2 }), L.flatten(), L.dense({ units: 2 })] }),
    )();
    expect(a.parametric[0]).toMatchObject({ name: 'd3', locations: 3, fanIn: 4, units: 2, outputShape: [3, 2] });
  });
});

describe('UnsupportedTopologyError', () => {
  it('a layer applied twice (shared weights)', () => {
    const inp = tf.input({ shape: [4] });
    const shared = L.dense({ name: 'shared', units: 4 });
    const twice = shared.apply(shared.apply(inp)) as tf.SymbolicTensor;
    const e = thrown(build(tf.model({ inputs: inp, outputs: L.dense({ units: 2 }).apply(twice) as tf.SymbolicTensor })));
    expect(e).toBeInstanceOf(UnsupportedTopologyError);
    expect((e as UnsupportedTopologyError).code).toBe('UNSUPPORTED_TOPOLOGY');
    expect(e.message).toMatch(/'shared'.*applied 2 times/);
  });

  it('a model with two inputs', () => {
    const i1 = tf.input({ shape: [2] });
    const i2 = tf.input({ shape: [2] });
    const c = L.concatenate().apply([i1, i2]) as tf.SymbolicTensor;
    const out = L.dense({ units: 1 }).apply(c) as tf.SymbolicTensor;
    const e = thrown(build(tf.model({ inputs: [i1, i2], outputs: out })));
    expect(e).toBeInstanceOf(UnsupportedTopologyError);
    expect(e.message).toMatch(/2 inputs/);
  });

  it('a shared layer applied twice', () => {
    const inp = tf.input({ shape: [3] });
    const shared = L.dense({ name: 'shared', units: 3 });
    const h = shared.apply(shared.apply(inp)) as tf.SymbolicTensor;
    const e = thrown(build(tf.model({ inputs: inp, outputs: h })));
    expect(e).toBeInstanceOf(UnsupportedTopologyError);
    expect(e.message).toContain('shared');
  });
});

describe('ModelNotBuiltError', () => {
  // tfjs 4.22 refuses `model.add(dense)` without inputShape on an empty Sequential (it throws a
  // ValueError itself), so the reachable not-built state is a tf.sequential() before its first layer.
  it('tf.sequential() without a first layer that has an inputShape', () => {
    const m = tf.sequential({ name: 'unbuilt_seq' });
    expect(() => m.add(L.dense({ units: 3 }))).toThrow(/inputShape/);
    const e = thrown(build(m));
    expect(e).toBeInstanceOf(ModelNotBuiltError);
    expect((e as ModelNotBuiltError).code).toBe('MODEL_NOT_BUILT');
    expect(e.message).toContain('unbuilt_seq');
    expect(e.message).toMatch(/inputShape/);
  });

  it('a model whose inputs getter throws (not built yet)', () => {
    const fake = {
      name: 'lazy',
      layers: [],
      get inputs(): never {
        throw new Error('not built');
      },
      predict: () => tf.scalar(0),
    } as unknown as ModelLike;
    const e = thrown(() => buildModelAdapter(fake));
    expect(e).toBeInstanceOf(ModelNotBuiltError);
    expect(e.message).toContain('lazy');
  });
});
