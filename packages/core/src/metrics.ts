import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { ModelAdapter } from './adapter/model-adapter.js';
import { DisposedError, InvalidDataError, InvalidOptionError, NonFiniteError, ShapeMismatchError } from './errors.js';
import { checkLikelihood, denseTargets, type LikelihoodName } from './likelihood.js';

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

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** Regression noise σ (finite, > 0). Default 1. */
  sigma?: number;
  /** Examples per forward pass (positive integer). Default 1024. */
  batchSize?: number;
}

/** Checks the arguments of {@link evaluate}; returns [n, batchSize, sigma]. */
function checkArgs(adapter: ModelAdapter, xs: Tensor, ys: Tensor, options: EvaluateOptions): [number, number, number] {
  if (options === null || typeof options !== 'object')
    throw new InvalidOptionError('evaluate options must be an object {sigma, batchSize}');
  const bs = options.batchSize ?? 1024;
  const sigma = options.sigma ?? 1;
  if (typeof bs !== 'number' || !Number.isSafeInteger(bs) || bs < 1)
    throw new InvalidOptionError(`batchSize must be a positive integer, got ${String(bs)}`);
  if (typeof sigma !== 'number' || !(sigma > 0) || !Number.isFinite(sigma))
    throw new InvalidOptionError(`sigma must be a finite number > 0, got ${String(sigma)}`);
  for (const [t, name] of [
    [xs, 'xs'],
    [ys, 'ys'],
  ] as const) {
    const like = t as unknown as { shape?: unknown; dataSync?: unknown } | null;
    if (typeof like !== 'object' || like === null || !Array.isArray(like.shape) || typeof like.dataSync !== 'function') {
      throw new InvalidDataError(`evaluate needs ${name} as a tf.Tensor, got ${t === null ? 'null' : typeof t}`);
    }
    if (t.isDisposed) throw new DisposedError('tensor', name);
    if (t.rank === 0) throw new ShapeMismatchError(`${name} must have a leading example axis, got a scalar`);
    if (t.dtype === 'string') throw new InvalidDataError(`${name} must be a numeric tensor, got dtype string`);
  }
  const want = adapter.inputShape;
  const got = xs.shape.slice(1);
  if (got.length !== want.length || want.some((d, i) => typeof d === 'number' && d > 0 && got[i] !== d)) {
    throw new ShapeMismatchError(`xs has shape [${xs.shape}]: per-example [${got}], but model '${adapter.name}' expects [N, ${want}]`);
  }
  const n = xs.shape[0];
  if (n === 0) throw new InvalidDataError('evaluate needs at least one example; xs has 0 rows');
  if (ys.shape[0] !== n) throw new ShapeMismatchError(`ys has ${ys.shape[0]} rows but xs has ${n}`);
  return [n, bs, sigma];
}

/** Whether a slice of `t` (rows start … start + size − 1) holds NaN or ±∞ (Σ 0·t is NaN exactly then). */
function sliceNonFinite(t: Tensor, start: number, size: number): boolean {
  return !Number.isFinite(tf.tidy(() => tf.sum(tf.mul(tf.cast(rowsOf(t, start, size), 'float32'), 0)).dataSync()[0]));
}

/**
 * Rows `start … start + size − 1` of `t`: `t` itself when that is every row, else a gather. Not
 * `tf.slice`: tfjs-backend-wasm's slice copies the whole tensor to the host on every call
 * (10k MNIST digits: ~30 ms per batch, more than the batch's forward pass).
 */
function rowsOf(t: Tensor, start: number, size: number): Tensor {
  if (start === 0 && size === t.shape[0]) return t;
  return tf.gather(t, tf.range(start, start + size, 1, 'int32'));
}

