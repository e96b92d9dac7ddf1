import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { LayerLike } from '../../model-like.js';
import type { OpLayer } from '../types.js';
import { foldK, pair, requireChannelsLast, requireRank, unfoldK, windowOutputSize } from './util.js';

type PoolKind = 'max' | 'avg';

/**
 * `MaxPooling2D` / `AveragePooling2D` (channels-last). The average-pool VJP runs tfjs's
 * `AvgPoolGrad` kernel on the K cotangents folded into the batch; the max-pool VJP is
 * {@link maxPoolVjp} (tfjs 4.22's wasm `MaxPoolGrad` drops gradients for batch entries > 0).
 */
function pooling2d(kind: PoolKind, layer: LayerLike, inputShape: number[]): OpLayer {
  const cfg = layer.getConfig();
  requireChannelsLast(layer, cfg);
  requireRank(layer, inputShape, 3);
  const pool = pair(cfg.poolSize, 2);
  const strides = pair(cfg.strides ?? cfg.poolSize, 2);
  const padding = (cfg.padding ?? 'valid') as 'valid' | 'same';
  const [h, w, c] = inputShape;
  const outputShape = [windowOutputSize(h, pool[0], strides[0], padding), windowOutputSize(w, pool[1], strides[1], padding), c];
  const sameScale = kind === 'avg' && padding === 'same' ? sameWindowScale(h, w, pool, strides, outputShape) : null;
  // Host values only: a tensor made here would outlive every caller's tidy scope.
  const scale = sameScale && sameScale.some((v) => v !== 1) ? sameScale : null;
  const forward = (x: Tensor) =>
    kind === 'max' ? tf.maxPool(x as tf.Tensor4D, pool, strides, padding) : tf.avgPool(x as tf.Tensor4D, pool, strides, padding);
  return {
    kind: 'op',
    name: layer.name,
    className: layer.getClassName(),
    inputShape,
    outputShape,
    linearity: kind === 'max' ? 'piecewise-linear' : 'linear',
    forward,
    vjp: (dy, x) =>
      tf.tidy(() => {
        if (kind === 'max') return maxPoolVjp(dy, x, pool, strides, padding, outputShape);
        const k = dy.shape[0];
        const attrs = { filterSize: pool, strides, pad: padding };
        // tfjs's AvgPoolGrad divides by the full window ph·pw also where a 'same' window overlaps
        // the padding, while the forward averages over the valid entries only: rescale dy first.
        const g = scale ? tf.mul(foldK(dy), tf.tensor4d(scale, [1, outputShape[0], outputShape[1], 1])) : foldK(dy);
        // AvgPoolGrad reads only the shape of its input: zeros of the folded shape, not K copies of x.
        const dx = tf.engine().runKernel('AvgPoolGrad', { dy: g, input: tf.zeros([k * x.shape[0], ...x.shape.slice(1)]) }, attrs) as Tensor;
        return unfoldK(dx, k);
      }),
    // Pooling windows stay within one channel.
    mapChannels: (keep) => keep.slice(),
  };
}

/**
 * Per output position of a 'same' pooling window, (ph·pw) / (number of window entries inside the
 * input): the factor that turns tfjs's AvgPoolGrad (which divides by ph·pw) into the derivative of
 * the forward average over the valid entries. Row-major `[Ho·Wo]`.
 */
function sameWindowScale(h: number, w: number, pool: [number, number], strides: [number, number], outputShape: number[]): Float32Array {
  const [ho, wo] = outputShape;
  const valid = (size: number, out: number, k: number, s: number) => {
    const pad = Math.max((out - 1) * s + k - size, 0);
    const before = Math.floor(pad / 2);
    return Array.from({ length: out }, (_, i) => {
      const start = i * s - before;
      return Math.min(start + k, size) - Math.max(start, 0);
    });
  };
  const rows = valid(h, ho, pool[0], strides[0]);
  const cols = valid(w, wo, pool[1], strides[1]);
  const out = new Float32Array(ho * wo);
  for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) out[i * wo + j] = (pool[0] * pool[1]) / (rows[i] * cols[j]);
  return out;
}

