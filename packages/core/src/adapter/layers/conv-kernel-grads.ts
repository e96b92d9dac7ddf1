/**
 * Σ over cotangents and examples of the squared per-example kernel gradients of a 2-D convolution
 * (the diagonal curvature of its kernel) without im2col patches: every example's kernel gradient
 * is a correlation of its padded input with its cotangent, so all of them come out of one
 * depthwise convolution with the examples as channels (input `[in, Hp, Wp, N]`, a cotangent as a
 * `[Ho, Wo, N, units]` depthwise filter dilated by the stride), one call per cotangent. On wasm
 * (XNNPACK) this is about 1.8× faster than im2col patches and a batched matMul for the bench's ResNet.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor4D } from '@tensorflow/tfjs-core';

/**
 * Cotangents per depthwise call: one (depthwise multiplier = units) is fastest on wasm; the
 * ResNet bench's diag fit took 2× longer with all K = 10 in one call (multiplier 10·units).
 */
const COTANGENTS_PER_CALL = 1;

/** (before, after) zero padding of one axis (TensorFlow's `valid` / `same` rules). */
function padPair(size: number, window: number, stride: number, out: number, padding: 'valid' | 'same'): [number, number] {
  if (padding === 'valid') return [0, 0];
  const total = Math.max((out - 1) * stride + window - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/**
 * h `[kh, kw, in, units]` with h[i, j, c, o] = Σ_{k,n} (Σ_{t} xp_n[t·s + (i, j), c] · gz_{k,n,t,o})² for
 * z = conv2d(x, W, strides, padding), x `[N, H, W, in]`, pre-activation cotangents gz
 * `[K, N, Ho, Wo, units]`. The K cotangents go `perCall` at a time (default {@link COTANGENTS_PER_CALL})
 * through the depthwise convolution.
 */
export function convKernelGradSquares(
  x: Tensor,
  gz: Tensor,
  kernelSize: [number, number],
  strides: [number, number],
  padding: 'valid' | 'same',
  perCall = COTANGENTS_PER_CALL,
): Tensor {
  return tf.tidy(() => {
    const [k, n, ho, wo, units] = gz.shape as number[];
    const [, h, w, cin] = x.shape as number[];
    const [kh, kw] = kernelSize;
    const ph = padPair(h, kh, strides[0], ho, padding);
    const pw = padPair(w, kw, strides[1], wo, padding);
    const xp = ph[0] + ph[1] + pw[0] + pw[1] > 0 ? tf.pad(x, [[0, 0], ph, pw, [0, 0]]) : x;
    const xt = tf.transpose<Tensor4D>(xp as Tensor4D, [3, 1, 2, 0]); // [in, Hp, Wp, N]
    const chunk = Math.max(1, Math.min(k, Math.floor(perCall)));
    let sum: Tensor | null = null;
    for (let k0 = 0; k0 < k; k0 += chunk) {
      const c = Math.min(chunk, k - k0);
      const part = k === c ? gz : tf.slice(gz, [k0, 0, 0, 0, 0], [c, n, ho, wo, units]);
      const filter = tf.reshape<tf.Rank.R4>(tf.transpose(part, [2, 3, 1, 0, 4]), [ho, wo, n, c * units]);
      let out: Tensor = tf.depthwiseConv2d(xt, filter, 1, 'valid', 'NHWC', strides); // [in, ≥kh, ≥kw, N·c·units]
      // 'valid' windows that leave trailing rows/columns unread give extra lags: keep the kernel's.
      if (out.shape[1] !== kh || out.shape[2] !== kw) out = tf.slice(out, [0, 0, 0, 0], [cin, kh, kw, n * c * units]);
      // Squares summed over the cotangents first, over the examples once at the end: a sum over
      // the middle (example) axis costs a transpose on wasm, one call instead of K.
      let sq = tf.square(out);
      if (c > 1) sq = tf.sum(tf.reshape(sq, [cin, kh, kw, n, c, units]), 4);
      sum = sum ? tf.add(sum, sq) : sq;
    }
    return tf.transpose(tf.sum(tf.reshape(sum as Tensor, [cin, kh, kw, n, units]), 3), [1, 2, 0, 3]);
  });
}
