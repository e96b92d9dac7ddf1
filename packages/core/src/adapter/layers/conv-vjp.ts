/**
 * The input VJP of a (2-D, channels-last) convolution as a forward `conv2d`, the op wasm runs
 * fastest (XNNPACK): tfjs 4.22's wasm `Conv2DBackpropInput` (`tf.conv2dTranspose`) is a plain loop,
 * ~10× slower on the bench's ResNet layers at stride 1 and ~1.6× at stride 2.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor4D } from '@tensorflow/tfjs-core';
import { dilateAxis1, dilateAxis2 } from './depthwise-ops.js';
import { windowOutputSize } from './util.js';

/** Zero padding (before, after) of one axis of a convolution (TensorFlow's `valid` / `same` rules). */
function axisPadding(size: number, window: number, stride: number, padding: 'valid' | 'same'): number {
  if (padding === 'valid') return 0;
  const total = Math.max((windowOutputSize(size, window, stride, padding) - 1) * stride + window - size, 0);
  return Math.floor(total / 2);
}

/**
 * dx = J_xᵀ g of z = conv2d(x, W, strides, padding) for cotangents g `[M, Ho, Wo, out]`, W
 * `[kh, kw, in, out]`, x `[M, h, w, in]`: on the padded input grid dx_p[a] = Σ_i D[a − i]·W[i]
 * with D the cotangent spread to stride 1 (zeros inserted), i.e. a valid correlation of D padded by
 * (k − 1 − top) before and (h + top − len(D)) after with the flipped, in/out-swapped kernel, which
 * lands exactly on the unpadded rows. 1×1 kernels with a stride keep `conv2dTranspose` (faster
 * there than a convolution over the mostly-zero spread cotangent).
 */
export function convInputVjp(
  g: Tensor4D,
  kernel: Tensor4D,
  inputSize: [number, number],
  strides: [number, number],
  padding: 'valid' | 'same',
): Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, cin] = kernel.shape;
    const [h, w] = inputSize;
    const m = g.shape[0];
    if (kh * kw === 1 && strides[0] * strides[1] > 1) return tf.conv2dTranspose(g, kernel, [m, h, w, cin], strides, padding);
    const d = dilateAxis2(dilateAxis1(g, strides[0]), strides[1]);
    const [, lh, lw] = d.shape as number[];
    const top = axisPadding(h, kh, strides[0], padding);
    const left = axisPadding(w, kw, strides[1], padding);
    const before = [kh - 1 - top, kw - 1 - left];
    const after = [h + top - lh, w + left - lw];
    // Both are ≥ 0 for valid/same geometry (top ≤ k − 1, and the last window starts before h + top).
    const dp = tf.pad(d, [
      [0, 0],
      [before[0], after[0]],
      [before[1], after[1]],
      [0, 0],
    ]) as Tensor4D;
    const flipped = tf.transpose<Tensor4D>(tf.reverse(kernel, [0, 1]), [0, 1, 3, 2]);
    return tf.conv2d(dp, flipped, 1, 'valid');
  });
}
