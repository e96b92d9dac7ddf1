import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { PriorMismatchError, type Prior } from '@spam/priors';
import type { ParamBlock } from '@spam/core';
import type { BaseLaplace, KronLogDetMethod } from '../curvature/base.js';

/** Options of {@link logMarginalLikelihood}. */
export interface LogMarglikOptions {
  /** `kron` with unit-/parameter-wise priors: `'spam'` eigenbasis projection (default) or `'exact'` dense log det. */
  method?: KronLogDetMethod;
  /** log σ as a tensor (e.g. a `tf.Variable`) to differentiate with respect to; default log of the fit's σ. */
  logSigma?: Tensor;
}

/** The terms of the Laplace log marginal likelihood, as numbers. */
export interface LogMarglikTerms {
  /** log Z = log p(D|θ) − ½ (log det P − Σ log δ + Σ δθ²). */
  logMarglik: number;
  /** log p(D|θ). */
  logLikelihood: number;
  /** Σ δ_i θ_i². */
  scatter: number;
  /** Σ log δ_i. */
  logDetPrior: number;
  /** log det P, P = s·H + diag(δ). */
  logDetPosterior: number;
}

/** Throws `PriorMismatchError` unless the prior covers exactly the parameters of a Laplace fit (or model adapter). */
export function checkPriorFits(lap: { params: readonly ParamBlock[] }, prior: Prior): void {
  if (prior.params.length !== lap.params.length) {
    throw new PriorMismatchError(`the prior covers ${prior.params.length} parameter tensors, the model ${lap.params.length}`);
  }
  lap.params.forEach((p, i) => {
    const q = prior.params[i];
    if (q.name !== p.name || q.shape.join() !== p.shape.join()) {
      throw new PriorMismatchError(`prior parameter ${i} is '${q.name}' [${q.shape}] but the model's is '${p.name}' [${p.shape}]: the prior was built for another model`);
    }
  });
}

function terms(lap: BaseLaplace, prior: Prior, o: LogMarglikOptions): Tensor[] {
  checkPriorFits(lap, prior);
  const regression = lap.likelihood === 'regression';
  const logSigma = o.logSigma ?? tf.scalar(Math.log(lap.sigma));
  const s = regression ? tf.exp(tf.mul(-2, tf.reshape(logSigma, []))) : tf.scalar(1);
  const outDim = lap.params[lap.params.length - 1].shape.slice(-1)[0];
  const logLik = regression
    ? tf.sub(tf.mul(-lap.loss, s), tf.mul(lap.nData * outDim, tf.add(tf.reshape(logSigma, []), 0.5 * Math.log(2 * Math.PI))))
    : tf.scalar(-lap.loss);
  const sq = lap.thetaSquared();
  const scatter = prior.scatter(sq.blocks, sq.sums);
  const logDetPrior = prior.logDet();
  const constants = lap.structure === 'kron' ? prior.tensorConstants() : null;
  const delta = constants ?? prior.precisionBlocks();
  const constantPerTensor = constants !== null;
  const rank1 = lap.structure === 'kron' && o.method !== 'exact' ? prior.kernelOuterFactors() : undefined;
  const logDetPost = lap.logDetPosterior(delta, s, { constantPerTensor, method: o.method, rank1 });
  const logZ = tf.sub(logLik, tf.mul(0.5, tf.add(tf.sub(logDetPost, logDetPrior), scatter)));
  return [logZ, logLik, scatter, logDetPrior, logDetPost];
}

/**
 * The Laplace log marginal likelihood log Z(δ, σ) = log p(D|θ) − ½[log det(s·H + diag δ) − Σ log δ + Σ δθ²]
 * as a scalar tensor, differentiable in the prior's log-precisions (and `logSigma`). θ and H are
 * those of the fit.
 */
export function logMarginalLikelihood(lap: BaseLaplace, prior: Prior, options: LogMarglikOptions = {}): Tensor {
  return tf.tidy(() => terms(lap, prior, options)[0]);
}

/** Every term of log Z as numbers (for reports and checks). */
export function logMarginalLikelihoodTerms(lap: BaseLaplace, prior: Prior, options: LogMarglikOptions = {}): LogMarglikTerms {
  const v = tf.tidy(() => tf.stack(terms(lap, prior, options)).dataSync());
  return { logMarglik: v[0], logLikelihood: v[1], scatter: v[2], logDetPrior: v[3], logDetPosterior: v[4] };
}
