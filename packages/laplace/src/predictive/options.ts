/**
 * Options of the predictives and their validation: which posterior (prior or a scalar prior
 * precision, temperature, `kron` prior mode, pruning mask), how to batch, which link.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { InvalidOptionError, ShapeMismatchError } from '@spam/core';
import type { Prior } from '@spam/priors';
import { resolveKronPrior, type BaseLaplace, type KronPriorMode } from '../curvature/base.js';
import { checkPriorFits } from '../marglik/log-marglik.js';
import type { CovarianceSpec } from './covariance-build.js';

/** `'glm'`: the linearised network (f_mu, J Σ Jᵀ); `'nn'`: Monte Carlo over sampled weights θ ~ N(θ, Σ). */
export type PredType = 'glm' | 'nn';

/** How the GLM predictive maps N(f_mu, f_var) to class probabilities. */
export type LinkApprox = 'probit' | 'bridge' | 'mc';

/** Progress of a predictive, reported once per batch. */
export interface PredictiveProgress {
  /** Always `'predictive'`. */
  stage: 'predictive';
  /** Batches done so far (over every sample for `predType: 'nn'`). */
  batches: number;
  /** Examples done so far. */
  examples: number;
  /** Examples in total (× samples for `'nn'`). */
  total: number;
}

/** Which posterior: Σ = T·(s·H + diag δ)⁻¹. */
export interface PosteriorOptions {
  /** The prior whose precision δ the posterior uses (fitted on the same model). Required unless `priorPrecision` is given. */
  prior?: Prior;
  /** A scalar prior precision δ replacing the prior (e.g. from `optimizePriorPrecision`). */
  priorPrecision?: number;
  /** Posterior temperature T > 0 (scales Σ). Default 1. */
  temperature?: number;
  /** `kron` with a non-constant δ: `'projected'` (eigenbasis, default) or `'exact'` (dense blocks, small layers). */
  kronPrior?: KronPriorMode;
  /**
   * A pruning mask: keep flags `[P]` in canonical order (1 keep, 0 pruned), or an object with
   * `keep` (a `Mask` of `@spam/prune`). Pruned parameters are fixed at zero: no posterior
   * variance. Exact for `diag`, `full` and `kron` with `kronPrior: 'exact'` (the covariance given
   * the pruned entries); `kron` with `'projected'` masks the Jacobian instead (the marginal
   * covariance of the kept entries).
   */
  mask?: { readonly keep: ArrayLike<number> } | ArrayLike<number>;
}

/** Options of `glmPredictiveDistribution`. */
export interface GlmOptions extends PosteriorOptions {
  /** Examples per batch. Default 256. */
  batchSize?: number;
  /** Called after every batch. */
  onProgress?: (p: PredictiveProgress) => void;
}

/** Options of `predictive`. */
export interface PredictiveOptions extends GlmOptions {
  /** Default `'glm'`. */
  predType?: PredType;
  /** Classification with `'glm'`: default `'probit'`. Ignored for regression. */
  link?: LinkApprox;
  /** Draws for `link: 'mc'` and `predType: 'nn'`. Default 100. */
  samples?: number;
  /** Seed of the draws (any integer; the same seed gives the same draws). Default 0. */
  seed?: number;
}

/** Validated options. */
export interface ResolvedPredictive {
  predType: PredType;
  link: LinkApprox;
  samples: number;
  seed: number;
  batchSize: number;
  onProgress?: (p: PredictiveProgress) => void;
}

const positiveInt = (v: unknown, name: string, fallback: number): number => {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new InvalidOptionError(`${name} must be a positive integer, got ${String(v)}`);
  return v;
};

