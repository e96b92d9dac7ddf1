import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildModelAdapter } from '@spam/core';
import { arr, onBackend, randomTensor, relErr, seedWeights } from '../../../test/helpers/index.js';

const L = tf.layers;
type AnyLayer = tf.layers.Layer & { activation?: { apply(x: tf.Tensor): tf.Tensor }; getConfig(): Record<string, unknown> };

/**
 * Reference pre-activation gradients by tfjs autodiff, independent of the adapter: for each
 * Dense/Conv2D layer l, z_l is computed with plain tf ops from the model's own weights, and the
 * rest of the network is the model's own tfjs-layers layers applied to act_l(z_l). Returns, per
 * parametric layer, the flat gradients of Σ f ⊙ v_k w.r.t. z_l stacked over k.
 */
function referenceGrads(model: tf.LayersModel, x: tf.Tensor, v: tf.Tensor, stripFinalSoftmax: boolean): number[][] {
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer') as AnyLayer[];
  const last = layers.length - 1 - [...layers].reverse().findIndex((l) => l.getClassName() !== 'Dropout');
  const out: number[][] = [];
  const linear = (layer: AnyLayer, h: tf.Tensor): tf.Tensor => {
    const cfg = layer.getConfig();
    const [kernel, bias] = layer.getWeights();
    const z =
      layer.getClassName() === 'Dense'
        ? tf.matMul(h, kernel)
        : tf.conv2d(h as tf.Tensor4D, kernel as tf.Tensor4D, cfg.strides as [number, number], cfg.padding as 'valid' | 'same');
    return cfg.useBias ? tf.add(z, bias) : z;
  };
  const isParam = (l: AnyLayer) => l.getClassName() === 'Dense' || l.getClassName() === 'Conv2D';
  // Layer j of the network applied to y; the stripped final softmax is left out.
  const apply = (j: number, y: tf.Tensor): tf.Tensor => {
    const strip = stripFinalSoftmax && j === last;
    if (isParam(layers[j])) return strip ? linear(layers[j], y) : (layers[j].apply(y, { training: false }) as tf.Tensor);
    if (layers[j].getClassName() === 'AveragePooling2D' && layers[j].getConfig().padding === 'same') return exactAvgPoolSame(layers[j], y);
    return strip ? y : (layers[j].apply(y, { training: false }) as tf.Tensor);
  };
  tf.tidy(() => {
    let h = x;
    layers.forEach((layer, i) => {
      if (!isParam(layer)) {
        h = apply(i, h);
        return;
      }
      const z = linear(layer, h);
      const act = (zz: tf.Tensor) => (stripFinalSoftmax && i === last ? zz : layer.activation!.apply(zz));
      const rest = (zz: tf.Tensor): tf.Tensor => {
        let y = act(zz);
        for (let j = i + 1; j < layers.length; j++) y = apply(j, y);
        return y;
      };
      const per: number[] = [];
      for (let k = 0; k < v.shape[0]; k++) {
        const vk = tf.squeeze(tf.slice(v, [k], [1]), [0]);
        per.push(...arr(tf.grad((zz: tf.Tensor) => tf.sum(tf.mul(rest(zz), vk)))(z)));
      }
      out.push(per);
      h = act(z);
    });
  });
  return out;
}

/**
 * AveragePooling2D 'same' written so that tfjs autodiff is exact (tfjs's AvgPoolGrad divides by the
 * full window where it overlaps the padding): explicit zero padding, a 'valid' sum pool, divided by
 * the number of valid entries of each window (a constant, from pooling a ones map the same way).
 */
function exactAvgPoolSame(layer: AnyLayer, y: tf.Tensor): tf.Tensor {
  const cfg = layer.getConfig();
  const pool = cfg.poolSize as [number, number];
  const strides = (cfg.strides ?? pool) as [number, number];
  const [h, w] = y.shape.slice(1);
  const pads = [h, w].map((size, a) => {
    const out = Math.ceil(size / strides[a]);
    const total = Math.max((out - 1) * strides[a] + pool[a] - size, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)] as [number, number];
  });
  const pad4 = (t: tf.Tensor) => tf.pad(t, [[0, 0], pads[0], pads[1], [0, 0]]);
  const sumPool = (t: tf.Tensor) => tf.mul(tf.avgPool(pad4(t) as tf.Tensor4D, pool, strides, 'valid'), pool[0] * pool[1]);
  const counts = sumPool(tf.ones([1, h, w, 1]));
  return tf.div(sumPool(y), counts);
}

interface Case {
  name: string;
  make: () => tf.LayersModel;
  inShape: number[];
  logits?: boolean;
}

