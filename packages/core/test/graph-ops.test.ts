/**
 * Parameter-free op layers (Permute, RepeatVector, ZeroPadding2D, global poolings, the Softmax
 * layer, LeakyReLU, ELU, ThresholdedReLU, Reshape/Flatten/Activation on token tensors) inside small
 * functional models: forward = model.predict, per-example weight gradients = tfjs autodiff (cpu),
 * declared linearity facts, batch split, no leaked tensors (see graph-reference.ts).
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildModelAdapter, getLayerAdapter, type OpLayer } from '@spam/core';
import { arr, randomTensor, relErr, seedWeights } from '../../../test/helpers/index.js';
import { adapterWeightGrads, autodiffWeightGrads, checkGraphModel } from './graph-reference.js';

const L = tf.layers;
type Sym = tf.SymbolicTensor;
const ap = (layer: tf.layers.Layer, x: Sym | Sym[]) => layer.apply(x) as Sym;
const dense = (units: number, activation?: string) => L.dense({ units, activation: activation as 'tanh' | undefined });
const tokens = (inp: Sym, shape: number[], activation?: string) =>
  ap(
    L.reshape({ targetShape: shape }),
    ap(
      dense(
        shape.reduce((a, b) => a * b, 1),
        activation,
      ),
      inp,
    ),
  );

interface Case {
  name: string;
  inShape: number[];
  make: (inp: Sym) => Sym;
  /** Class names whose adapters must declare these channel maps (true: defined). */
  mapChannels?: Record<string, boolean>;
}

const CASES: Case[] = [
  {
    name: 'Permute [2, 1] and [3, 1, 2], Reshape and Flatten of rank-3 token tensors',
    inShape: [5],
    make: (inp) => {
      const t = tokens(inp, [3, 4], 'tanh');
      const p = ap(L.permute({ dims: [2, 1] }), t); // [4, 3]
      const r = ap(L.reshape({ targetShape: [2, 2, 3] }), p);
      const q = ap(L.permute({ dims: [3, 1, 2] }), r); // [3, 2, 2]
      return ap(dense(3), ap(L.flatten(), q));
    },
    mapChannels: { Permute: false },
  },
  {
    name: 'RepeatVector then Permute keeping the last axis (channel map defined)',
    inShape: [4],
    make: (inp) => {
      const r = ap(L.repeatVector({ n: 3 }), ap(dense(5, 'tanh'), inp)); // [3, 5]
      const t = ap(L.reshape({ targetShape: [3, 1, 5] }), r);
      const p = ap(L.permute({ dims: [2, 1, 3] }), t); // [1, 3, 5]
      return ap(dense(2), ap(L.flatten(), p));
    },
    mapChannels: { RepeatVector: true, Permute: true },
  },
  {
    name: 'GlobalAveragePooling1D and GlobalMaxPooling1D over tokens',
    inShape: [6],
    make: (inp) => {
      const t = tokens(inp, [5, 3], 'tanh');
      const avg = ap(L.globalAveragePooling1d(), t);
      const mx = ap(L.globalMaxPooling1d(), tokens(inp, [4, 3]));
      return ap(dense(2), ap(L.concatenate(), [avg, mx]));
    },
    mapChannels: { GlobalAveragePooling1D: true, GlobalMaxPooling1D: true },
  },
  {
    name: 'ZeroPadding2D (asymmetric) -> Conv2D -> GlobalMaxPooling2D, and ZeroPadding2D(1) -> Flatten',
    inShape: [4],
    make: (inp) => {
      const img = tokens(inp, [3, 4, 2], 'tanh');
      const padded = ap(
        L.zeroPadding2d({
          padding: [
            [1, 0],
            [0, 2],
          ],
        }),
        img,
      ); // [4, 6, 2]
      const conv = ap(L.conv2d({ filters: 3, kernelSize: 2, activation: 'tanh' }), padded);
      const g = ap(L.globalMaxPooling2d({}), conv);
      const p1 = ap(L.flatten(), ap(L.zeroPadding2d({}), tokens(inp, [2, 2, 1])));
      return ap(dense(3), ap(L.concatenate(), [g, p1]));
    },
    mapChannels: { ZeroPadding2D: true, GlobalMaxPooling2D: true },
  },
  {
    name: 'channelsFirst ZeroPadding2D and GlobalMaxPooling2D (no channel map)',
    inShape: [4],
    make: (inp) => {
      const img = tokens(inp, [2, 3, 3]);
      const padded = ap(L.zeroPadding2d({ padding: [1, 2], dataFormat: 'channelsFirst' }), img); // [2, 5, 7]
      return ap(dense(2), ap(L.globalMaxPooling2d({ dataFormat: 'channelsFirst' }), ap(L.leakyReLU({ alpha: 0.2 }), padded)));
    },
    mapChannels: { ZeroPadding2D: false, GlobalMaxPooling2D: false },
  },
  {
    name: 'Softmax layer on the last axis of tokens, joint softmax over axes [1, 2], Activation(softmax) on tokens',
    inShape: [5],
    make: (inp) => {
      const a = ap(L.softmax({ axis: -1 }), tokens(inp, [3, 4]));
      const b = ap(L.softmax({ axis: [1, 2] }), tokens(inp, [2, 3]));
      const c = ap(L.activation({ activation: 'softmax' }), tokens(inp, [2, 2]));
      return ap(dense(3), ap(L.concatenate(), [ap(L.flatten(), a), ap(L.flatten(), b), ap(L.flatten(), c)]));
    },
  },
  {
    name: 'LeakyReLU (default and custom alpha) and ELU layers on tokens',
    inShape: [4],
    make: (inp) => {
      const a = ap(L.leakyReLU(), tokens(inp, [2, 3]));
      const b = ap(L.leakyReLU({ alpha: 0.05 }), ap(dense(4), inp));
      const c = ap(L.elu(), tokens(inp, [3, 2]));
      return ap(dense(2), ap(L.concatenate(), [ap(L.flatten(), a), b, ap(L.flatten(), c)]));
    },
    mapChannels: { LeakyReLU: true, ELU: true },
  },
];