/** Validates the batching, link and sampling options (typed errors naming the option). */
export function resolvePredictive(o: PredictiveOptions): ResolvedPredictive {
  if (o === null || typeof o !== 'object') throw new InvalidOptionError('predictive options must be an object');
  const predType = o.predType ?? 'glm';
  if (predType !== 'glm' && predType !== 'nn')
    throw new InvalidOptionError(`predType must be 'glm' or 'nn', got ${JSON.stringify(predType)}`);
  const link = o.link ?? 'probit';
  if (!['probit', 'bridge', 'mc'].includes(link))
    throw new InvalidOptionError(`link must be 'probit', 'bridge' or 'mc', got ${JSON.stringify(link)}`);
  const seed = o.seed ?? 0;
  if (!Number.isInteger(seed)) throw new InvalidOptionError(`seed must be an integer, got ${String(seed)}`);
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw new InvalidOptionError('onProgress must be a function');
  return {
    predType,
    link,
    seed,
    samples: positiveInt(o.samples, 'samples', 100),
    batchSize: positiveInt(o.batchSize, 'batchSize', 256),
    onProgress: o.onProgress,
  };
}

/** A tfjs seed for draw/batch `i` of a user seed (never 0: tfjs treats 0 as unseeded). */
export function drawSeed(seed: number, i: number): number {
  return seed * 1_000_003 + i + 1;
}

/** Keep flags `[P]` of the mask option, validated against the Laplace's parameter count. */
function keepFlags(mask: PosteriorOptions['mask'], numParams: number): Uint8Array | null {
  if (mask === undefined) return null;
  const flags = mask !== null && typeof mask === 'object' && 'keep' in mask ? mask.keep : mask;
  if (flags === null || typeof flags !== 'object' || typeof flags.length !== 'number') {
    throw new InvalidOptionError('mask must be keep flags [P] (an array or Uint8Array of 0/1) or a Mask with keep');
  }
  if (flags.length !== numParams) throw new ShapeMismatchError(`mask has ${flags.length} entries, the Laplace ${numParams} parameters`);
  const keep = new Uint8Array(numParams);
  for (let i = 0; i < numParams; i++) {
    const v = flags[i];
    if (v !== 0 && v !== 1) throw new InvalidOptionError(`mask entry ${i} must be 0 or 1, got ${String(v)}`);
    keep[i] = v;
  }
  return keep;
}

/**
 * The covariance spec of the posterior options for `la`: δ per tensor (the prior's, checked to fit
 * the Laplace, or the scalar `priorPrecision`), which tensors have a constant δ, T, keep flags,
 * kron prior mode. The caller disposes `delta`.
 */
export function covarianceSpec(la: BaseLaplace, o: PosteriorOptions): CovarianceSpec {
  if (o === null || typeof o !== 'object') throw new InvalidOptionError('predictive options must be an object');
  const temperature = o.temperature ?? 1;
  if (typeof temperature !== 'number' || !(temperature > 0) || !Number.isFinite(temperature)) {
    throw new InvalidOptionError(`temperature must be a positive number, got ${String(temperature)}`);
  }
  const kronPrior = resolveKronPrior(o.kronPrior, 'projected');
  const keep = keepFlags(o.mask, la.numParams);
  if (o.priorPrecision !== undefined) {
    const d = o.priorPrecision;
    if (typeof d !== 'number' || !(d > 0) || !Number.isFinite(d))
      throw new InvalidOptionError(`priorPrecision must be a positive number, got ${String(d)}`);
    return { delta: la.params.map((p) => tf.fill(p.shape, d)), constant: la.params.map(() => true), temperature, keep, kronPrior };
  }
  if (!o.prior) throw new InvalidOptionError('the predictive needs a prior (option prior) or a scalar priorPrecision');
  checkPriorFits(la, o.prior);
  const delta = o.prior.precisionBlocks();
  const constant = delta.map((d) => {
    const v = d.dataSync();
    return v.every((x) => x === v[0]);
  });
  return { delta, constant, temperature, keep, kronPrior };
}

/** Disposes a spec's δ tensors. */
export function disposeSpec(spec: CovarianceSpec): void {
  tf.dispose(spec.delta as Tensor[]);
}