const CASES: Case[] = [
  {
    name: 'MLP with tanh / softplus / selu / linear',
    inShape: [5],
    make: () =>
      tf.sequential({
        layers: [
          L.dense({ inputShape: [5], units: 6, activation: 'tanh' }),
          L.dense({ units: 5, activation: 'softplus', useBias: false }),
          L.dense({ units: 4, activation: 'selu' }),
          L.dropout({ rate: 0.5 }),
          L.dense({ units: 3 }),
        ],
      }),
  },
  {
    name: 'MLP ending in softmax (no stripping: gradient through the softmax)',
    inShape: [4],
    make: () =>
      tf.sequential({
        layers: [L.dense({ inputShape: [4], units: 5, activation: 'swish' }), L.dense({ units: 3, activation: 'softmax' })],
      }),
  },
  {
    name: 'MLP ending in an Activation softmax, stripped with {logits: true}',
    inShape: [4],
    logits: true,
    make: () =>
      tf.sequential({
        layers: [
          L.dense({ inputShape: [4], units: 5, activation: 'gelu' }),
          L.dense({ units: 3 }),
          L.activation({ activation: 'softmax' }),
          L.dropout({ rate: 0.1 }),
        ],
      }),
  },
  {
    name: 'CNN: conv same stride 2 + avg pool same + ReLU(maxValue) + reshape',
    inShape: [7, 7, 2],
    make: () =>
      tf.sequential({
        layers: [
          L.conv2d({ inputShape: [7, 7, 2], filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' }),
          L.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
          L.reLU({ maxValue: 0.5 }),
          L.conv2d({ filters: 2, kernelSize: 2, useBias: false, activation: 'sigmoid' }),
          L.reshape({ targetShape: [2, 3, 3] }),
          L.conv2d({ filters: 2, kernelSize: [1, 2], padding: 'valid', activation: 'elu' }),
          L.flatten(),
          L.dense({ units: 3, activation: 'softmax' }),
        ],
      }),
    logits: true,
  },
  {
    name: 'CNN: conv + max pool (valid, pool 2) + global average pooling',
    inShape: [6, 6, 1],
    make: () =>
      tf.sequential({
        layers: [
          L.conv2d({ inputShape: [6, 6, 1], filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }),
          L.maxPooling2d({ poolSize: 2 }),
          L.conv2d({ filters: 4, kernelSize: 2, activation: 'mish' }),
          L.globalAveragePooling2d({}),
          L.dense({ units: 3 }),
        ],
      }),
  },
  {
    name: 'CNN: pooling windows that leave rows/cols uncovered (7x7 max pool 2/2 valid, 7x7 avg pool 2/2 valid)',
    inShape: [8, 8, 1],
    make: () =>
      tf.sequential({
        layers: [
          L.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 2, activation: 'softsign' }),
          L.maxPooling2d({ poolSize: 2, strides: 2 }),
          L.conv2d({ filters: 2, kernelSize: 1, padding: 'same', activation: 'relu6' }),
          L.reshape({ targetShape: [18] }),
          L.dense({ units: 49, activation: 'hardSigmoid' }),
          L.reshape({ targetShape: [7, 7, 1] }),
          L.averagePooling2d({ poolSize: 2, strides: 2 }),
          L.flatten(),
          L.dense({ units: 3, activation: 'gelu_new' }),
        ],
      }),
  },
  {
    name: 'functional CNN: conv stride 2 valid + max pool same (pool 3, stride 2) + max pool (pool 2, stride 1)',
    inShape: [9, 9, 2],
    make: () => {
      const inp = tf.input({ shape: [9, 9, 2] });
      let h = L.conv2d({ filters: 3, kernelSize: 3, strides: 2, activation: 'tanh' }).apply(inp) as tf.SymbolicTensor;
      h = L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(h) as tf.SymbolicTensor;
      h = L.maxPooling2d({ poolSize: 2, strides: 1, padding: 'valid' }).apply(h) as tf.SymbolicTensor;
      h = L.flatten().apply(h) as tf.SymbolicTensor;
      h = L.dense({ units: 4, activation: 'relu6' }).apply(h) as tf.SymbolicTensor;
      return tf.model({ inputs: inp, outputs: L.dense({ units: 2 }).apply(h) as tf.SymbolicTensor });
    },
  },
];

describe('adapter.backward equals tfjs autodiff of Σ f ⊙ v_k w.r.t. each pre-activation', () => {
  CASES.forEach((c, ci) => {
    it(c.name, async () => {
      const model = c.make();
      seedWeights(model, 900 + ci, 0.7);
      const n = 3;
      const k = 3;
      const x = randomTensor([n, ...c.inShape], 950 + ci);
      const adapter = buildModelAdapter(model, { logits: c.logits });
      expect(adapter.stripsSoftmax).toBe(!!c.logits);
      const v = randomTensor([k, n, adapter.outputDim], 970 + ci);
      const ours = tf.tidy(() => adapter.backward(adapter.forward(x), v).map((g) => ({ shape: g.shape, data: arr(g) })));
      // The reference runs on cpu: tfjs 4.22's wasm MaxPoolGrad is wrong for batch entries > 0 and
      // wasm has no Conv2DBackpropFilter kernel (which tf.grad through a conv layer may call).
      const ref = await onBackend('cpu', () => referenceGrads(model, x, v, !!c.logits));
      expect(ours.length).toBe(adapter.parametric.length);
      expect(ref.length).toBe(ours.length);
      ours.forEach((g, l) => {
        expect(g.shape).toEqual([k, n, ...adapter.parametric[l].outputShape]);
        const scale = Math.max(...ref[l].map(Math.abs));
        expect(scale, `layer ${l}: reference gradient is not all zero`).toBeGreaterThan(1e-3);
        expect(relErr(g.data, ref[l]), `layer ${adapter.parametric[l].name}`).toBeLessThan(1e-4);
      });
      tf.dispose([x, v]);
    });
  });

  it('the K slices are independent: backward of stacked vectors equals separate backward calls', () => {
    const model = CASES[4].make();
    seedWeights(model, 990, 0.7);
    const x = randomTensor([2, 6, 6, 1], 991);
    const v = randomTensor([4, 2, 3], 992);
    const adapter = buildModelAdapter(model);
    tf.tidy(() => {
      const trace = adapter.forward(x);
      const all = adapter.backward(trace, v);
      for (let k = 0; k < 4; k++) {
        const one = adapter.backward(trace, tf.slice(v, [k], [1]));
        one.forEach((g, l) => {
          const slice = tf.slice(all[l], [k], [1]);
          expect(relErr(arr(slice), arr(g))).toBeLessThan(1e-6);
        });
      }
    });
    tf.dispose([x, v]);
  });
});
