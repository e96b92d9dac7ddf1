/**
 * Token models (per-example `[T, d]` tensors with token-wise Dense layers) built from the graph
 * layers: a single-head attention block with residuals, a MLP-Mixer-style token-mixing block
 * (Permute), gated tokens and pooled heads. Same checks as graph-merge/graph-ops (see
 * graph-reference.ts): forward = model.predict, per-example weight gradients = tfjs autodiff on
 * cpu, linearity facts, batch split, no leaked tensors.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildModelAdapter } from '@spam/core';
import { randomTensor, relErr, seedWeights } from '../../../test/helpers/index.js';
import { adapterWeightGrads, autodiffWeightGrads, checkGraphModel } from './graph-reference.js';

const L = tf.layers;
type Sym = tf.SymbolicTensor;
const ap = (layer: tf.layers.Layer, x: Sym | Sym[]) => layer.apply(x) as Sym;
const dense = (units: number, activation?: string, useBias = true) =>
  L.dense({ units, activation: activation as 'tanh' | undefined, useBias });

interface Case {
  name: string;
  inShape: number[];
  make: (inp: Sym) => Sym;
}

const CASES: Case[] = [
  {
    name: 'attention block: token Dense -> q, k, v -> Dot -> Softmax -> Dot -> residual Add -> MLP -> residual -> mean pool',
    inShape: [4, 3],
    make: (inp) => {
      const h = ap(dense(6), inp); // [4, 6] token embedding
      const q = ap(dense(6, undefined, false), h);
      const k = ap(dense(6, undefined, false), h);
      const v = ap(dense(6, undefined, false), h);
      const attn = ap(L.softmax({ axis: -1 }), ap(L.dot({ axes: -1 }), [q, k])); // [4, 4]
      const o = ap(dense(6), ap(L.dot({ axes: [2, 1] }), [attn, v]));
      const h1 = ap(L.add(), [h, o]);
      const ff = ap(dense(6), ap(dense(8, 'gelu'), h1));
      const h2 = ap(L.add(), [h1, ff]);
      return ap(dense(3), ap(L.globalAveragePooling1d(), h2));
    },
  },
  {
    name: 'pre-norm attention block with LayerNormalization and a two-head Concatenate',
    inShape: [3, 4],
    make: (inp) => {
      const h = ap(dense(4), inp);
      const n = ap(L.layerNormalization(), h);
      const heads = [0, 1].map(() => {
        const q = ap(dense(2), n);
        const k = ap(dense(2, undefined, false), n); // a key bias shifts all scores of a query alike: zero gradient
        const v = ap(dense(2), n);
        return ap(L.dot({ axes: [2, 1] }), [ap(L.activation({ activation: 'softmax' }), ap(L.dot({ axes: 2 }), [q, k])), v]);
      });
      const o = ap(dense(4), ap(L.concatenate(), heads)); // heads joined on the feature axis
      return ap(dense(2), ap(L.flatten(), ap(L.add(), [h, o])));
    },
  },
  {
    name: 'MLP-Mixer-style block: token mixing through Permute, channel mixing, residuals, GlobalMaxPooling1D',
    inShape: [5, 3],
    make: (inp) => {
      const h = ap(dense(4, 'tanh'), inp); // [5, 4]
      const t = ap(L.permute({ dims: [2, 1] }), h); // [4, 5]
      const mixed = ap(L.permute({ dims: [2, 1] }), ap(dense(5), ap(dense(6, 'gelu'), t))); // back to [5, 4]
      const h1 = ap(L.add(), [h, mixed]);
      const h2 = ap(L.add(), [h1, ap(dense(4), ap(dense(6, 'relu'), h1))]);
      return ap(dense(3), ap(L.globalMaxPooling1d(), h2));
    },
  },
  {
    name: 'gated tokens: Multiply(token Dense sigmoid, token Dense), Concatenate on features, Reshape, LeakyReLU',
    inShape: [3, 4],
    make: (inp) => {
      const g = ap(L.multiply(), [ap(dense(5, 'sigmoid'), inp), ap(dense(5), inp)]);
      const c = ap(L.concatenate({ axis: -1 }), [g, ap(dense(2, 'tanh'), inp)]); // [3, 7]
      const r = ap(L.leakyReLU({ alpha: 0.2 }), ap(L.reshape({ targetShape: [7, 3] }), c));
      return ap(dense(2), ap(L.flatten(), ap(dense(2), r)));
    },
  },
  {
    name: 'image tokens: ZeroPadding2D -> Dense on the channel axis -> GlobalMaxPooling2D; RepeatVector -> token Dense -> GlobalAveragePooling1D',
    inShape: [3, 3, 2],
    make: (inp) => {
      const img = ap(dense(3, 'tanh'), ap(L.zeroPadding2d({ padding: 1 }), inp)); // [5, 5, 3]
      const pooled = ap(L.globalMaxPooling2d({}), img);
      const rep = ap(L.globalAveragePooling1d(), ap(dense(3, 'elu'), ap(L.repeatVector({ n: 2 }), pooled)));
      return ap(dense(2), ap(L.concatenate(), [pooled, rep]));
    },
  },
];

describe('token models built from graph layers: forward, per-example backward vs tfjs autodiff (cpu), batch split, memory', () => {
  CASES.forEach((c, ci) => {
    it(c.name, async () => {
      const inp = tf.input({ shape: c.inShape });
      const model = tf.model({ inputs: inp, outputs: c.make(inp) });
      const adapter = await checkGraphModel(model, c.inShape, 6100 + 29 * ci, { n: 3, k: 2 });
      expect(adapter.paramLayers.some((l) => l.className === 'Dense' && l.inputShape.length > 1)).toBe(true);
    });
  });

  it('RepeatVector -> token Dense -> GlobalMaxPooling1D has the gradients of the Dense on the vector (ties to the first copy)', async () => {
    const build = (tokens: boolean) => {
      const inp = tf.input({ shape: [4] });
      const h = ap(dense(3, 'tanh'), inp);
      const body = tokens
        ? ap(L.globalMaxPooling1d(), ap(dense(5, 'softplus'), ap(L.repeatVector({ n: 3 }), h)))
        : ap(dense(5, 'softplus'), h);
      return tf.model({ inputs: inp, outputs: ap(dense(2), body) });
    };
    const a = build(true);
    const b = build(false);
    seedWeights(a, 6301, 0.8);
    b.setWeights(a.getWeights());
    const x = randomTensor([3, 4], 6302);
    const v = randomTensor([2, 3, 2], 6303);
    const got = adapterWeightGrads(buildModelAdapter(a), x, v);
    const ref = await autodiffWeightGrads(b, x, v);
    a.trainableWeights.forEach((w, j) => {
      const r = ref.get(b.trainableWeights[j].name)!;
      expect(Math.max(...Array.from(r, Math.abs))).toBeGreaterThan(1e-3);
      expect(relErr(got.get(w.name)!, r), w.name).toBeLessThan(1e-5);
    });
    tf.dispose([x, v]);
  });
});
