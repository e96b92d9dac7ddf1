/**
 * Merge layers (Add, Average, Multiply, Maximum, Minimum, Concatenate, Dot) inside small
 * functional models: forward = model.predict, per-example weight gradients = tfjs autodiff on cpu,
 * batch-split invariance, no leaked tensors (see graph-reference.ts).
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildModelAdapter, getLayerAdapter, type MergeLayer } from '@spam/core';
import { arr, onBackend, randomTensor, relErr, seedWeights } from '../../../test/helpers/index.js';
import { adapterWeightGrads, autodiffWeightGrads, checkGraphModel } from './graph-reference.js';

const L = tf.layers;
type Sym = tf.SymbolicTensor;
const ap = (layer: tf.layers.Layer, x: Sym | Sym[]) => layer.apply(x) as Sym;
const dense = (units: number, activation?: string) => L.dense({ units, activation: activation as 'tanh' | undefined });

interface Case {
  name: string;
  inShape: number[];
  make: (inp: Sym) => Sym;
}

const CASES: Case[] = [
  {
    name: 'residual Add block: x + Dense(relu)(x) after a Dense',
    inShape: [6],
    make: (inp) => {
      const h = ap(dense(6, 'tanh'), inp);
      const r = ap(dense(6), ap(dense(6, 'relu'), h));
      return ap(dense(3), ap(L.add(), [h, r]));
    },
  },
  {
    name: 'Add of the model input and a branch (cotangents reach an input-fed node and a Dense)',
    inShape: [4],
    make: (inp) => ap(dense(2), ap(L.add(), [inp, ap(dense(4, 'sigmoid'), inp)])),
  },
  {
    name: 'Multiply gate (GLU-style) and a three-input Average',
    inShape: [5],
    make: (inp) => {
      const a = ap(dense(4, 'tanh'), inp);
      const gate = ap(dense(4, 'sigmoid'), inp);
      const m = ap(L.multiply(), [a, gate]);
      const c = ap(dense(4), inp);
      return ap(dense(3), ap(L.average(), [m, c, a]));
    },
  },
  {
    name: 'three-input Multiply',
    inShape: [4],
    make: (inp) => {
      const [a, b, c] = [ap(dense(3, 'tanh'), inp), ap(dense(3), inp), ap(dense(3, 'softplus'), inp)];
      return ap(dense(2), ap(L.multiply(), [a, b, c]));
    },
  },
  {
    name: 'broadcasting merges: Multiply [2, 4] by [4] and Add [2, 4] + [2, 1]',
    inShape: [5],
    make: (inp) => {
      const tokens = ap(L.reshape({ targetShape: [2, 4] }), ap(dense(8, 'tanh'), inp));
      const scale = ap(dense(4, 'sigmoid'), inp);
      const m = ap(L.multiply(), [tokens, scale]);
      const shift = ap(L.reshape({ targetShape: [2, 1] }), ap(dense(2), inp));
      const s = ap(L.add(), [m, shift]);
      return ap(dense(3), ap(L.flatten(), s));
    },
  },
  {
    name: 'Maximum of three branches and Minimum of two',
    inShape: [4],
    make: (inp) => {
      const [a, b, c] = [ap(dense(5, 'tanh'), inp), ap(dense(5), inp), ap(dense(5, 'elu'), inp)];
      const mx = ap(L.maximum(), [a, b, c]);
      const mn = ap(L.minimum(), [b, ap(dense(5), a)]);
      return ap(dense(2), ap(L.concatenate(), [mx, mn]));
    },
  },
  {
    name: 'Concatenate vectors (default axis -1) of unequal widths',
    inShape: [4],
    make: (inp) => ap(dense(3), ap(L.concatenate(), [ap(dense(2, 'tanh'), inp), ap(dense(5), inp), inp])),
  },
  {
    name: 'Concatenate token tensors along the token axis (axis 1) and the feature axis (axis 2)',
    inShape: [6],
    make: (inp) => {
      const a = ap(L.reshape({ targetShape: [2, 3] }), ap(dense(6, 'tanh'), inp));
      const b = ap(L.reshape({ targetShape: [4, 3] }), ap(dense(12), inp));
      const tok = ap(L.concatenate({ axis: 1 }), [a, b]); // [6, 3]
      const c = ap(L.reshape({ targetShape: [6, 2] }), ap(dense(12, 'sigmoid'), inp));
      const feat = ap(L.concatenate({ axis: 2 }), [tok, c]); // [6, 5]
      return ap(dense(3), ap(L.flatten(), feat));
    },
  },
  {
    name: 'attention: Dot(q, k, axes -1) -> Softmax -> Dot(., v, axes [2, 1])',
    inShape: [6],
    make: (inp) => {
      const q = ap(L.reshape({ targetShape: [4, 3] }), ap(dense(12), inp));
      const k = ap(L.reshape({ targetShape: [4, 3] }), ap(dense(12, 'tanh'), inp));
      const v = ap(L.reshape({ targetShape: [4, 2] }), ap(dense(8), inp));
      const scores = ap(L.dot({ axes: -1 }), [q, k]); // [4, 4]
      const attn = ap(L.softmax({ axis: -1 }), scores);
      const o = ap(L.dot({ axes: [2, 1] }), [attn, v]); // [4, 2]
      return ap(dense(3), ap(L.flatten(), o));
    },
  },
  {
    // h feeds only this Dot: tfjs 4.22's model.predict disposes a tensor too early when one layer
    // reads it twice and another layer reads it too (TypeError in BatchMatMul, cpu and wasm).
    name: 'attention with Activation(softmax) on the inner axis and self-scores Dot(h, h)',
    inShape: [5],
    make: (inp) => {
      const h = ap(L.reshape({ targetShape: [3, 4] }), ap(dense(12, 'tanh'), inp));
      const scores = ap(L.dot({ axes: 2 }), [h, h]); // [3, 3], the same tensor twice
      const attn = ap(L.activation({ activation: 'softmax' }), scores);
      const v = ap(L.reshape({ targetShape: [3, 4] }), ap(dense(12), inp));
      const o = ap(L.dot({ axes: [2, 1] }), [attn, v]); // [3, 4]
      return ap(dense(2), ap(L.flatten(), o));
    },
  },
  {
    name: 'Dot contracting axis 1 of both ([N, c, p]ᵀ [N, c, q]) and axes [1, 2]',
    inShape: [5],
    make: (inp) => {
      const a = ap(L.reshape({ targetShape: [3, 2] }), ap(dense(6), inp));
      const b = ap(L.reshape({ targetShape: [3, 4] }), ap(dense(12, 'tanh'), inp));
      const ab = ap(L.dot({ axes: [1, 1] }), [a, b]); // [2, 4]
      const c = ap(L.reshape({ targetShape: [4, 2] }), ap(dense(8), inp));
      const ca = ap(L.dot({ axes: [1, 2] }), [c, ab]); // c's 4 with ab's 4: [2, 2]
      return ap(dense(3), ap(L.flatten(), ca));
    },
  },
  {
    name: 'Dot of a vector with a matrix (both orders) and of two vectors',
    inShape: [4],
    make: (inp) => {
      const m = ap(L.reshape({ targetShape: [3, 5] }), ap(dense(15, 'tanh'), inp));
      const u = ap(dense(3), inp);
      const w = ap(dense(5, 'sigmoid'), inp);
      const um = ap(L.dot({ axes: [1, 1] }), [u, m]); // [5]
      const mw = ap(L.dot({ axes: [2, 1] }), [m, w]); // [3]
      const uv = ap(L.dot({ axes: 1 }), [u, ap(dense(3), inp)]); // [1]
      return ap(dense(2), ap(L.concatenate(), [um, mw, uv]));
    },
  },
  {
    name: 'Dot with normalize: true (cosine similarities)',
    inShape: [5],
    make: (inp) => {
      const a = ap(L.reshape({ targetShape: [3, 4] }), ap(dense(12), inp));
      const b = ap(L.reshape({ targetShape: [2, 4] }), ap(dense(8, 'tanh'), inp));
      const cos = ap(L.dot({ axes: -1, normalize: true }), [a, b]); // [3, 2]
      return ap(dense(2), ap(L.flatten(), cos));
    },
  },
];

describe('merge layers in functional models: forward, per-example backward vs tfjs autodiff (cpu), batch split, memory', () => {
  CASES.forEach((c, ci) => {
    it(c.name, async () => {
      const inp = tf.input({ shape: c.inShape });
      const model = tf.model({ inputs: inp, outputs: c.make(inp) });
      const adapter = await checkGraphModel(model, c.inShape, 3100 + 17 * ci);
      expect(adapter.isChain).toBe(false);
    });
  });
});

describe('Maximum / Minimum with broadcasting (tfjs 4.22 cannot differentiate them: its gradient skips the reduction)', () => {
  (['Maximum', 'Minimum'] as const).forEach((cls, ci) => {
    it(`${cls} of [2, 4], [4] and [2, 1] inputs: forward = the layer, VJP = autodiff of the explicitly broadcast fold`, async () => {
      const layer = cls === 'Maximum' ? L.maximum({}) : L.minimum({});
      const shapes = [[2, 4], [4], [2, 1]];
      layer.apply(shapes.map((s) => tf.input({ shape: s })));
      const adapted = getLayerAdapter(cls)!(layer, shapes[0], {
        inputShapes: shapes,
        inputDtypes: ['float32', 'float32', 'float32'],
      }) as MergeLayer;
      expect(adapted.outputShape).toEqual([2, 4]);
      const n = 3;
      const before = tf.memory().numTensors;
      const xs = shapes.map((s, j) => randomTensor([n, ...s], 5200 + 10 * ci + j));
      const dy = randomTensor([2, n, 2, 4], 5230 + ci);
      const op = cls === 'Maximum' ? tf.maximum : tf.minimum;
      const fold = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        op(op(a, tf.broadcastTo(tf.reshape(b, [n, 1, 4]), [n, 2, 4])), tf.broadcastTo(c, [n, 2, 4]));
      const ref = await onBackend('cpu', () =>
        [0, 1].map((k) =>
          tf.tidy(() => {
            const dk = tf.squeeze(tf.slice(dy, [k], [1]), [0]);
            return tf
              .grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(fold(a, b, c), dk)))(xs)
              .map(arr);
          }),
        ),
      );
      tf.tidy(() => {
        const y = adapted.forward(xs);
        expect(relErr(arr(y), arr(layer.apply(xs) as tf.Tensor))).toBeLessThan(1e-7);
        const got = adapted.vjp(dy, xs, y);
        got.forEach((g, j) => {
          expect(g.shape).toEqual([2, n, ...shapes[j]]);
          const want = [...ref[0][j], ...ref[1][j]];
          // Every input wins somewhere: no all-zero reference.
          expect(Math.max(...want.map(Math.abs)), `input ${j}`).toBeGreaterThan(1e-3);
          expect(relErr(arr(g), want), `input ${j}`).toBeLessThan(1e-6);
        });
      });
      tf.dispose([...xs, dy]);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});

describe('a tensor read twice by one layer and once by another (tfjs 4.22 model.predict disposes it too early)', () => {
  it('the adapter matches tfjs autodiff of the same net with the second read through a no-op Reshape', async () => {
    const build = (workaround: boolean) => {
      const inp = tf.input({ shape: [5] });
      const h = ap(L.reshape({ targetShape: [3, 4] }), ap(dense(12, 'tanh'), inp));
      const h2 = workaround ? ap(L.reshape({ targetShape: [3, 4] }), h) : h;
      const attn = ap(L.activation({ activation: 'softmax' }), ap(L.dot({ axes: 2 }), [h, h2]));
      const o = ap(L.dot({ axes: [2, 1] }), [attn, h]); // h read again by another layer
      return tf.model({ inputs: inp, outputs: ap(dense(2), ap(L.flatten(), o)) });
    };
    const a = build(false);
    const b = build(true);
    seedWeights(a, 5301, 0.7);
    b.setWeights(a.getWeights());
    const x = randomTensor([3, 5], 5302);
    const v = randomTensor([2, 3, 2], 5303);
    const adapter = buildModelAdapter(a);
    tf.tidy(() => {
      expect(relErr(arr(adapter.predict(x)), arr(b.predict(x) as tf.Tensor))).toBeLessThan(1e-5);
    });
    const got = adapterWeightGrads(adapter, x, v);
    const ref = await autodiffWeightGrads(b, x, v);
    a.trainableWeights.forEach((w, j) => {
      const r = ref.get(b.trainableWeights[j].name)!;
      expect(Math.max(...Array.from(r, Math.abs))).toBeGreaterThan(1e-3);
      expect(relErr(got.get(w.name)!, r), w.name).toBeLessThan(1e-4);
    });
    tf.dispose([x, v]);
  });
});
