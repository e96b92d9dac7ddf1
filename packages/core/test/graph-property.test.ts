/**
 * Property test over seeded random functional graph nets built from Dense layers and the
 * parameter-free graph layers (merges, Dot, Permute, RepeatVector, Reshape/Flatten, paddings,
 * global poolings, softmaxes, advanced activations): for every net, forward = model.predict,
 * per-example weight gradients for K random output vectors = tfjs autodiff on cpu, declared
 * linearity facts hold, backward on two half batches = on the full batch, no tensor leaked.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { rng } from '../../../test/helpers/index.js';
import { checkGraphModel } from './graph-reference.js';

const L = tf.layers;
type Sym = tf.SymbolicTensor;

/** One symbolic tensor of the net under construction. */
interface Node {
  sym: Sym;
  /** Per-example shape. */
  shape: number[];
  /** Read by a later layer (else it is a leaf that must be routed to the output). */
  used: boolean;
  /**
   * May hold exact copies (downstream of a RepeatVector without a Dense in between): no global max
   * pooling then, as tfjs's gradient of tf.max over-counts ties (graph-ops tests the adapter's rule).
   */
  tied?: boolean;
}

const ACTS = ['tanh', 'linear', 'sigmoid', 'relu', 'softplus'] as const;

/** A random net for `seed`; returns the model, its input shape and the layer classes it uses. */
function randomNet(seed: number): { model: tf.LayersModel; inShape: number[]; classes: Set<string> } {
  const u = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(u() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(u() * xs.length)];
  const classes = new Set<string>();
  const nodes: Node[] = [];
  const apply = (layer: tf.layers.Layer, ins: Node[]): Node => {
    classes.add(layer.getClassName());
    if (layer.getClassName() === 'Dense' && ins[0].shape.length > 1) classes.add('Dense on tokens');
    ins.forEach((n) => (n.used = true));
    const sym = layer.apply(ins.length === 1 ? ins[0].sym : ins.map((n) => n.sym)) as Sym;
    const cls = layer.getClassName();
    // A Dense on a vector mixes the copies; on tokens it maps equal tokens to equal tokens.
    const mixes = cls === 'Dense' && ins[0].shape.length === 1;
    const tied = cls === 'RepeatVector' || (!mixes && ins.some((n) => n.tied));
    const node = { sym, shape: sym.shape.slice(1) as number[], used: false, tied };
    nodes.push(node);
    return node;
  };
  const vectors = () => nodes.filter((n) => n.shape.length === 1);
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  /** A fresh branch of the given shape: Dense from a random vector node (or a flattened node), reshaped. */
  const branch = (shape: number[]): Node => {
    const any = pick(nodes);
    const source = vectors().length > 0 && u() < 0.8 ? pick(vectors()) : any.shape.length === 1 ? any : apply(L.flatten(), [any]);
    const d = apply(L.dense({ units: size(shape), activation: pick(ACTS) }), [source]);
    return shape.length === 1 ? d : apply(L.reshape({ targetShape: shape }), [d]);
  };
  const same = (n: Node) => nodes.find((m) => m !== n && m.shape.join() === n.shape.join()) ?? branch(n.shape);

  // Vector inputs, or token inputs [T, d] (the first Dense then acts token-wise).
  const inShape = u() < 0.6 ? [int(3, 5)] : [int(2, 4), int(2, 4)];
  const input = tf.input({ shape: inShape });
  const inNode: Node = { sym: input, shape: inShape, used: false };
  apply(L.dense({ units: int(3, 6), activation: pick(ACTS) }), [inNode]);
  const steps = int(3, 7);
  for (let s = 0; s < steps; s++) {
    const unused = nodes.filter((n) => !n.used);
    const t = u() < 0.75 && unused.length > 0 ? pick(unused) : pick(nodes);
    const [a, b, c] = t.shape;
    const r = u();
    if (t.shape.length > 1 && u() < 0.2) {
      apply(L.dense({ units: int(2, 4), activation: pick(ACTS) }), [t]); // token-wise (last axis)
      continue;
    }
    if (t.shape.length === 1) {
      if (r < 0.15) apply(L.dense({ units: int(2, 6), activation: pick(ACTS) }), [t]);
      else if (r < 0.3) apply(pick([L.add, L.multiply, L.average, L.maximum, L.minimum])({}), [t, same(t)]);
      else if (r < 0.4) apply(L.concatenate(), [t, branch([int(1, 4)])]);
      else if (r < 0.5) apply(L.dot({ axes: 1 }), [t, same(t)]);
      else if (r < 0.6) apply(L.repeatVector({ n: int(2, 3) }), [t]);
      else if (r < 0.7)
        apply(
          pick([() => L.leakyReLU({ alpha: 0.1 }), () => L.elu(), () => L.softmax(), () => L.activation({ activation: 'softmax' })])(),
          [t],
        );
      else if (r < 0.8)
        apply(L.multiply(), [branch([int(2, 3), a]), t]); // broadcast [T, d] ⊙ [d]
      else if (r < 0.9)
        branch([int(2, 3), int(2, 4)]); // a token tensor from this or another vector
      else branch([int(2, 3), int(2, 3), int(1, 2)]); // an image
    } else if (t.shape.length === 2) {
      if (r < 0.12) apply(L.permute({ dims: [2, 1] }), [t]);
      else if (r < 0.22) apply(L.flatten(), [t]);
      else if (r < 0.32) apply((t.tied ? L.globalAveragePooling1d : pick([L.globalAveragePooling1d, L.globalMaxPooling1d]))({}), [t]);
      else if (r < 0.42)
        apply(pick([() => L.softmax({ axis: -1 }), () => L.softmax({ axis: [1, 2] }), () => L.activation({ activation: 'softmax' })])(), [
          t,
        ]);
      else if (r < 0.54)
        apply(L.dot({ axes: -1 }), [t, branch([int(2, 3), b])]); // scores [a, m]
      else if (r < 0.64)
        apply(L.dot({ axes: [2, 1] }), [t, branch([b, int(2, 3)])]); // mixing [a, e]
      else if (r < 0.72) {
        const axis = pick([1, 2]);
        apply(L.concatenate({ axis }), [t, branch(axis === 1 ? [int(1, 3), b] : [a, int(1, 3)])]);
      } else if (r < 0.8) {
        // tfjs's Maximum gradient does not reduce over broadcast axes (graph-merge tests that case).
        if (u() < 0.5) apply(pick([L.add, L.multiply, L.maximum, L.minimum])({}), [t, same(t)]);
        else apply(pick([L.add, L.multiply, L.average])({}), [t, branch([a, 1])]);
      } else if (r < 0.9) apply(L.reshape({ targetShape: [a, b, 1] }), [t]);
      else apply(L.leakyReLU({ alpha: 0.3 }), [t]);
    } else {
      if (r < 0.3)
        apply(
          L.zeroPadding2d({
            padding: [
              [int(0, 1), int(0, 1)],
              [int(0, 1), int(0, 1)],
            ],
          }),
          [t],
        );
      else if (r < 0.5) apply((t.tied ? L.globalAveragePooling2d : pick([L.globalMaxPooling2d, L.globalAveragePooling2d]))({}), [t]);
      else if (r < 0.65) apply(L.permute({ dims: [2, 1, 3] }), [t]);
      else if (r < 0.8) apply(L.reshape({ targetShape: [a, b * c] }), [t]);
      else apply(L.flatten(), [t]);
    }
  }
  // Every leaf reaches the output: flattened, concatenated, then a Dense head.
  const leaves = nodes.filter((n) => !n.used).map((n) => (n.shape.length === 1 ? n : apply(L.flatten(), [n])));
  const joined = leaves.length === 1 ? leaves[0] : apply(L.concatenate(), leaves);
  const out = apply(L.dense({ units: int(2, 3) }), [joined]);
  return { model: tf.model({ inputs: input, outputs: out.sym }), inShape, classes };
}

