import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { InvalidDataError, InvalidOptionError, ShapeMismatchError } from './errors.js';

/** The two likelihoods SpaM supports. */
export type LikelihoodName = 'classification' | 'regression';

/** Throws `InvalidOptionError` unless `name` is a supported likelihood. */
export function checkLikelihood(name: unknown): LikelihoodName {
  if (name !== 'classification' && name !== 'regression') {
    throw new InvalidOptionError(`likelihood must be 'classification' or 'regression', got '${String(name)}'`);
  }
  return name;
}

/**
 * Validates labels and returns dense float targets `[N, outDim]`: one-hot rows for classification
 * (from integer labels `[N]`/`[N, 1]` in [0, C) or one-hot `[N, C]`), values for regression (`[N]` when outDim = 1).
 */
export function denseTargets(likelihood: LikelihoodName, ys: Tensor, n: number, outDim: number): Tensor {
  if (ys.shape[0] !== n) throw new ShapeMismatchError(`labels have ${ys.shape[0]} rows but inputs have ${n}`);
  if (likelihood === 'regression') {
    if (ys.rank === 1 && outDim === 1) return tf.reshape(tf.cast(ys, 'float32'), [n, 1]);
    if (ys.rank !== 2 || ys.shape[1] !== outDim) {
      throw new ShapeMismatchError(`regression targets must have shape [N, ${outDim}], got [${ys.shape}]`);
    }
    return tf.cast(ys, 'float32');
  }
  if (ys.rank === 2 && ys.shape[1] === outDim && outDim > 1) {
    const rows = tf.tidy(() => tf.sum(ys, 1).dataSync());
    const vals = ys.dataSync();
    for (let i = 0; i < vals.length; i++) {
      if (vals[i] !== 0 && vals[i] !== 1) throw new InvalidDataError(`one-hot labels must be 0/1, found ${vals[i]} at flat index ${i}`);
    }
    rows.forEach((r, i) => {
      if (r !== 1) throw new InvalidDataError(`one-hot label row ${i} sums to ${r}, not 1`);
    });
    return tf.cast(ys, 'float32');
  }
  if (ys.rank === 1 || (ys.rank === 2 && ys.shape[1] === 1)) {
    const labels = ys.dataSync();
    for (let i = 0; i < labels.length; i++) {
      const c = labels[i];
      if (!Number.isInteger(c) || c < 0 || c >= outDim) {
        throw new InvalidDataError(`class label ${c} at index ${i} is not an integer in [0, ${outDim})`);
      }
    }
    return tf.tidy(() => tf.cast(tf.oneHot(tf.cast(tf.reshape(ys, [n]), 'int32'), outDim), "float32"));
  }
  throw new ShapeMismatchError(`classification labels must be [N] class indices or [N, ${outDim}] one-hot, got [${ys.shape}]`);
}

/**
 * Summed loss over the batch, in the fixtures' convention: softmax cross-entropy −Σ y·log softmax(f),
 * or ½Σ(f − y)² for regression (before the 1/σ² factor).
 */
export function lossSum(likelihood: LikelihoodName, f: Tensor, y: Tensor): Tensor {
  return tf.tidy(() =>
    likelihood === 'classification'
      ? tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(f))))
      : tf.mul(0.5, tf.sum(tf.square(tf.sub(f, y)))),
  );
}

/**
 * Summed log-likelihood log p(D|θ) = −loss/σ² − N·K·log(σ√(2π)) for regression, −loss for classification.
 */
export function logLikelihoodFromLoss(likelihood: LikelihoodName, loss: number, n: number, outDim: number, sigma = 1): number {
  if (likelihood === 'classification') return -loss;
  return -loss / (sigma * sigma) - n * outDim * Math.log(sigma * Math.sqrt(2 * Math.PI));
}

/**
 * Square-root factors of the output Hessian Λ_n as `[K, N, outDim]` vectors with Σ_k v_k v_kᵀ = Λ_n:
 * classification √p_c (e_c − p) for c = 1..C; regression the unit vectors (Λ = I, σ applied later).
 */
export function outputHessianSqrt(likelihood: LikelihoodName, f: Tensor): Tensor {
  return tf.tidy(() => {
    const [n, c] = f.shape;
    const eye = tf.reshape(tf.eye(c), [c, 1, c]);
    if (likelihood === 'regression') return tf.broadcastTo(eye, [c, n, c]);
    const p = tf.softmax(f);
    const sqrtP = tf.reshape(tf.transpose(tf.sqrt(p)), [c, n, 1]);
    return tf.mul(sqrtP, tf.sub(eye, tf.expandDims(p, 0)));
  });
}

/**
 * Gradient of the per-example NLL with respect to f, `[1, N, outDim]`: p − y (classification) or
 * (f − y)/σ (regression, scaled so that s·Σ vvᵀ with s = 1/σ² is the empirical Fisher).
 */
export function nllGradient(likelihood: LikelihoodName, f: Tensor, y: Tensor, sigma = 1): Tensor {
  return tf.tidy(() => {
    const g = likelihood === 'classification' ? tf.sub(tf.softmax(f), y) : tf.div(tf.sub(f, y), sigma);
    return tf.expandDims(g, 0);
  });
}

/**
 * Monte Carlo square-root factors `[k, N, outDim]` with E[Σ vvᵀ] = Λ_n: classification
 * (p − e_ŷ)/√k with ŷ ~ Cat(softmax f); regression ε/√k with ε ~ N(0, I). Seeded.
 */
export function sampledOutputHessianSqrt(likelihood: LikelihoodName, f: Tensor, k: number, seed: number): Tensor {
  return tf.tidy(() => {
    const [n, c] = f.shape;
    if (likelihood === 'regression') return tf.div(tf.randomNormal([k, n, c], 0, 1, 'float32', seed), Math.sqrt(k));
    const p = tf.softmax(f);
    const samples = tf.transpose(tf.multinomial(f as tf.Tensor2D, k, seed)); // [k, N]
    const onehot = tf.cast(tf.oneHot(tf.cast(samples, 'int32'), c), "float32"); // [k, N, C]
    return tf.div(tf.sub(tf.expandDims(p, 0), onehot), Math.sqrt(k));
  });
}
