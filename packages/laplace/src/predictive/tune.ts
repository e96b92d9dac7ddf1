/**
 * Posterior tuning after training (laplace-torch's `optimize_prior_precision(method='gridsearch')`):
 * a scalar prior precision δ, or a posterior temperature T for a given prior, chosen by the
 * predictive's negative log-likelihood on validation data.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { denseTargets, InvalidDataError, InvalidOptionError, type ModelLike } from '@spam/core';
import type { BaseLaplace } from '../curvature/base.js';
import { choleskyLowerPsd } from './dense.js';
import type { PosteriorOptions, LinkApprox, PredictiveProgress } from './options.js';
import { predictive, type Predictive } from './predict.js';

/** Options of {@link optimizePriorPrecision}. */
export interface TunePosteriorOptions extends Omit<PosteriorOptions, 'priorPrecision' | 'temperature'> {
  /** Only `'gridsearch'` (the default). */
  method?: 'gridsearch';
  /**
   * `'priorPrecision'` (default): a scalar δ replaces the prior; `'temperature'`: T scales the
   * posterior covariance of the given `prior`.
   */
  target?: 'priorPrecision' | 'temperature';
  /** Candidate values (positive). Default: 21 values log-spaced over [1e-4, 1e4] (δ) or [1e-2, 1e2] (T). */
  grid?: readonly number[];
  /** Link of the classification predictive. Default `'probit'`. */
  link?: LinkApprox;
  /** Examples per batch. Default 256. */
  batchSize?: number;
  /** Called after every batch of every candidate. */
  onProgress?: (p: PredictiveProgress & { candidate: number }) => void;
}

/** What {@link optimizePriorPrecision} found. */
export interface TunePosteriorResult {
  /** Which quantity was tuned. */
  target: 'priorPrecision' | 'temperature';
  /** The best value (lowest validation NLL; the first on ties). */
  value: number;
  /** Its mean validation NLL. */
  nll: number;
  /** Every candidate with its mean validation NLL. */
  grid: Array<{ value: number; nll: number }>;
}

const logspace = (a: number, b: number, n: number) => Array.from({ length: n }, (_, i) => 10 ** (a + ((b - a) * i) / (n - 1)));

/** Mean NLL of the targets under the predictive: −log p_y (classification), the Gaussian N(mean, variance) (regression). */
function meanNll(pred: Predictive, y: Tensor): number {
  if ('probs' in pred) {
    return tf.tidy(() => -tf.mean(tf.log(tf.maximum(tf.sum(tf.mul(pred.probs, y), 1), 1e-12))).dataSync()[0]);
  }
  const [m, k] = pred.mean.shape as number[];
  const mu = pred.mean.dataSync();
  const v = pred.variance.dataSync();
  const yv = y.dataSync();
  let total = 0;
  for (let i = 0; i < m; i++) {
    const l = choleskyLowerPsd(v.subarray(i * k * k, (i + 1) * k * k), k);
    // Solve L z = r; NLL = ½(|z|² + log det V + K log 2π).
    const z = new Float64Array(k);
    let logDet = 0;
    for (let a = 0; a < k; a++) {
      let s = yv[i * k + a] - mu[i * k + a];
      for (let b = 0; b < a; b++) s -= l[a * k + b] * z[b];
      z[a] = s / l[a * k + a];
      logDet += 2 * Math.log(l[a * k + a]);
    }
    total += 0.5 * (z.reduce((s, x) => s + x * x, 0) + logDet + k * Math.log(2 * Math.PI));
  }
  return total / m;
}

/**
 * Grid search of a scalar prior precision δ (or, with `target: 'temperature'`, a temperature T of
 * the given prior's posterior) by the mean NLL of the GLM predictive on validation data
 * `{ xs, ys }` (labels as for `fitLaplace`). Pass the result on as `priorPrecision` (or
 * `temperature`) to `predictive`. Typed errors as `predictive`, plus `InvalidOptionError` for an
 * empty or non-positive grid and `InvalidDataError` for a non-finite NLL at every candidate.
 *
 * @example
 * const { value } = await optimizePriorPrecision(lap, model, { xs: xVal, ys: yVal });
 * const { probs } = (await predictive(lap, model, xTest, { priorPrecision: value })) as ClassificationPredictive;
 */
export async function optimizePriorPrecision(
  la: BaseLaplace,
  model: ModelLike,
  valData: { xs: Tensor; ys: Tensor },
  options: TunePosteriorOptions = {},
): Promise<TunePosteriorResult> {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('optimizePriorPrecision options must be an object');
  const method = options.method ?? 'gridsearch';
  if (method !== 'gridsearch') throw new InvalidOptionError(`method must be 'gridsearch', got ${JSON.stringify(method)}`);
  const target = options.target ?? 'priorPrecision';
  if (target !== 'priorPrecision' && target !== 'temperature') {
    throw new InvalidOptionError(`target must be 'priorPrecision' or 'temperature', got ${JSON.stringify(target)}`);
  }
  const grid = options.grid ?? (target === 'priorPrecision' ? logspace(-4, 4, 21) : logspace(-2, 2, 21));
  if (!Array.isArray(grid) || grid.length === 0 || grid.some((g) => typeof g !== 'number' || !(g > 0) || !Number.isFinite(g))) {
    throw new InvalidOptionError(`grid must be a non-empty array of positive numbers, got ${JSON.stringify(grid)}`);
  }
  if (!valData || typeof valData !== 'object') throw new InvalidDataError('valData must be { xs, ys } tensors');
  const { xs, ys } = valData;
  const n = (xs as Tensor | undefined)?.shape?.[0] ?? 0;
  const outDim = la.params[la.params.length - 1].shape.slice(-1)[0];
  const y = denseTargets(la.likelihood, ys, n, outDim);
  const { method: _m, target: _t, grid: _g, onProgress, ...rest } = options;
  const results: Array<{ value: number; nll: number }> = [];
  try {
    for (let c = 0; c < grid.length; c++) {
      const value = grid[c];
      const posterior =
        target === 'priorPrecision' ? { ...rest, prior: undefined, priorPrecision: value } : { ...rest, temperature: value };
      const pred = await predictive(la, model, xs, {
        ...posterior,
        predType: 'glm',
        onProgress: onProgress ? (p) => onProgress({ ...p, candidate: c }) : undefined,
      });
      try {
        results.push({ value, nll: meanNll(pred, y) });
      } finally {
        tf.dispose(Object.values(pred) as Tensor[]);
      }
    }
  } finally {
    y.dispose();
  }
  const finite = results.filter((r) => Number.isFinite(r.nll));
  if (finite.length === 0) throw new InvalidDataError('the validation NLL is NaN/Inf for every grid value: check the validation data');
  const best = finite.reduce((a, b) => (b.nll < a.nll ? b : a));
  return { target, value: best.value, nll: best.nll, grid: results };
}
