/**
 * `predictive(la, model, x, options)`: laplace-torch's `la(x, pred_type, link_approx)` — class
 * probabilities (classification) or the predictive mean and covariance incl. σ² (regression),
 * from the GLM predictive with a link approximation or from sampled weights.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { ModelAdapter, ModelLike } from '@spam/core';
import type { BaseLaplace } from '../curvature/base.js';
import type { PosteriorCovariance } from './covariance.js';
import { adapterFor, concatBatches, overBatches } from './batches.js';
import { glmBatch, posteriorCovarianceFor } from './glm.js';
import { bridgeLink, mcLink, probitLink, regressionVariance } from './links.js';
import { drawSeed, resolvePredictive, type PredictiveOptions, type ResolvedPredictive } from './options.js';

/** The predictive for classification: class probabilities `[M, K]`. */
export interface ClassificationPredictive {
  readonly probs: Tensor;
}

/** The predictive for regression: mean `[M, K]` and covariance `[M, K, K]` including σ²·I. */
export interface RegressionPredictive {
  readonly mean: Tensor;
  readonly variance: Tensor;
}

/** What {@link predictive} returns: `{ probs }` or `{ mean, variance }` (dispose with `tf.dispose(Object.values(r))`). */
export type Predictive = ClassificationPredictive | RegressionPredictive;

/** The GLM predictive of one batch with the link (classification) or σ² (regression). */
function glmStep(la: BaseLaplace, adapter: ModelAdapter, cov: PosteriorCovariance, o: ResolvedPredictive, x: Tensor, b: number): Tensor[] {
  const [fMu, fVar] = glmBatch(adapter, cov, x);
  try {
    if (la.likelihood === 'regression') return [tf.clone(fMu), regressionVariance(fVar, la.sigma)];
    if (o.link === 'probit') return [probitLink(fMu, fVar)];
    if (o.link === 'bridge') return [bridgeLink(fMu, fVar)];
    return [mcLink(fMu, fVar, o.samples, drawSeed(o.seed, b))];
  } finally {
    tf.dispose([fMu, fVar]);
  }
}

/**
 * Sampled weights: the average over `samples` draws θ_s = θ + ε_s, ε_s ~ N(0, Σ) (pruned entries
 * stay zero) of softmax(f(x; θ_s)), or of f and f fᵀ for regression. The model's weights are
 * restored afterwards, also on errors.
 */
async function sampledWeights(
  la: BaseLaplace,
  adapter: ModelAdapter,
  cov: PosteriorCovariance,
  o: ResolvedPredictive,
  x: Tensor,
): Promise<Tensor[]> {
  const vars = adapter.params.map((p) => p.variable);
  const saved = vars.map((v) => tf.clone(v.read()));
  const regression = la.likelihood === 'regression';
  const m = x.shape?.[0] ?? 0;
  let sums: Tensor[] | null = null;
  try {
    for (let s = 0; s < o.samples; s++) {
      const eps = cov.sample(drawSeed(o.seed, s));
      vars.forEach((v, i) => {
        const w = tf.add(saved[i], eps[i]);
        v.write(w); // the variable takes its own reference to the data
        w.dispose();
      });
      tf.dispose(eps);
      const parts = await overBatches(
        adapter,
        x,
        o.batchSize,
        (xb) =>
          tf.tidy(() => {
            const f = adapter.predict(tf.cast(xb, 'float32'));
            return regression ? [f, tf.mul(tf.expandDims(f, 2), tf.expandDims(f, 1))] : [tf.softmax(f)];
          }),
        { onProgress: o.onProgress, offset: s * m, total: o.samples * m, batchOffset: s * Math.ceil(m / o.batchSize) },
      );
      const draw = concatBatches(parts, parts[0].length);
      if (!sums) sums = draw;
      else {
        const next: Tensor[] = sums.map((t, i) => tf.add(t, draw[i]));
        tf.dispose([...sums, ...draw]);
        sums = next;
      }
    }
  } catch (e) {
    if (sums) tf.dispose(sums);
    throw e;
  } finally {
    vars.forEach((v, i) => v.write(saved[i]));
    tf.dispose(saved);
  }
  const total = sums!;
  const out = tf.tidy(() => {
    const mean = tf.div(total[0], o.samples);
    if (!regression) return [mean];
    const second = tf.div(total[1], o.samples);
    const cov2 = tf.sub(second, tf.mul(tf.expandDims(mean, 2), tf.expandDims(mean, 1)));
    return [mean, regressionVariance(cov2, la.sigma)];
  });
  tf.dispose(total);
  return out;
}

/**
 * The Laplace predictive of `model` (the model `la` was fitted on, at its current weights) at
 * inputs `x` `[M, ...inputShape]`, in batches: `predType: 'glm'` (default) linearises the network,
 * N(f_mu, J Σ Jᵀ), and maps it through `link` (`'probit'` default, `'bridge'`, or `'mc'` with
 * `samples` seeded draws); `'nn'` averages over `samples` seeded weight draws. Classification
 * gives `{ probs }`, regression `{ mean, variance }` with σ² included. Same typed errors as
 * {@link glmPredictiveDistribution}; no tensors leak, also on errors.
 *
 * @example
 * const { probs } = (await predictive(lap, model, xTest, { prior, link: 'probit' })) as ClassificationPredictive;
 */
export async function predictive(la: BaseLaplace, model: ModelLike, x: Tensor, options: PredictiveOptions): Promise<Predictive> {
  const o = resolvePredictive(options);
  const adapter = adapterFor(la, model);
  const cov = posteriorCovarianceFor(la, options);
  try {
    let out: Tensor[];
    if (o.predType === 'nn') {
      out = await sampledWeights(la, adapter, cov, o, x);
    } else {
      const m = (x as Tensor | undefined)?.shape?.[0] ?? 0;
      const parts = await overBatches(adapter, x, o.batchSize, (xb, b) => glmStep(la, adapter, cov, o, xb, b), {
        onProgress: o.onProgress,
        offset: 0,
        total: m,
        batchOffset: 0,
      });
      out = concatBatches(parts, la.likelihood === 'regression' ? 2 : 1);
    }
    return la.likelihood === 'regression' ? { mean: out[0], variance: out[1] } : { probs: out[0] };
  } finally {
    cov.dispose();
  }
}
