import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { PriorMismatchError, type Prior } from '@spam/priors';
import { deprecated, DisposedError, InvalidOptionError, NonFiniteError, type ParamBlock } from '@spam/core';
import { resolveKronPrior, type BaseLaplace, type KronLogDetMethod, type KronPriorMode } from '../curvature/base.js';

/** Options of {@link logMarginalLikelihood}. */
export interface LogMarglikOptions {
  /** `kron` with unit-/parameter-wise priors: `'projected'` eigenbasis projection (default) or `'exact'` dense log det. */
  kronPrior?: KronPriorMode;
  /** @deprecated Use `kronPrior` (`'spam'` is `'projected'`). */
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
      throw new PriorMismatchError(
        `prior parameter ${i} is '${q.name}' [${q.shape}] but the model's is '${p.name}' [${p.shape}]: the prior was built for another model`,
      );
    }
  });
}

/** The terms of log Z as scalar tensors (one tidy scope's worth; the caller owns them). */
interface TermTensors {
  logMarglik: Tensor;
  logLikelihood: Tensor;
  scatter: Tensor;
  logDetPrior: Tensor;
  logDetPosterior: Tensor;
}

/** The `kronPrior` of the options, accepting the deprecated `method`. */
export function kronPriorOf(o: { kronPrior?: unknown; method?: unknown }, fallback: KronPriorMode = 'projected'): KronPriorMode {
  if (o.kronPrior !== undefined) return resolveKronPrior(o.kronPrior, fallback);
  return resolveKronPrior(
    deprecated(o.method, "option `method: 'spam' | 'exact'`", "`kronPrior: 'projected' | 'exact'`"),
    fallback,
    'method',
  );
}

function terms(lap: BaseLaplace, prior: Prior, o: LogMarglikOptions): TermTensors {
  checkPriorFits(lap, prior);
  // δ = exp(log δ) once for the scatter and the posterior log det (one exp over all P, not two).
  return prior.sharingPrecision(() => termsOf(lap, prior, o));
}

function termsOf(lap: BaseLaplace, prior: Prior, o: LogMarglikOptions): TermTensors {
  const kronPrior = kronPriorOf(o);
  const regression = lap.likelihood === 'regression';
  if (o.logSigma !== undefined && (!(o.logSigma instanceof tf.Tensor) || o.logSigma.size !== 1 || o.logSigma.dtype !== 'float32')) {
    throw new InvalidOptionError(
      `logSigma must be a float32 tensor with one element (e.g. a tf.Variable holding log σ), got ${describe(o.logSigma)}`,
    );
  }
  if (o.logSigma?.isDisposed) throw new DisposedError('tensor', 'logSigma');
  const logSigma = o.logSigma ?? tf.scalar(Math.log(lap.sigma));
  const s = regression ? tf.exp(tf.mul(-2, tf.reshape(logSigma, []))) : tf.scalar(1);
  const outDim = lap.params[lap.params.length - 1].shape.slice(-1)[0];
  const logLikelihood = regression
    ? tf.sub(tf.mul(-lap.loss, s), tf.mul(lap.nData * outDim, tf.add(tf.reshape(logSigma, []), 0.5 * Math.log(2 * Math.PI))))
    : tf.scalar(-lap.loss);
  const sq = lap.thetaSquared();
  const scatter = prior.scatter(sq.blocks, sq.sums);
  const logDetPrior = prior.logDet();
  const { delta, structure } = lap.precisionFor(prior, kronPrior);
  const logDetPosterior = lap.logDetPosterior(delta, s, structure);
  const logMarglik = tf.sub(logLikelihood, tf.mul(0.5, tf.add(tf.sub(logDetPosterior, logDetPrior), scatter)));
  return { logMarglik, logLikelihood, scatter, logDetPrior, logDetPosterior };
}

const TERM_NAMES = ['logMarglik', 'logLikelihood', 'scatter', 'logDetPrior', 'logDetPosterior'] as const;

/** Throws `NonFiniteError` naming the first non-finite term and the likely cause. */
function assertFiniteTerms(values: LogMarglikTerms, prior: Prior): void {
  const bad = TERM_NAMES.find((k) => !Number.isFinite(values[k]));
  if (bad === undefined) return;
  throw new NonFiniteError(
    `the log marginal likelihood is not finite: ${TERM_NAMES.map((k) => `${k} = ${values[k]}`).join(', ')}. ` +
      `First non-finite term: ${bad}. Check the ${prior.structure} prior's precisions (they must stay within float32 range, ` +
      'about 1e-38 < δ < 3e38, also after a hyper step), the weights and the data scale.',
  );
}

/**
 * The Laplace log marginal likelihood log Z(δ, σ) = log p(D|θ) − ½[log det(s·H + diag δ) − Σ log δ + Σ δθ²]
 * as a scalar tensor, differentiable in the prior's log-precisions (and `logSigma`). θ and H are
 * those of the fit. The value is checked: a non-finite log Z raises `NonFiniteError` naming the term.
 */
export function logMarginalLikelihood(lap: BaseLaplace, prior: Prior, options: LogMarglikOptions = {}): Tensor {
  return tf.tidy(() => {
    const t = terms(lap, prior, options);
    const values = tf.stack(TERM_NAMES.map((k) => t[k])).dataSync();
    assertFiniteTerms(termsFrom(values), prior);
    return t.logMarglik;
  });
}

/** The unchecked log Z tensor, for gradient tapes that check the value themselves (marglik steps). */
export function logMarginalLikelihoodUnchecked(lap: BaseLaplace, prior: Prior, options: LogMarglikOptions = {}): Tensor {
  return tf.tidy(() => terms(lap, prior, options).logMarglik);
}

function termsFrom(v: ArrayLike<number>): LogMarglikTerms {
  return { logMarglik: v[0], logLikelihood: v[1], scatter: v[2], logDetPrior: v[3], logDetPosterior: v[4] };
}

/** Every term of log Z as numbers (for reports and checks); `NonFiniteError` when one is not finite. */
export function logMarginalLikelihoodTerms(lap: BaseLaplace, prior: Prior, options: LogMarglikOptions = {}): LogMarglikTerms {
  const values = termsFrom(
    tf.tidy(() => {
      const t = terms(lap, prior, options);
      return tf.stack(TERM_NAMES.map((k) => t[k])).dataSync();
    }),
  );
  assertFiniteTerms(values, prior);
  return values;
}

function describe(v: unknown): string {
  return v instanceof tf.Tensor ? `a ${v.dtype} tensor of shape [${v.shape}]` : `${typeof v} ${String(v)}`;
}
