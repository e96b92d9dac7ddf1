/**
 * Link approximations of the GLM predictive for classification: class probabilities from the
 * Gaussian over the logits N(f_mu, f_var) — probit, Laplace bridge and Monte Carlo — as
 * laplace-torch's `link_approx` computes them. Pure tensor functions; inputs f_mu `[M, K]`,
 * f_var `[M, K, K]`; outputs `[M, K]` (new tensors).
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { choleskyLowerPsd } from './dense.js';

/** The diagonal `[M, K]` of f_var `[M, K, K]`. */
export function varianceDiagonal(fVar: Tensor): Tensor {
  return tf.tidy(() => {
    const k = fVar.shape[1] as number;
    return tf.sum(tf.mul(fVar, tf.reshape(tf.eye(k), [1, k, k])), 2);
  });
}

/** Probit: softmax(f_mu_k / √(1 + π/8 · f_var_kk)). */
export function probitLink(fMu: Tensor, fVar: Tensor): Tensor {
  return tf.tidy(() => tf.softmax(tf.div(fMu, tf.sqrt(tf.add(1, tf.mul(Math.PI / 8, varianceDiagonal(fVar)))))));
}

/**
 * Laplace bridge (laplace-torch 0.2): with s = f_var·1 and S = 1ᵀ f_var 1, μ' = f_mu − s(1ᵀ f_mu)/S,
 * V' = f_var − s sᵀ/S, α_k = (1 − 2/K + e^{μ'_k} Σ_j e^{−μ'_j}/K²)/V'_kk, probabilities α/Σα
 * (the mean of the Dirichlet). Computed in float64 per example (the terms cancel strongly). A row
 * without output variance (1ᵀ f_var 1 = 0), where the bridge is undefined, gets softmax(f_mu), the
 * exact predictive of a point mass.
 */
export function bridgeLink(fMu: Tensor, fVar: Tensor): Tensor {
  const [m, k] = fMu.shape as number[];
  const mu = fMu.dataSync();
  const v = fVar.dataSync();
  const out = new Float32Array(m * k);
  for (let i = 0; i < m; i++) {
    const V = (a: number, b: number) => v[i * k * k + a * k + b];
    const s = new Float64Array(k);
    let S = 0;
    let sumMu = 0;
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) s[a] += V(a, b);
      S += s[a];
      sumMu += mu[i * k + a];
    }
    if (!(S > 0)) {
      // No output variance (e.g. every weight pruned or δ → ∞): the predictive is softmax(f_mu) itself.
      softmaxRow(mu, i, k, out);
      continue;
    }
    const muP = new Float64Array(k);
    let sumExpNeg = 0;
    for (let a = 0; a < k; a++) {
      muP[a] = mu[i * k + a] - (s[a] * sumMu) / S;
      sumExpNeg += Math.exp(-muP[a]);
    }
    let total = 0;
    const alpha = new Float64Array(k);
    for (let a = 0; a < k; a++) {
      const vP = V(a, a) - (s[a] * s[a]) / S;
      alpha[a] = (1 - 2 / k + (Math.exp(muP[a]) * sumExpNeg) / (k * k)) / vP;
      total += alpha[a];
    }
    if (!(total > 0) || !Number.isFinite(total)) softmaxRow(mu, i, k, out);
    else for (let a = 0; a < k; a++) out[i * k + a] = alpha[a] / total;
  }
  return tf.tensor2d(out, [m, k]);
}

function softmaxRow(mu: ArrayLike<number>, i: number, k: number, out: Float32Array): void {
  let max = -Infinity;
  for (let a = 0; a < k; a++) max = Math.max(max, mu[i * k + a]);
  let z = 0;
  for (let a = 0; a < k; a++) z += Math.exp(mu[i * k + a] - max);
  for (let a = 0; a < k; a++) out[i * k + a] = Math.exp(mu[i * k + a] - max) / z;
}

/**
 * Monte Carlo: the average of softmax(f) over `samples` draws f ~ N(f_mu, f_var) (per-example
 * Cholesky factors of f_var in float64; zero-variance directions are kept exact). Seeded: the same
 * seed (≠ 0) gives the same draws; the standard error is ≤ 0.5/√samples per entry.
 */
export function mcLink(fMu: Tensor, fVar: Tensor, samples: number, seed: number): Tensor {
  const [m, k] = fMu.shape as number[];
  const v = fVar.dataSync();
  const l = new Float32Array(m * k * k);
  for (let i = 0; i < m; i++) l.set(choleskyLowerPsd(v.subarray(i * k * k, (i + 1) * k * k), k), i * k * k);
  return tf.tidy(() => {
    const eps = tf.randomNormal([m, k, samples], 0, 1, 'float32', seed);
    const f = tf.add(tf.matMul(tf.tensor3d(l, [m, k, k]), eps), tf.reshape(fMu, [m, k, 1])); // [M, K, S]
    return tf.mean(tf.softmax(tf.transpose(f, [0, 2, 1])), 1);
  });
}

/** Regression: the predictive covariance f_var + σ²·I `[M, K, K]`. */
export function regressionVariance(fVar: Tensor, sigma: number): Tensor {
  return tf.tidy(() => {
    const k = fVar.shape[1] as number;
    return tf.add(fVar, tf.mul(sigma * sigma, tf.reshape(tf.eye(k), [1, k, k])));
  });
}
