import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { ModelAdapter } from './adapter/model-adapter.js';
import { denseTargets, type LikelihoodName } from './likelihood.js';

/** Predictive metrics of a classifier (means over examples). */
export interface ClassificationMetrics {
  /** Fraction of correct top-1 predictions. */
  accuracy: number;
  /** Mean negative log-likelihood −log p(y|x). */
  nll: number;
  /** Mean Σ_k (p_k − y_k)². */
  brier: number;
  /** Expected calibration error, 10 equal-width confidence bins, L1. */
  ece: number;
}

/** Predictive metrics of a Gaussian regressor (means over examples). */
export interface RegressionMetrics {
  /** Mean squared error per output. */
  mse: number;
  /** Mean Gaussian negative log-likelihood per example with noise σ. */
  nll: number;
}

/**
 * Evaluates the adapter's network on `{xs, ys}` in batches: accuracy, NLL, Brier, ECE for
 * classification (softmax of f); MSE and Gaussian NLL (noise σ) for regression.
 */
export function evaluate(
  adapter: ModelAdapter,
  likelihood: LikelihoodName,
  xs: Tensor,
  ys: Tensor,
  options: { sigma?: number; batchSize?: number } = {},
): ClassificationMetrics | RegressionMetrics {
  const n = xs.shape[0];
  const bs = options.batchSize ?? 1024;
  const sigma = options.sigma ?? 1;
  const bins = new Float64Array(30); // [count, sum conf, sum correct] per bin
  let correct = 0;
  let nll = 0;
  let brier = 0;
  let sq = 0;
  for (let start = 0; start < n; start += bs) {
    const size = Math.min(bs, n - start);
    const out = tf.tidy(() => {
      const x = tf.cast(tf.slice(xs, start, size), 'float32');
      const y = denseTargets(likelihood, tf.slice(ys, start, size), size, adapter.outputDim);
      const f = adapter.predict(x);
      if (likelihood === 'regression') return [tf.sum(tf.square(tf.sub(f, y)))];
      const logp = tf.logSoftmax(f);
      const p = tf.exp(logp);
      return [tf.neg(tf.sum(tf.mul(y, logp))), tf.sum(tf.square(tf.sub(p, y))), tf.max(p, 1), tf.argMax(p, 1), tf.argMax(y, 1)];
    });
    const [a, b, conf, pred, label] = out.map((t) => t.dataSync());
    if (likelihood === 'regression') sq += a[0];
    else {
      nll += a[0];
      brier += b[0];
      for (let i = 0; i < size; i++) {
        const ok = pred[i] === label[i] ? 1 : 0;
        correct += ok;
        const bin = Math.min(9, Math.floor(conf[i] * 10));
        bins[bin * 3] += 1;
        bins[bin * 3 + 1] += conf[i];
        bins[bin * 3 + 2] += ok;
      }
    }
    tf.dispose(out);
  }
  if (likelihood === 'regression') {
    const k = adapter.outputDim;
    const mse = sq / (n * k);
    return { mse, nll: (0.5 * sq) / (sigma * sigma * n) + k * Math.log(sigma * Math.sqrt(2 * Math.PI)) };
  }
  let ece = 0;
  for (let b = 0; b < 10; b++) {
    const c = bins[b * 3];
    if (c > 0) ece += (c / n) * Math.abs(bins[b * 3 + 1] / c - bins[b * 3 + 2] / c);
  }
  return { accuracy: correct / n, nll: nll / n, brier: brier / n, ece };
}
