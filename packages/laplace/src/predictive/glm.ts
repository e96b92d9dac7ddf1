/**
 * The linearised ("GLM") Laplace predictive: f_mu = f(x) and f_var = J(x) Σ J(x)ᵀ of the outputs,
 * J from ONE batched backward per batch with K one-hot cotangents (the curvature's own machinery,
 * never K gradient passes per example), Σ through the structure's `posteriorCovariance`.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { ModelAdapter, ModelLike } from '@spam/core';
import { layerInputs, type BaseLaplace } from '../curvature/base.js';
import type { PosteriorCovariance } from './covariance.js';
import { adapterFor, concatBatches, overBatches } from './batches.js';
import { covarianceSpec, disposeSpec, resolvePredictive, type GlmOptions } from './options.js';

/** The GLM predictive distribution of the outputs: N(f_mu, f_var). */
export interface GlmDistribution {
  /** Outputs f(x) `[M, K]` (logits for classification). */
  fMu: Tensor;
  /** Their covariance J Σ Jᵀ `[M, K, K]` (without σ² for regression). */
  fVar: Tensor;
}

/** One batch: f_mu `[N, K]` and f_var `[N, K, K]` (new tensors). */
export function glmBatch(adapter: ModelAdapter, cov: PosteriorCovariance, x: Tensor): [Tensor, Tensor] {
  return tf.tidy(() => {
    const trace = adapter.forward(tf.cast(x, 'float32'));
    const k = adapter.outputDim;
    const n = x.shape[0];
    const oneHot = tf.tile(tf.reshape(tf.eye(k), [k, 1, k]), [1, n, 1]); // v[k, n, :] = e_k
    const inputs = layerInputs(trace.captures, adapter.backward(trace, oneHot));
    return [trace.output, cov.outputCovariance(inputs)];
  });
}

/** Builds Σ for the options (owned by the caller). */
export function posteriorCovarianceFor(la: BaseLaplace, options: GlmOptions): PosteriorCovariance {
  const spec = covarianceSpec(la, options);
  try {
    return la.posteriorCovariance(spec);
  } finally {
    disposeSpec(spec);
  }
}

/**
 * The GLM predictive distribution N(f_mu, f_var) of `model`'s outputs at inputs `x`
 * `[M, ...inputShape]` under the Laplace posterior of `la` (fitted on `model`) with the prior of
 * `options` — laplace-torch's `la._glm_predictive_distribution`. Works in batches of
 * `batchSize`. Typed errors: `ShapeMismatchError` (another model, wrong input shape, mask
 * length), `InvalidDataError` (NaN/Inf inputs), `PriorMismatchError`, `InvalidOptionError`.
 *
 * @example
 * const { fMu, fVar } = await glmPredictiveDistribution(lap, model, xTest, { prior });
 */
export async function glmPredictiveDistribution(
  la: BaseLaplace,
  model: ModelLike,
  x: Tensor,
  options: GlmOptions,
): Promise<GlmDistribution> {
  const o = resolvePredictive(options);
  const adapter = adapterFor(la, model);
  const cov = posteriorCovarianceFor(la, options);
  try {
    const m = (x as Tensor | undefined)?.shape?.[0] ?? 0;
    const parts = await overBatches(adapter, x, o.batchSize, (xb) => glmBatch(adapter, cov, xb), {
      onProgress: o.onProgress,
      offset: 0,
      total: m,
      batchOffset: 0,
    });
    const [fMu, fVar] = concatBatches(parts, 2);
    return { fMu, fVar };
  } finally {
    cov.dispose();
  }
}
