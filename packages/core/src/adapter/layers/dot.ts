import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { UnsupportedLayerError } from '../../errors.js';
import type { LayerLike } from '../../model-like.js';
import type { ChannelFacts, LayerAdapterContext, MergeLayer } from '../types.js';
import { unfoldK } from './util.js';
import { perExampleAxis } from './util-merge.js';

/** How one Dot input becomes a batched matrix: `[N, P, c]` for the left input, `[N, c, P]` for the right. */
interface Side {
  shape: number[];
  /** Per-example contraction axis. */
  axis: number;
  /** The other per-example axis' size (1 when the input is a vector). */
  free: number;
}

/** x `[M, ...shape]` as `[M, P, c]` (left) or `[M, c, P]` (right); transposes explicitly (wasm's matMul flags are slow). */
function toMatrix(x: Tensor, side: Side, left: boolean): Tensor {
  const m = x.shape[0];
  const c = side.shape[side.axis];
  if (side.shape.length === 1) return tf.reshape(x, left ? [m, 1, c] : [m, c, 1]);
  // Rank-2 per example: contraction axis 1 is already [M, P, c]; axis 0 is [M, c, P].
  const asLeft = side.axis === 1;
  return asLeft === left ? x : tf.transpose(x, [0, 2, 1]);
}

/** The inverse of {@link toMatrix}: a `[M, P, c]` / `[M, c, P]` cotangent back to `[M, ...shape]`. */
function fromMatrix(g: Tensor, side: Side, left: boolean): Tensor {
  const m = g.shape[0];
  if (side.shape.length === 1) return tf.reshape(g, [m, ...side.shape]);
  const asLeft = side.axis === 1;
  return asLeft === left ? g : tf.transpose(g, [0, 2, 1]);
}

/**
 * Row-wise L2 normalisation as tfjs's `l2Normalize` computes it: u = x / sqrt(max(Σ x², ε)) along
 * `axis` (of x `[N, ...]`), ε the backend epsilon (tfjs-layers' default `epsilon()`).
 */
function l2Normalize(x: Tensor, axis: number, eps: number): { u: Tensor; r: Tensor; active: Tensor } {
  const s = tf.sum(tf.square(x), axis, true);
  // tfjs's maximum sends the gradient to its first argument on ties (s ≥ ε).
  const active = tf.cast(tf.greaterEqual(s, eps), 'float32');
  const r = tf.sqrt(tf.maximum(s, eps));
  return { u: tf.div(x, r), r, active };
}

/** VJP of {@link l2Normalize} for du `[K, N, ...]`: (du − u·Σ(du ⊙ u)·[s ≥ ε]) / r. */
function l2NormalizeVjp(du: Tensor, n: { u: Tensor; r: Tensor; active: Tensor }, axis: number): Tensor {
  const proj = tf.mul(tf.sum(tf.mul(du, n.u), axis + 1, true), n.active);
  return tf.div(tf.sub(du, tf.mul(n.u, proj)), n.r);
}

/**
 * Structured removal facts of a Dot: whether each input's last axis is contracted, and whose last
 * axis becomes the output's last axis (x₂'s remaining axis if it has one, else x₁'s).
 */
function dotChannels(a: Side, b: Side): ChannelFacts {
  const lastContracted = (s: Side) => s.axis === s.shape.length - 1;
  const outputFrom = b.shape.length > 1 ? (lastContracted(b) ? null : 1) : a.shape.length > 1 && !lastContracted(a) ? 0 : null;
  return { flow: 'contract', contract: { lastAxisContracted: [lastContracted(a), lastContracted(b)], outputFrom } };
}

/**
 * `tf.layers.dot`: the batched product of two inputs of rank ≤ 3 (batch included) over one axis
 * each. Config `axes` counts the batch axis (0 = batch, refused; negative axes resolve against each
 * input's full rank), so for `[N, T, d]` inputs `axes: -1` gives q·kᵀ `[N, T, T]` and `axes: [2, 1]`
 * gives attn·v. The output is x₁'s remaining axes then x₂'s (`[1]` when both are vectors).
 * `normalize: true` L2-normalises both inputs along their axes first, as tfjs does. Bilinear
 * without normalisation.
 */
