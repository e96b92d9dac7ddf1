/**
 * Depthwise 2-D convolution maths with kernels tfjs 4.22's wasm backend has (it lacks
 * `DepthwiseConv2dNativeBackpropInput/Filter` and `Conv2DBackpropFilter`): the input VJP is a
 * depthwise convolution of the zero-inserted, padded cotangent with the flipped kernel; per-example
 * kernel gradients are a batched matMul of strided-slice patches with the cotangents.
 * Channel c·mult + m of the output uses `depthwise_kernel[:, :, c, m]` (TensorFlow's order).
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { foldK, unfoldK, windowOutputSize } from './util.js';

/** Sizes and padding of one depthwise convolution (TensorFlow's `valid` / `same` rules). */
export interface DepthwiseGeometry {
  readonly kh: number;
  readonly kw: number;
  readonly cin: number;
  readonly mult: number;
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
  readonly h: number;
  readonly w: number;
  readonly ho: number;
  readonly wo: number;
  /** Zero rows above / columns left of the input (`same`: ⌊total/2⌋). */
  readonly top: number;
  readonly left: number;
  /** Zero rows below / columns right of the input. */
  readonly bottom: number;
  readonly right: number;
}

/** The geometry of a depthwise kernel `[kh, kw, in, mult]` on a per-example input `[h, w, in]`. */
export function depthwiseGeometry(
  kernelShape: number[],
  inputShape: number[],
  strides: [number, number],
  padding: 'valid' | 'same',
): DepthwiseGeometry {
  const [kh, kw, cin, mult] = kernelShape;
  const [h, w] = inputShape;
  const ho = windowOutputSize(h, kh, strides[0], padding);
  const wo = windowOutputSize(w, kw, strides[1], padding);
  const padH = padding === 'same' ? Math.max((ho - 1) * strides[0] + kh - h, 0) : 0;
  const padW = padding === 'same' ? Math.max((wo - 1) * strides[1] + kw - w, 0) : 0;
  const top = Math.floor(padH / 2);
  const left = Math.floor(padW / 2);
  return { kh, kw, cin, mult, strides, padding, h, w, ho, wo, top, left, bottom: padH - top, right: padW - left };
}

/** Inserts s − 1 zeros between the entries of axis 1 of a rank-4 tensor `[B, L, M, C]` → `[B, (L−1)·s + 1, M, C]`. */
function dilateAxis1(t: Tensor, s: number): Tensor {
  if (s === 1) return t;
  const [b, l, m, c] = t.shape as number[];
  const spread = tf.pad(tf.reshape(t, [b, l, 1, m * c]), [
    [0, 0],
    [0, 0],
    [0, s - 1],
    [0, 0],
  ]);
  return tf.slice(tf.reshape(spread, [b, l * s, m, c]), [0, 0, 0, 0], [b, (l - 1) * s + 1, m, c]);
}

/** Inserts s − 1 zeros between the entries of axis 2 of `[B, L, M, C]`. */
function dilateAxis2(t: Tensor, s: number): Tensor {
  if (s === 1) return t;
  const [b, l, m, c] = t.shape as number[];
  const spread = tf.pad(tf.reshape(t, [b * l, m, 1, c]), [
    [0, 0],
    [0, 0],
    [0, s - 1],
    [0, 0],
  ]);
  return tf.slice(tf.reshape(spread, [b, l, m * s, c]), [0, 0, 0, 0], [b, l, (m - 1) * s + 1, c]);
}

/**
 * dx = J_xᵀ dz of z = depthwiseConv2d(x, kernel) for cotangents dz `[K, N, Ho, Wo, in·mult]` →
 * `[K, N, H, W, in]`: on the padded input grid, dx_p[a, b, c] = Σ_{i,j,m} D[a − i, b − j, c·mult + m]·k[i, j, c, m]
 * with D the cotangent spread to stride 1, i.e. a valid depthwise correlation of D (padded by
 * k − 1) with the spatially flipped kernel; then the input padding is cropped away.
 */