describe('op layers in functional models: forward, per-example backward vs tfjs autodiff (cpu), linearity facts, batch split, memory', () => {
  CASES.forEach((c, ci) => {
    it(c.name, async () => {
      const inp = tf.input({ shape: c.inShape });
      const model = tf.model({ inputs: inp, outputs: c.make(inp) });
      const adapter = await checkGraphModel(model, c.inShape, 4100 + 23 * ci);
      for (const [cls, defined] of Object.entries(c.mapChannels ?? {})) {
        const nodes = adapter.layers.filter((l) => l.className === cls);
        expect(nodes.length, cls).toBeGreaterThan(0);
        for (const l of nodes) expect(typeof (l as OpLayer).mapChannels === 'function', `${l.name} mapChannels`).toBe(defined);
      }
    });
  });

  it('a final Softmax layer is stripped with {logits: true}: softmax(adapter output) = model.predict', () => {
    const inp = tf.input({ shape: [4] });
    const out = ap(L.softmax(), ap(dense(3), ap(dense(5, 'tanh'), inp)));
    const model = tf.model({ inputs: inp, outputs: out });
    seedWeights(model, 4501, 0.8);
    const adapter = buildModelAdapter(model, { logits: true });
    expect(adapter.stripsSoftmax).toBe(true);
    const x = randomTensor([3, 4], 4502);
    tf.tidy(() => {
      expect(relErr(arr(tf.softmax(adapter.predict(x))), arr(model.predict(x) as tf.Tensor))).toBeLessThan(1e-5);
    });
    x.dispose();
  });
});

describe('global max pooling over exact ties routes the cotangent to the first maximum', () => {
  // RepeatVector(3) then a global max pooling over the copies is the identity, so the gradients
  // must equal those of the model without both layers. (tfjs's gradient of tf.max gives every
  // tied copy the full cotangent: 3 times too large here.)
  const heads: Array<[string, (h: Sym) => Sym]> = [
    ['GlobalMaxPooling1D', (h) => ap(L.globalMaxPooling1d(), ap(L.repeatVector({ n: 3 }), h))],
    ['GlobalMaxPooling2D', (h) => ap(L.globalMaxPooling2d({}), ap(L.reshape({ targetShape: [3, 1, 5] }), ap(L.repeatVector({ n: 3 }), h)))],
  ];
  heads.forEach(([cls, pool], i) => {
    it(`${cls} after RepeatVector: gradients equal those of the model without both layers`, async () => {
      const build = (withPool: boolean) => {
        const inp = tf.input({ shape: [4] });
        const h = ap(dense(5, 'tanh'), inp);
        return tf.model({ inputs: inp, outputs: ap(dense(2), withPool ? pool(h) : h) });
      };
      const a = build(true);
      const b = build(false);
      seedWeights(a, 4700 + i, 0.8);
      b.setWeights(a.getWeights());
      const x = randomTensor([3, 4], 4710 + i);
      const v = randomTensor([2, 3, 2], 4720 + i);
      const adapter = buildModelAdapter(a);
      const got = adapterWeightGrads(adapter, x, v);
      const ref = await autodiffWeightGrads(b, x, v);
      a.trainableWeights.forEach((w, j) => {
        const r = ref.get(b.trainableWeights[j].name)!;
        expect(Math.max(...Array.from(r, Math.abs))).toBeGreaterThan(1e-3);
        expect(relErr(got.get(w.name)!, r), w.name).toBeLessThan(1e-5);
      });
      tf.dispose([x, v]);
    });
  });
});

describe('ThresholdedReLU (tfjs cannot differentiate it: no gradient for Greater)', () => {
  it('forward = the layer, VJP = autodiff of the same map written as x·step(x − θ)', () => {
    const theta = 0.4;
    const layer = L.thresholdedReLU({ theta });
    const inp = tf.input({ shape: [2, 5] });
    layer.apply(inp);
    const adapted = getLayerAdapter('ThresholdedReLU')!(layer, [2, 5], {
      inputShapes: [[2, 5]],
      inputDtypes: ['float32'],
    }) as OpLayer;
    const before = tf.memory().numTensors;
    const x = randomTensor([3, 2, 5], 4601);
    const dy = randomTensor([2, 3, 2, 5], 4602);
    tf.tidy(() => {
      const y = adapted.forward(x);
      expect(relErr(arr(y), arr(layer.apply(x) as tf.Tensor))).toBeLessThan(1e-7);
      const ours = arr(adapted.vjp(dy, x, y));
      const ref: number[] = [];
      for (let k = 0; k < 2; k++) {
        const dk = tf.squeeze(tf.slice(dy, [k], [1]), [0]);
        ref.push(...arr(tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.mul(z, tf.step(tf.sub(z, theta))), dk)))(x)));
      }
      expect(Math.max(...ref.map(Math.abs))).toBeGreaterThan(0.1);
      expect(relErr(ours, ref)).toBeLessThan(1e-6);
      expect(adapted.activation?.hessianIsZero).toBe(true);
      expect(adapted.mapChannels?.(Uint8Array.from([1, 0, 1, 1, 0]))).toEqual(Uint8Array.from([1, 0, 1, 1, 0]));
    });
    tf.dispose([x, dy]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
