/**
 * Seeded random graph architectures for the structured-removal property test through dependency
 * groups: a Conv2D stem, then 1–3 random blocks — residual blocks (Conv → BN → act → Conv → BN,
 * identity or 1×1 Conv(+BN) shortcut, Add), depthwise-separable blocks (DepthwiseConv2D → BN →
 * act → 1×1 Conv, or a SeparableConv2D), Concatenate branches (1×1 and 3×3 Conv, optional BN) —
 * then either pooling + Dense or an attention block on the pixels as tokens (per-head q/k/v Dense,
 * q·kᵀ Dot, Softmax, Dot with v, Concatenate of heads, Dense out, residual Add) before pooling.
 * Small nets (≤ 6×6 images, ≤ 6 channels) so that 100+ of them run in seconds.
 */
import * as tf from '@tensorflow/tfjs';
import { randomTensor, rng } from '../../../test/helpers/index.js';

const L = tf.layers;
type Sym = tf.SymbolicTensor;

/** Activations used inside blocks (f(0) = 0 and f(0) ≠ 0 alike). */
const ACTS = ['relu', 'linear', 'tanh', 'sigmoid', 'elu', 'swish'] as const;

/** A random graph model with a one-line description of its blocks. */
export interface RandomGraphNet {
  model: tf.LayersModel;
  inputShape: number[];
  description: string;
}

/** A seeded random graph model (see the module comment); `only` restricts the block kinds (for debugging). */
export function randomGraphNet(seed: number, only?: readonly string[]): RandomGraphNet {
  const u = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(u() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(u() * xs.length)];
  let k = 0;
  const id = (p: string) => `${p}_${k++}`;
  const parts: string[] = [];
  const apply = (l: tf.layers.Layer, x: Sym | Sym[]) => l.apply(x) as Sym;
  const conv = (x: Sym, filters: number, kernelSize: number, act: string = pick(ACTS), useBias = u() < 0.5) =>
    apply(L.conv2d({ filters, kernelSize, padding: 'same', activation: act as never, useBias, name: id('conv') }), x);
  const bn = (x: Sym) => apply(L.batchNormalization({ name: id('bn') }), x);
  const act = (x: Sym) => apply(L.activation({ activation: pick(ACTS), name: id('act') }), x);

  const side = int(4, 6);
  const inputShape = [side, side, int(1, 3)];
  const input = tf.input({ shape: inputShape, name: `image_${seed}` });
  let c = int(2, 5);
  let x = conv(input, c, 3);
  parts.push(`stem ${c}`);
  const kinds = (only ?? ['residual', 'dwsep', 'separable', 'concat']).slice();
  const blocks = int(1, 3);
  for (let b = 0; b < blocks; b++) {
    const kind = pick(kinds);
    if (kind === 'residual') {
      const w = u() < 0.5 ? c : int(2, 6);
      let y = conv(x, int(2, 6), 3);
      if (u() < 0.7) y = act(bn(y));
      y = conv(y, w, pick([1, 3]), 'linear');
      if (u() < 0.7) y = bn(y);
      const project = w !== c || u() < 0.3;
      let s = x;
      if (project) {
        s = conv(x, w, 1, 'linear');
        if (u() < 0.5) s = bn(s);
      }
      x = act(apply(L.add({ name: id('add') }), [y, s]));
      parts.push(`residual ${w}${project ? ' 1×1' : ''}`);
      c = w;
    } else if (kind === 'dwsep') {
      const mult = int(1, 2);
      x = apply(L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: mult, padding: 'same', useBias: u() < 0.5, name: id('dw') }), x);
      if (u() < 0.7) x = bn(x);
      x = act(x);
      c = int(2, 6);
      x = conv(x, c, 1);
      parts.push(`dw×${mult} → 1×1 ${c}`);
    } else if (kind === 'separable') {
      c = int(2, 6);
      const mult = int(1, 2);
      x = apply(
        L.separableConv2d({
          filters: c,
          kernelSize: 3,
          depthMultiplier: mult,
          padding: 'same',
          activation: pick(ACTS),
          name: id('sep'),
        }),
        x,
      );
      if (u() < 0.5) x = bn(x);
      parts.push(`separable×${mult} ${c}`);
    } else {
      const a = int(1, 4);
      const b2 = int(1, 4);
      const branches = [conv(x, a, 1), conv(x, b2, 3)];
      if (u() < 0.4) branches.push(x);
      x = apply(L.concatenate({ axis: -1, name: id('cat') }), branches);
      c = a + b2 + (branches.length === 3 ? c : 0);
      if (u() < 0.5) x = bn(x);
      parts.push(`concat ${a}+${b2}${branches.length === 3 ? '+identity' : ''}`);
    }
  }
  const classes = int(2, 4);
  let out: Sym;
  if (!only && u() < 0.35) {
    // Attention over the pixels as tokens.
    const tokens = apply(L.reshape({ targetShape: [side * side, c], name: id('tokens') }), x);
    const heads = int(1, 3);
    const dq = int(1, 3);
    const dv = int(1, 3);
    const outs: Sym[] = [];
    for (let h = 0; h < heads; h++) {
      const q = apply(L.dense({ units: dq, useBias: false, name: id(`h${h}q`) }), tokens);
      const kk = apply(L.dense({ units: dq, useBias: false, name: id(`h${h}k`) }), tokens);
      const v = apply(L.dense({ units: dv, useBias: false, name: id(`h${h}v`) }), tokens);
      const s = apply(L.softmax({ axis: -1, name: id('softmax') }), apply(L.dot({ axes: [2, 2], name: id('scores') }), [q, kk]));
      outs.push(apply(L.dot({ axes: [2, 1], name: id('attend') }), [s, v]));
    }
    const merged = heads > 1 ? apply(L.concatenate({ axis: -1, name: id('heads') }), outs) : outs[0];
    const o = apply(L.dense({ units: c, useBias: false, name: id('attn_out') }), merged);
    const r = apply(L.add({ name: id('attn_res') }), [tokens, o]);
    const m = apply(L.dense({ units: int(2, 5), activation: pick(ACTS), name: id('mlp') }), r);
    out = apply(L.dense({ units: classes, name: id('logits') }), apply(L.globalAveragePooling1d({ name: id('pool') }), m));
    parts.push(`attention ${heads}×(q${dq}, v${dv})`);
  } else {
    const pooled = u() < 0.5 ? apply(L.globalAveragePooling2d({ name: id('gap') }), x) : apply(L.flatten({ name: id('flat') }), x);
    out = apply(L.dense({ units: classes, name: id('logits') }), pooled);
  }
  const model = tf.model({ inputs: input, outputs: out, name: `graph_${seed}` });
  randomizeWeights(model, seed);
  return { model, inputShape, description: parts.join(' → ') };
}

/** Seeded random weights (scale 0.5); BatchNormalization moving variances |·| + 0.5 so they stay positive. */
export function randomizeWeights(model: tf.LayersModel, seed: number): void {
  const ws = model.weights.map((w, i) => {
    const r = randomTensor(w.shape as number[], seed * 7919 + i, 0.5);
    if (!w.name.includes('moving_variance')) return r;
    const pos = tf.tidy(() => tf.add(tf.abs(r), 0.5));
    r.dispose();
    return pos;
  });
  model.setWeights(ws);
  tf.dispose(ws);
}
