/**
 * Per-example quadratic forms J Σ Jᵀ `[N, K, K]` from per-example Jacobian rows, for the three
 * shapes a posterior covariance block takes: diagonal, dense, and diagonal after a rank-1 route
 * (a Dense kernel's Jacobian a gᵀ, never materialised). Every transpose is explicit (wasm).
 * Call inside `tf.tidy`.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';

/** [K, N, d] → [N, K, d]. */
function byExample(j: Tensor): Tensor {
  return tf.transpose(j, [1, 0, 2]);
}

/** X Yᵀ per example for X, Y `[N, K, d]`: `[N, K, K]`. */
function outer(x: Tensor, y: Tensor): Tensor {
  return tf.matMul(x as tf.Tensor3D, tf.transpose(y, [0, 2, 1]) as tf.Tensor3D);
}

/** Σ_p J_kp v_p J_lp for Jacobian rows J `[K, N, d]` and variances v `[d]`: `[N, K, K]`. */
export function quadDiag(j: Tensor, v: Tensor): Tensor {
  const [k, n] = j.shape as number[];
  const jt = byExample(tf.reshape(j, [k, n, -1]));
  return outer(tf.mul(jt, tf.reshape(v, [1, 1, -1])), jt);
}

/** J Σ Jᵀ for Jacobian rows J `[K, N, d]` and a dense Σ `[d, d]`: `[N, K, K]`. */
export function quadDense(j: Tensor, sigma: Tensor): Tensor {
  const [k, n] = j.shape as number[];
  const jt = byExample(tf.reshape(j, [k, n, -1]));
  const d = jt.shape[2] as number;
  const js = tf.reshape(tf.matMul(tf.reshape(jt, [n * k, d]) as tf.Tensor2D, sigma as tf.Tensor2D), [n, k, d]);
  return outer(js, jt);
}

/**
 * A Dense kernel (one location) with diagonal variances V `[fanIn, units]`: J_kn = a_n g_knᵀ, so
 * Σ_io a_ni² V_io g_kno g_lno = Σ_o g_kno g_lno B_no with B = (a∘a) V — one `[N, fanIn]·[fanIn, units]`
 * product, the cost of the forward. `a` `[N, fanIn]`, `g` `[K, N, units]`, plus an optional
 * bias variance `vb` `[units]` (its Jacobian is g itself).
 */
export function quadRank1(a: Tensor, g: Tensor, v: Tensor, vb: Tensor | null): Tensor {
  const b0 = tf.matMul(tf.square(a) as tf.Tensor2D, v as tf.Tensor2D);
  const b = vb ? tf.add(b0, tf.reshape(vb, [1, -1])) : b0;
  const gt = byExample(g);
  return outer(tf.mul(gt, tf.expandDims(b, 1)), gt);
}
