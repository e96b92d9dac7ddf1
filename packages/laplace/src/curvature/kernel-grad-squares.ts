/**
 * The diagonal curvature of a layer's kernel over T > 1 locations (token-wise Dense, small feature
 * maps without a route of their own): Σ over cotangents and examples of the squared per-example
 * kernel gradients, by location pairs or by a depthwise convolution, whichever a cost model
 * fitted on wasm says is cheaper.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';

/** Largest pair-product tensor {@link squaredKernelGradSums} forms at once (2²⁴ values, 64 MB). */
const PAIR_ELEMENTS = 2 ** 24;

/**
 * The products of an `[N, T, C]` tensor's location pairs t ≤ t′, `[N, T(T+1)/2, C]`: offset
 * d = t′ − t runs 0..T−1 and, within it, t = 0..T−1−d (rows x_t ⊙ x_{t+d}). Slices, not a gather
 * (tfjs-wasm's GatherV2 is ten times slower here).
 */
function locationPairs(x: Tensor): Tensor {
  const [n, t, c] = x.shape as number[];
  const pieces: Tensor[] = [tf.square(x)];
  for (let d = 1; d < t; d++) pieces.push(tf.mul(tf.slice(x, [0, 0, 0], [n, t - d, c]), tf.slice(x, [0, d, 0], [n, t - d, c])));
  return pieces.length === 1 ? pieces[0] : tf.concat(pieces, 1);
}

/** Options of {@link squaredKernelGradSums} (for tests and benchmarks; the defaults are the tuned ones). */
export interface SquaredKernelGradOptions {
  /** Force a route instead of the cost model's choice. */
  route?: 'pairs' | 'depthwise';
  /** Largest pair-product tensor the pair route forms at once (K is taken in chunks). Default 2²⁴. */
  pairElements?: number;
}

/**
 * Whether the location-pair route is cheaper than the depthwise one for K cotangents, T ≤ 32
 * locations, fan-in and units. Costs fitted on wasm (XNNPACK, one thread) for the ViT's layers:
 * depthwise ≈ 3.5e-5 · T·K·fanIn·units, pairs ≈ 2.5e-4 · m·units·(fanIn/10 + K) ms per 128
 * examples, m = T(T+1)/2; e.g. K = 9, T = 16: pairs for fan-in 256 → 128 units, depthwise for
 * 128 → 384, 128 → 256 and 49 → 128; K = 1: depthwise.
 */
function pairsCheaper(k: number, t: number, fanIn: number): boolean {
  const m = (t * (t + 1)) / 2;
  return t <= 32 && 0.14 * t * k * fanIn > m * (fanIn / 10 + k);
}

/**
 * Σ over K and N of the squared per-example kernel gradients `[fanIn, units]` (the diagonal of a
 * layer with T > 1 locations), h_io = Σ_{k,n} (Σ_t a_nti g_knto)². Two exact routes, picked by a
 * cost model (both are far faster on wasm than N per-example products, whose batched matMul
 * tfjs-wasm runs as a scalar loop):
 * - location pairs (few locations, many cotangents): h = Σ_n Σ_{t,t′} (a_nti a_nt′i)(Σ_k g_knto g_knt′o);
 *   both factors are symmetric in (t, t′), so only the pairs t ≤ t′ are formed and the others
 *   count twice: h = Pᵀ (w ⊙ Q) with P[(n,t,t′), i] = a_nti a_nt′i, Q[(n,t,t′), o] = Σ_k g_knto g_knt′o
 *   and w = 1 on t = t′, 2 off it — one large matMul;
 * - depthwise: every example's kernel gradient Σ_t a_ntᵀ g_knt is a correlation over the
 *   locations, so all of them come out of one depthwise convolution with the examples as channels
 *   (input `[fanIn, T, 1, N]`, a cotangent as the `[T, 1, N, units]` filter), one call per
 *   cotangent, squared and summed (as convolutions do it, `convKernelGradSquares` in `@spam/core`);
 *   2.5–4× faster than the per-example matMuls for K = 1 on the ViT's layers.
 */
export function squaredKernelGradSums(a: Tensor, g: Tensor, options: SquaredKernelGradOptions = {}): Tensor {
  return tf.tidy(() => {
    const [k, n, t, units] = g.shape as number[];
    const fanIn = a.shape[2] as number;
    const route = options.route ?? (pairsCheaper(k, t, fanIn) ? 'pairs' : 'depthwise');
    if (route === 'pairs') {
      const m = (t * (t + 1)) / 2;
      const p = tf.transpose(tf.reshape(locationPairs(a), [n * m, fanIn])); // [fanIn, N·m], transposed explicitly (wasm)
      // Cotangents side by side on the last axis, pairs formed once per chunk and summed over it;
      // chunks of K keep the pair products under `pairElements` values (memory, not speed).
      const chunk = Math.max(1, Math.min(k, Math.floor((options.pairElements ?? PAIR_ELEMENTS) / (n * m * units))));
      let q: Tensor | null = null;
      for (let k0 = 0; k0 < k; k0 += chunk) {
        const c = Math.min(chunk, k - k0);
        const part = c === k ? g : tf.slice(g, [k0, 0, 0, 0], [c, n, t, units]);
        const side = c === 1 ? tf.reshape(part, [n, t, units]) : tf.reshape(tf.transpose(part, [1, 2, 0, 3]), [n, t, c * units]);
        const qc = c === 1 ? locationPairs(side) : tf.sum(tf.reshape(locationPairs(side), [n, m, c, units]), 2);
        q = q ? tf.add(q, qc) : qc;
      }
      const weights = new Float32Array(m).fill(2);
      weights.fill(1, 0, t); // offset 0 (t = t′) comes first
      const qw = tf.mul(q as Tensor, tf.tensor3d(weights, [1, m, 1]));
      return tf.matMul(p as tf.Tensor2D, tf.reshape(qw, [n * m, units]) as tf.Tensor2D);
    }
    const x = tf.reshape(tf.transpose(a, [2, 1, 0]), [fanIn, t, 1, n]) as tf.Tensor4D; // examples as channels
    let sum: Tensor | null = null;
    for (let j = 0; j < k; j++) {
      const gk = k === 1 ? g : tf.slice(g, [j, 0, 0, 0], [1, n, t, units]);
      const filter = tf.reshape(tf.transpose(gk, [2, 0, 1, 3]), [t, 1, n, units]) as tf.Tensor4D;
      const sq = tf.square(tf.depthwiseConv2d(x, filter, 1, 'valid')); // [fanIn, 1, 1, N·units]
      sum = sum ? tf.add(sum, sq) : sq;
    }
    return tf.sum(tf.reshape(sum as Tensor, [fanIn, n, units]), 1);
  });
}