/** `tf.layers.maxPooling2d`. */
export function maxPooling2dLayer(layer: LayerLike, inputShape: number[]): OpLayer {
  return pooling2d('max', layer, inputShape);
}

/** `tf.layers.averagePooling2d`. */
export function averagePooling2dLayer(layer: LayerLike, inputShape: number[]): OpLayer {
  return pooling2d('avg', layer, inputShape);
}

/**
 * Max-pool VJP: route each cotangent to the first maximum of its window (TensorFlow's rule).
 * The window entries are gathered by strided slices into `[N, Ho, Wo, C, P]` (P = ph·pw), the
 * first-argmax one-hot mask is built once for all K, and the masked cotangents are scattered
 * back with a transposed convolution whose one-hot filter maps channel c·P + p to (i, j, c).
 */
export function maxPoolVjp(
  dy: Tensor,
  x: Tensor,
  pool: [number, number],
  strides: [number, number],
  padding: 'valid' | 'same',
  outputShape: number[],
): Tensor {
  return tf.tidy(() => {
    const [k, n] = dy.shape as number[];
    const [h, w, c] = x.shape.slice(1);
    const [ho, wo] = outputShape;
    const [ph, pw] = pool;
    const [sh, sw] = strides;
    const padH = padding === 'same' ? Math.max((ho - 1) * sh + ph - h, 0) : 0;
    const padW = padding === 'same' ? Math.max((wo - 1) * sw + pw - w, 0) : 0;
    const top = Math.floor(padH / 2);
    const left = Math.floor(padW / 2);
    const hp = padding === 'same' ? h + padH : (ho - 1) * sh + ph;
    const wp = padding === 'same' ? w + padW : (wo - 1) * sw + pw;
    const xp =
      padding === 'same' && (padH > 0 || padW > 0)
        ? tf.pad(
            x,
            [
              [0, 0],
              [top, padH - top],
              [left, padW - left],
              [0, 0],
            ],
            -Infinity,
          )
        : x;
    const windows: Tensor[] = [];
    for (let i = 0; i < ph; i++) {
      for (let j = 0; j < pw; j++) {
        windows.push(tf.stridedSlice(xp, [0, i, j, 0], [n, i + (ho - 1) * sh + 1, j + (wo - 1) * sw + 1, c], [1, sh, sw, 1]));
      }
    }
    const p = ph * pw;
    const mask = tf.oneHot(tf.argMax(tf.stack(windows, -1), -1), p); // [N, Ho, Wo, C, P]
    // Ops stay at rank ≤ 5: rank-6 broadcasting gives wrong results on tfjs 4.22's wasm backend.
    // One broadcast multiply at rank 3 ([K, M, 1] · [1, M, P], M = N·Ho·Wo·C) instead of K copies of the mask.
    const m = n * ho * wo * c;
    const routed = tf.reshape(tf.mul(tf.reshape(dy, [k, m, 1]), tf.reshape(tf.cast(mask, 'float32'), [1, m, p])), [k * n, ho, wo, c, p]);
    const filter = tf.reshape(tf.cast(tf.oneHot(tf.range(0, ph * pw * c, 1, 'int32'), ph * pw * c), 'float32'), [ph, pw, c, p * c]);
    // filter[i, j, c, q] = 1 iff q = (i·pw + j)·C + c; reorder routed to that channel order.
    const routedQ = tf.reshape(tf.transpose(routed, [0, 1, 2, 4, 3]), [k * n, ho, wo, p * c]);
    const dxp = tf.conv2dTranspose(routedQ as tf.Tensor4D, filter as tf.Tensor4D, [k * n, hp, wp, c], strides, 'valid');
    const dx = tf.slice(dxp, [0, top, left, 0], [k * n, Math.min(h, hp - top), Math.min(w, wp - left), c]);
    const full =
      dx.shape[1] === h && dx.shape[2] === w
        ? dx
        : tf.pad(dx, [
            [0, 0],
            [0, h - dx.shape[1]],
            [0, w - dx.shape[2]],
            [0, 0],
          ]);
    return unfoldK(full, k);
  });
}