export function depthwiseInputVjp(dz: Tensor, kernel: Tensor, g: DepthwiseGeometry): Tensor {
  return tf.tidy(() => {
    const k = dz.shape[0];
    const { kh, kw, cin, mult, strides, h, w, top, left } = g;
    const d = dilateAxis2(dilateAxis1(foldK(dz), strides[0]), strides[1]);
    const m = d.shape[0];
    const dp = tf.pad(d, [
      [0, 0],
      [kh - 1, kh - 1],
      [kw - 1, kw - 1],
      [0, 0],
    ]) as tf.Tensor4D;
    const flipped = tf.reshape<tf.Rank.R4>(tf.reverse(kernel, [0, 1]), [kh, kw, cin * mult, 1]);
    let dxp: Tensor = tf.depthwiseConv2d(dp, flipped, 1, 'valid'); // [M, Lh, Lw, in·mult]
    const [lh, lw] = dxp.shape.slice(1, 3);
    if (mult > 1) dxp = tf.sum(tf.reshape(dxp, [m, lh, lw, cin, mult]), -1);
    // Rows/columns of the padded grid past the last window get no gradient: pad them with zeros.
    const extraH = Math.max(0, top + h - lh);
    const extraW = Math.max(0, left + w - lw);
    if (extraH > 0 || extraW > 0)
      dxp = tf.pad(dxp, [
        [0, 0],
        [0, extraH],
        [0, extraW],
        [0, 0],
      ]);
    return unfoldK(tf.slice(dxp, [0, top, left, 0], [m, h, w, cin]), k);
  });
}

/**
 * Per-example kernel gradients of z = depthwiseConv2d(x, kernel) for cotangents dz
 * `[K, N, Ho, Wo, in·mult]`: `[K, N, kh, kw, in, mult]`, entry Σ_t patch_{n,t}[i, j, c]·dz_{k,n,t}[c·mult + m].
 * Patches come from strided slices of the zero-padded input; one batched matMul over (n, c) with
 * the K cotangents side by side in its columns (no K-fold copy of the patches). Ops stay at rank ≤ 5.
 */
export function depthwiseKernelGrads(dz: Tensor, x: Tensor, g: DepthwiseGeometry): Tensor {
  return tf.tidy(() => {
    const [k, n] = dz.shape as number[];
    const { kh, kw, cin, mult, strides, ho, wo, top, left, bottom, right } = g;
    const t = ho * wo;
    const p = kh * kw;
    const xp =
      top + bottom + left + right > 0
        ? tf.pad(x, [
            [0, 0],
            [top, bottom],
            [left, right],
            [0, 0],
          ])
        : x;
    const windows: Tensor[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        windows.push(
          tf.stridedSlice(
            xp,
            [0, i, j, 0],
            [n, i + (ho - 1) * strides[0] + 1, j + (wo - 1) * strides[1] + 1, cin],
            [1, strides[0], strides[1], 1],
          ),
        );
      }
    }
    // [P, N, T, C] → [N, C, P, T] → [N·C, P, T]
    const patches = tf.reshape(tf.transpose(tf.reshape(tf.stack(windows, 0), [p, n, t, cin]), [1, 3, 0, 2]), [n * cin, p, t]);
    // [K, N, T, C, mult] → [N, C, T, K, mult] → [N·C, T, K·mult]
    const cot = tf.reshape(tf.transpose(tf.reshape(dz, [k, n, t, cin, mult]), [1, 3, 2, 0, 4]), [n * cin, t, k * mult]);
    const prodT = tf.matMul(patches, cot); // [N·C, P, K·mult]
    // [N, C, P, K, mult] → [K, N, P, C, mult] → [K, N, kh, kw, C, mult]
    const per = tf.transpose(tf.reshape(prodT, [n, cin, p, k, mult]), [3, 0, 2, 1, 4]);
    return tf.reshape(per, [k, n, kh, kw, cin, mult]);
  });
}

/** Per-example bias gradients `[K, N, in·mult]` (sums over the output positions). */
export function depthwiseBiasGrads(dz: Tensor): Tensor {
  return tf.sum(dz, [2, 3]);
}
