// Structured-removal knowledge of the layer adapters: how channel keep flags pass through op layers
// (mapChannels) and which kernel axis holds a parametric layer's inputs (unitSlicing).
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildModelAdapter, type OpLayer, type ParametricLayer } from '@spam/core';

const L = tf.layers;

function adapterOf(layers: tf.layers.Layer[]) {
  const model = tf.sequential({ layers });
  return { model, adapter: buildModelAdapter(model) };
}

describe('OpLayer.mapChannels', () => {
  it('passes channel flags through pooling, activation, ReLU, Dropout and GlobalAveragePooling2D', () => {
    const { model, adapter } = adapterOf([
      L.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, padding: 'same' }),
      L.maxPooling2d({ poolSize: 2 }),
      L.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
      L.activation({ activation: 'sigmoid' }),
      L.reLU({ maxValue: 2 }),
      L.dropout({ rate: 0.2 }),
      L.globalAveragePooling2d({}),
      L.dense({ units: 2 }),
    ]);
    const keep = Uint8Array.from([1, 0, 1]);
    for (const layer of adapter.layers.filter((l): l is OpLayer => l.kind === 'op')) {
      expect(layer.mapChannels, layer.className).toBeDefined();
      const out = layer.mapChannels!(keep);
      expect(Array.from(out), layer.className).toEqual([1, 0, 1]);
      expect(out).not.toBe(keep);
    }
    model.dispose();
  });

  it('Flatten expands C flags to the channels-last features (h·W + w)·C + c, as tf.layers.flatten orders them', () => {
    const { model, adapter } = adapterOf([
      L.conv2d({ inputShape: [3, 4, 2], filters: 3, kernelSize: 1 }),
      L.flatten(),
      L.dense({ units: 1 }),
    ]);
    const flatten = adapter.layers[1] as OpLayer;
    const out = flatten.mapChannels!(Uint8Array.from([0, 1, 1]));
    expect(out.length).toBe(3 * 4 * 3);
    // The reference: flatten a [1, 3, 4, 3] tensor whose value is its channel index.
    const channel = tf.tidy(() => tf.reshape(tf.tile(tf.tensor1d([0, 1, 2]), [12]), [1, 3, 4, 3]));
    const flat = Array.from((L.flatten().apply(channel) as tf.Tensor).dataSync());
    expect(Array.from(out)).toEqual(flat.map((c) => (c === 0 ? 0 : 1)));
    tf.dispose(channel);
    model.dispose();
  });

  it('softmax activation and Reshape define no mapChannels (removal through them is refused)', () => {
    const { model, adapter } = adapterOf([
      L.dense({ inputShape: [4], units: 6 }),
      L.activation({ activation: 'softmax' }),
      L.reshape({ targetShape: [2, 3] }),
      L.flatten(),
      L.dense({ units: 2 }),
    ]);
    expect((adapter.layers[1] as OpLayer).mapChannels).toBeUndefined();
    expect((adapter.layers[2] as OpLayer).mapChannels).toBeUndefined();
    expect((adapter.layers[3] as OpLayer).mapChannels).toBeDefined();
    model.dispose();
  });
});

describe('ParametricLayer.unitSlicing', () => {
  it('Dense: input axis 0, key units; Conv2D: input axis 2, key filters', () => {
    const { model, adapter } = adapterOf([
      L.conv2d({ inputShape: [5, 5, 2], filters: 3, kernelSize: 3 }),
      L.flatten(),
      L.dense({ units: 2 }),
    ]);
    const [conv, dense] = adapter.parametric as ParametricLayer[];
    expect(conv.unitSlicing).toEqual({ inputAxis: 2, unitsKey: 'filters' });
    expect(dense.unitSlicing).toEqual({ inputAxis: 0, unitsKey: 'units' });
    expect(conv.kernel.shape[conv.unitSlicing!.inputAxis]).toBe(2);
    expect(dense.kernel.shape[dense.unitSlicing!.inputAxis]).toBe(27);
    expect(model.layers[0].getConfig()[conv.unitSlicing!.unitsKey]).toBe(3);
    model.dispose();
  });
});