/**
 * Evaluates the adapter's network on `{xs, ys}` in batches: accuracy, NLL, Brier, ECE for
 * classification (softmax of f); MSE and Gaussian NLL (noise σ) for regression. Never reports a
 * metric computed from NaN: `InvalidDataError` when xs (or regression ys) hold NaN/±∞, naming the
 * rows; `NonFiniteError` when the network's outputs (or a squared error) are NaN/±∞ for finite
 * inputs (non-finite weights, overflow) or a metric overflows (the Gaussian NLL at a tiny σ).
 * `InvalidOptionError` for a bad `batchSize` / `sigma` /
 * likelihood, `ShapeMismatchError` for xs of another per-example shape than the model's input or
 * row counts that differ, `InvalidDataError` for empty or string data,
 * `DisposedError` for a disposed tensor. No tensors are left behind, also on error.
 */
export function evaluate(
  adapter: ModelAdapter,
  likelihood: LikelihoodName,
  xs: Tensor,
  ys: Tensor,
  options: EvaluateOptions = {},
): ClassificationMetrics | RegressionMetrics {
  checkLikelihood(likelihood);
  const [n, bs, sigma] = checkArgs(adapter, xs, ys, options);
  const bins = new Float64Array(30); // [count, sum conf, sum correct] per bin
  let correct = 0;
  let nll = 0;
  let brier = 0;
  let sq = 0;
  for (let start = 0; start < n; start += bs) {
    const size = Math.min(bs, n - start);
    const rows = `rows ${start}…${start + size - 1}`;
    const out = tf.tidy(() => {
      const x = tf.cast(rowsOf(xs, start, size), 'float32');
      const y = denseTargets(likelihood, rowsOf(ys, start, size), size, adapter.outputDim);
      const f = adapter.predict(x);
      const probe = tf.sum(tf.mul(f, 0)); // NaN iff f holds NaN or ±∞
      if (likelihood === 'regression') return [probe, tf.sum(tf.square(tf.sub(f, y)))];
      const logp = tf.logSoftmax(f);
      const p = tf.exp(logp);
      return [probe, tf.neg(tf.sum(tf.mul(y, logp))), tf.sum(tf.square(tf.sub(p, y))), tf.max(p, 1), tf.argMax(p, 1), tf.argMax(y, 1)];
    });
    let data: ArrayLike<number>[];
    try {
      data = out.map((t) => t.dataSync() as ArrayLike<number>);
    } finally {
      tf.dispose(out);
    }
    const [probe, a, b, conf, pred, label] = data;
    if (!Number.isFinite(probe[0])) {
      if (sliceNonFinite(xs, start, size)) throw new InvalidDataError(`xs ${rows} contain NaN or ±Infinity`);
      throw new NonFiniteError(
        `the network's outputs on xs ${rows} are NaN or ±Infinity although the inputs are finite (non-finite weights, or overflow)`,
      );
    }
    if (likelihood === 'regression') {
      if (!Number.isFinite(a[0])) {
        if (sliceNonFinite(ys, start, size)) throw new InvalidDataError(`ys ${rows} contain NaN or ±Infinity`);
        throw new NonFiniteError(`the squared error on ${rows} overflows float32 (outputs or targets too large)`);
      }
      sq += a[0];
    } else {
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
  }
  if (likelihood === 'regression') {
    const k = adapter.outputDim;
    const mse = sq / (n * k);
    return finiteMetrics({ mse, nll: (0.5 * (sq / n)) / sigma / sigma + k * (Math.log(sigma) + 0.5 * Math.log(2 * Math.PI)) }, sigma);
  }
  let ece = 0;
  for (let b = 0; b < 10; b++) {
    const c = bins[b * 3];
    if (c > 0) ece += (c / n) * Math.abs(bins[b * 3 + 1] / c - bins[b * 3 + 2] / c);
  }
  return finiteMetrics({ accuracy: correct / n, nll: nll / n, brier: brier / n, ece }, sigma);
}

/** The metrics, after checking that each is finite (`NonFiniteError` naming the metric otherwise: e.g. the NLL at a tiny σ). */
function finiteMetrics<M extends ClassificationMetrics | RegressionMetrics>(m: M, sigma: number): M {
  for (const [key, v] of Object.entries(m)) {
    if (!Number.isFinite(v))
      throw new NonFiniteError(
        `evaluate: ${key} is ${v as number}${key === 'nll' ? ` (noise sigma ${sigma})` : ''}; it does not fit in a double`,
      );
  }
  return m;
}
