/**
 * The input VJP of a (2-D, channels-last) convolution as a forward `conv2d`, the op wasm runs
 * fastest (XNNPACK): tfjs 4.22's wasm `Conv2DBackpropInput` (`tf.conv2dTranspose`) is a plain loop,
 * ~10× slower on the bench's ResNet layers at stride 1 and ~4.6× for its 3×3 stride-2 layers.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor4D } from '@tensorflow/tfjs-core';
import { windowOutputSize } from './util.js';

/** Zero padding (before, after) of one axis of a convolution (TensorFlow's `valid` / `same` rules). */
function axisPadding(size: number, window: number, stride: number, padding: 'valid' | 'same'): number {
  if (padding === 'valid') return 0;
  const total = Math.max((windowOutputSize(size, window, stride, padding) - 1) * stride + window - size, 0);
  return Math.floor(total / 2);
}

/**
 * dx = J_xᵀ g of z = conv2d(x, W, strides, padding) for cotangents g `[M, Ho, Wo, out]`, W
 * `[kh, kw, in, out]`, x `[M, h, w, in]`. Stride 1: on the padded input grid dx_p[a] = Σ_i g[a − i]·W[i],
 * a valid correlation of g padded by (k − 1 − top) before and (h + top − Ho) after with the
 * flipped, in/out-swapped kernel, which lands exactly on the unpadded rows. Strided: see
 * {@link stridedInputVjp}.
 */
export function convInputVjp(
  g: Tensor4D,
  kernel: Tensor4D,
  inputSize: [number, number],
  strides: [number, number],
  padding: 'valid' | 'same',
): Tensor4D {
  return tf.tidy(() => {
    const [kh, kw] = kernel.shape;
    const [h, w] = inputSize;
    if (strides[0] * strides[1] > 1) return stridedInputVjp(g, kernel, inputSize, strides, padding);
    const top = axisPadding(h, kh, 1, padding);
    const left = axisPadding(w, kw, 1, padding);
    const [, ho, wo] = g.shape;
    // Both are ≥ 0 for valid/same geometry (top ≤ k − 1, and the last window starts before h + top).
    const dp = tf.pad(g, [
      [0, 0],
      [kh - 1 - top, h + top - ho],
      [kw - 1 - left, w + left - wo],
      [0, 0],
    ]);
    const flipped = tf.transpose<Tensor4D>(tf.reverse(kernel, [0, 1]), [0, 1, 3, 2]);
    return tf.conv2d(dp, flipped, 1, 'valid');
  });
}

/**
 * The strided case by phases (no multiplications by inserted zeros): padded-grid row p = q·s + r
 * receives dx_p = Σ_m g[q − m]·W[m·s + r], a stride-1 full correlation of g with the sub-kernel
 * W[r::s] (flipped); one conv2d per phase (rh, rw) (zeros for phases the kernel does not reach),
 * interleaved back to `[M, Q·sh, Q'·sw, in]` and cropped to the unpadded rows/columns.
 */
function stridedInputVjp(
  g: Tensor4D,
  kernel: Tensor4D,
  inputSize: [number, number],
  strides: [number, number],
  padding: 'valid' | 'same',
): Tensor4D {
  const [kh, kw, cin] = kernel.shape;
  const [m, ho, wo] = g.shape;
  const [h, w] = inputSize;
  const [sh, sw] = strides;
  const top = axisPadding(h, kh, sh, padding);
  const left = axisPadding(w, kw, sw, padding);
  const qh = Math.ceil((top + h) / sh);
  const qw = Math.ceil((left + w) / sw);
  // Per axis and phase r: sub-kernel taps r, r + s, …; g padded by (taps − 1) before, cut/padded to Q rows of output.
  const taps = (k: number, s: number, r: number) => Math.max(0, Math.ceil((k - r) / s));
  const rows: Tensor[] = [];
  for (let rh = 0; rh < sh; rh++) {
    const cols: Tensor[] = [];
    for (let rw = 0; rw < sw; rw++) {
      const mh = taps(kh, sh, rh);
      const mw = taps(kw, sw, rw);
      if (mh === 0 || mw === 0) {
        cols.push(tf.zeros([m, qh, qw, cin]));
        continue;
      }
      const sub = tf.stridedSlice(kernel, [rh, rw, 0, 0], [kh, kw, cin, kernel.shape[3]], [sh, sw, 1, 1]) as Tensor4D;
      const flipped = tf.transpose<Tensor4D>(tf.reverse(sub, [0, 1]), [0, 1, 3, 2]);
      let gp: Tensor4D = tf.pad(g, [
        [0, 0],
        [mh - 1, Math.max(0, qh - ho)],
        [mw - 1, Math.max(0, qw - wo)],
        [0, 0],
      ]);
      if (qh < ho || qw < wo) gp = tf.slice(gp, [0, 0, 0, 0], [m, qh + mh - 1, qw + mw - 1, gp.shape[3]]);
      cols.push(tf.conv2d(gp, flipped, 1, 'valid')); // [M, Qh, Qw, in]
    }
    rows.push(tf.stack(cols, 3)); // [M, Qh, Qw, sw, in]
  }
  const grid = tf.reshape(tf.stack(rows, 2), [m, qh * sh, qw * sw, cin]); // [M, Qh, sh, Qw, sw, in] interleaved
  return tf.slice(grid, [0, top, left, 0], [m, h, w, cin]) as Tensor4D;
}