export function dotLayer(layer: LayerLike, _inputShape: number[], context: LayerAdapterContext): MergeLayer {
  const className = layer.getClassName();
  const cfg = layer.getConfig();
  const shapes = context.inputShapes.map((s) => s.slice());
  if (shapes.length !== 2)
    throw new UnsupportedLayerError(layer.name, className, `Dot applied to ${shapes.length} input(s) (needs exactly 2)`);
  shapes.forEach((s) => {
    if (s.length < 1 || s.length > 2) {
      throw new UnsupportedLayerError(
        layer.name,
        className,
        `input of rank ${s.length + 1} (shape [N, ${s.join(', ')}]); Dot takes ranks 2 and 3`,
      );
    }
  });
  const rawAxes = cfg.axes;
  if (rawAxes === undefined || rawAxes === null) throw new UnsupportedLayerError(layer.name, className, 'axes missing');
  const pairAxes = Array.isArray(rawAxes) ? rawAxes : [rawAxes, rawAxes];
  if (pairAxes.length !== 2)
    throw new UnsupportedLayerError(layer.name, className, `axes ${JSON.stringify(rawAxes)} (expected one axis or two)`);
  const sides: Side[] = shapes.map((shape, i) => {
    const axis = perExampleAxis(layer, 'axes', pairAxes[i], shape.length + 1);
    return { shape, axis, free: shape.length === 1 ? 1 : shape[1 - axis] };
  });
  const [a, b] = sides;
  if (a.shape[a.axis] !== b.shape[b.axis]) {
    throw new UnsupportedLayerError(
      layer.name,
      className,
      `axes ${JSON.stringify(rawAxes)} contract sizes ${a.shape[a.axis]} and ${b.shape[b.axis]}`,
    );
  }
  const normalize = cfg.normalize === true;
  const eps = normalize ? tf.backend().epsilon() : 0;
  const rest = (s: Side) => s.shape.filter((_, i) => i !== s.axis);
  const outCore = [...rest(a), ...rest(b)];
  const outputShape = outCore.length === 0 ? [1] : outCore;
  const product = (x1: Tensor, x2: Tensor) => {
    const y = tf.matMul(toMatrix(x1, a, true), toMatrix(x2, b, false));
    return tf.reshape(y, [x1.shape[0], ...outputShape]);
  };
  return {
    kind: 'merge',
    name: layer.name,
    className,
    inputShapes: shapes,
    outputShape,
    ...(normalize ? {} : { linearity: 'bilinear' as const, channels: dotChannels(a, b) }),
    forward: ([x1, x2]) =>
      tf.tidy(() => (normalize ? product(l2Normalize(x1, a.axis + 1, eps).u, l2Normalize(x2, b.axis + 1, eps).u) : product(x1, x2))),
    vjp: (dy, [x1, x2]) =>
      tf.tidy(() => {
        const k = dy.shape[0];
        const n1 = normalize ? l2Normalize(x1, a.axis + 1, eps) : null;
        const n2 = normalize ? l2Normalize(x2, b.axis + 1, eps) : null;
        const u1 = n1 ? n1.u : x1;
        const u2 = n2 ? n2.u : x2;
        const n = dy.shape[1] as number;
        const [p1, p2, c] = [a.free, b.free, a.shape[a.axis]];
        const g = tf.reshape(dy, [k, n, p1, p2]);
        // dA = dY Bᵀ, dB = Aᵀ dY (A [N, P1, c], B [N, c, P2]) with the K cotangents folded into the
        // rows of dY (dA) or its columns (dB): one batched matMul of N products per side, no K-fold
        // copy of A or B (the wasm batched matMul is slow per product); transposes materialised.
        const bT = tf.transpose(toMatrix(u2, b, false), [0, 2, 1]) as tf.Tensor3D; // [N, P2, c]
        const aT = tf.transpose(toMatrix(u1, a, true), [0, 2, 1]) as tf.Tensor3D; // [N, c, P1]
        const rows = k === 1 ? g : tf.transpose(g, [1, 0, 2, 3]); // [N, K, P1, P2]
        const dA = tf.reshape(tf.matMul(tf.reshape<tf.Rank.R3>(rows, [n, k * p1, p2]), bT), [n, k, p1, c]);
        const cols = k === 1 ? g : tf.transpose(g, [1, 2, 0, 3]); // [N, P1, K, P2]
        const dB = tf.reshape(tf.matMul(aT, tf.reshape<tf.Rank.R3>(cols, [n, p1, k * p2])), [n, c, k, p2]);
        const dAk = k === 1 ? dA : tf.transpose(dA, [1, 0, 2, 3]); // [K, N, P1, c]
        const dBk = k === 1 ? dB : tf.transpose(dB, [2, 0, 1, 3]); // [K, N, c, P2]
        let d1 = unfoldK(fromMatrix(tf.reshape(dAk, [k * n, p1, c]), a, true), k);
        let d2 = unfoldK(fromMatrix(tf.reshape(dBk, [k * n, c, p2]), b, false), k);
        if (n1) d1 = l2NormalizeVjp(d1, n1, a.axis + 1);
        if (n2) d2 = l2NormalizeVjp(d2, n2, b.axis + 1);
        return [d1, d2];
      }),
  };
}