const NETS = 60;
const SEEDS = Array.from({ length: NETS }, (_, i) => 7001 + 37 * i);

describe(`random graph nets (${NETS} seeds): forward, backward vs tfjs autodiff (cpu), linearity facts, batch split, memory`, () => {
  const seen = new Set<string>();
  it.each(SEEDS)('seed %i', async (seed) => {
    const { model, inShape, classes } = randomNet(seed);
    classes.forEach((c) => seen.add(c));
    // A softmax over one element, or a ReLU that is dead on the batch, can zero a layer's gradient.
    const adapter = await checkGraphModel(model, inShape, seed, { n: 4, k: 2, allowZero: true });
    expect(adapter.layers.length).toBeGreaterThan(3);
    model.dispose();
  });

  it('the nets cover every parameter-free graph layer', () => {
    const expected = [
      'Add',
      'Multiply',
      'Average',
      'Maximum',
      'Minimum',
      'Concatenate',
      'Dot',
      'Permute',
      'RepeatVector',
      'Reshape',
      'Flatten',
      'ZeroPadding2D',
      'GlobalAveragePooling1D',
      'GlobalMaxPooling1D',
      'GlobalMaxPooling2D',
      'Softmax',
      'Activation',
      'LeakyReLU',
      'ELU',
      'Dense on tokens',
    ];
    expect(expected.filter((c) => !seen.has(c))).toEqual([]);
  });
});
