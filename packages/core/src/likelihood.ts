import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { DisposedError, InvalidDataError, InvalidOptionError, NonFiniteError, ShapeMismatchError } from './errors.js';

/** The two likelihoods SpaM supports. */
export type LikelihoodName = 'classification' | 'regression';

/** Throws `InvalidOptionError` unless `name` is a supported likelihood. */
export function checkLikelihood(name: unknown): LikelihoodName {
  if (name !== 'classification' && name !== 'regression') {
    throw new InvalidOptionError(`likelihood must be 'classification' or 'regression', got '${String(name)}'`);
  }
  return name;
}

/** Largest element count of one tensor SpaM allocates (typed arrays stop at 2³¹ − 1). */
const MAX_ELEMENTS = 2 ** 31 - 1;

/** The smallest positive normal float32 and the largest float32: σ must lie between them. */
const F32_MIN_NORMAL = 1.1754943508222875e-38;
const F32_MAX = 3.4028234663852886e38;

/**
 * Throws `InvalidOptionError` unless `sigma` (the observation noise σ of regression) is a number
 * in the normal float32 range [1.2e-38, 3.4e38]: smaller values underflow to 0 in float32 (so 1/σ
 * is Inf), larger ones overflow to Inf (so every σ-scaled term silently becomes 0). `what` names the option.
 */
export function checkSigma(sigma: unknown, what = 'sigma'): number {
  if (typeof sigma !== 'number' || !(sigma >= F32_MIN_NORMAL && sigma <= F32_MAX)) {
    throw new InvalidOptionError(
      `${what} must be a positive number in the float32 range [${F32_MIN_NORMAL.toPrecision(2)}, ${F32_MAX.toPrecision(2)}], got ${String(sigma)}`,
    );
  }
  return sigma;
}

/** Checks the network output f: a live numeric `[N, outDim]` tensor with N, outDim ≥ 1. */
function checkOutput(f: unknown, what: string): asserts f is Tensor {
  if (!(f instanceof tf.Tensor))
    throw new InvalidDataError(`${what} must be a tf.Tensor [N, outDim], got ${f === null ? 'null' : typeof f}`);
  if (f.isDisposed) throw new DisposedError('tensor', what);
  if (f.dtype === 'string' || f.dtype === 'complex64') throw new InvalidDataError(`${what} must be a numeric tensor, got dtype ${f.dtype}`);
  if (f.rank !== 2 || f.shape[1] < 1) throw new ShapeMismatchError(`${what} must have shape [N, outDim] with outDim ≥ 1, got [${f.shape}]`);
  if (f.shape[0] === 0) throw new InvalidDataError(`${what} holds no example (shape [${f.shape}])`);
}

/** Checks targets y `[N, outDim]` against the outputs f (same shape, numeric). */
function checkTargets(f: Tensor, y: unknown): asserts y is Tensor {
  if (!(y instanceof tf.Tensor))
    throw new InvalidDataError(`targets y must be a tf.Tensor [${f.shape}], got ${y === null ? 'null' : typeof y}`);
  if (y.isDisposed) throw new DisposedError('tensor', 'targets y');
  if (y.dtype === 'string' || y.dtype === 'complex64')
    throw new InvalidDataError(`targets y must be a numeric tensor, got dtype ${y.dtype}`);
  if (y.rank !== 2 || y.shape[0] !== f.shape[0] || y.shape[1] !== f.shape[1]) {
    throw new ShapeMismatchError(
      `targets y have shape [${y.shape}] but the outputs f have [${f.shape}]; y must be dense [N, outDim] (see denseTargets)`,
    );
  }
}

const asFloat = (t: Tensor): Tensor => (t.dtype === 'float32' ? t : tf.cast(t, 'float32'));

/**
 * Validates labels and returns dense float targets `[N, outDim]`: one-hot rows for classification
 * (from integer labels `[N]`/`[N, 1]` in [0, C) or one-hot `[N, C]`), values for regression (`[N]` when outDim = 1).
 * Throws `InvalidOptionError` for an unknown likelihood or a bad n / outDim, `InvalidDataError`
 * for non-numeric labels or label values out of range, `ShapeMismatchError` for a wrong shape.
 */
export function denseTargets(likelihood: LikelihoodName, ys: Tensor, n: number, outDim: number): Tensor {
  checkLikelihood(likelihood);
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    throw new InvalidOptionError(`denseTargets: n must be a non-negative integer, got ${String(n)}`);
  if (typeof outDim !== 'number' || !Number.isSafeInteger(outDim) || outDim < 1 || n * outDim > MAX_ELEMENTS) {
    throw new InvalidOptionError(`denseTargets: outDim must be a positive integer (n·outDim ≤ ${MAX_ELEMENTS}), got ${String(outDim)}`);
  }
  if (!(ys instanceof tf.Tensor)) throw new InvalidDataError(`labels must be a tf.Tensor, got ${ys === null ? 'null' : typeof ys}`);
  if (ys.isDisposed) throw new DisposedError('tensor', 'labels');
  if (ys.dtype === 'string' || ys.dtype === 'complex64')
    throw new InvalidDataError(`labels must be a numeric tensor, got dtype ${ys.dtype}`);
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
    return tf.tidy(() => tf.cast(tf.oneHot(tf.cast(tf.reshape(ys, [n]), 'int32'), outDim), 'float32'));
  }
  throw new ShapeMismatchError(`classification labels must be [N] class indices or [N, ${outDim}] one-hot, got [${ys.shape}]`);
}

/**
 * Summed loss over the batch, in the fixtures' convention: softmax cross-entropy −Σ y·log softmax(f),
 * or ½Σ(f − y)² for regression (before the 1/σ² factor). `f` and the dense targets `y` are
 * `[N, outDim]` of the same shape (`ShapeMismatchError` otherwise); an unknown likelihood is an
 * `InvalidOptionError`.
 */
export function lossSum(likelihood: LikelihoodName, f: Tensor, y: Tensor): Tensor {
  const lik = checkLikelihood(likelihood);
  checkOutput(f, 'outputs f');
  checkTargets(f, y);
  return tf.tidy(() => {
    const [ff, yy] = [asFloat(f), asFloat(y)];
    return lik === 'classification' ? tf.neg(tf.sum(tf.mul(yy, tf.logSoftmax(ff)))) : tf.mul(0.5, tf.sum(tf.square(tf.sub(ff, yy))));
  });
}

/**
 * Summed log-likelihood log p(D|θ) = −loss/σ² − N·K·log(σ√(2π)) for regression, −loss for classification.
 * Throws `InvalidOptionError` for an unknown likelihood, a non-number loss, a σ that is not a
 * finite number > 0 or a negative/non-integer N or K, and `NonFiniteError` when a finite
 * loss gives a non-finite log-likelihood (σ so small that loss/σ² overflows).
 */
export function logLikelihoodFromLoss(likelihood: LikelihoodName, loss: number, n: number, outDim: number, sigma = 1): number {
  const lik = checkLikelihood(likelihood);
  if (typeof loss !== 'number') throw new InvalidOptionError(`loss must be a number, got ${typeof loss}`);
  for (const [name, v] of [
    ['n', n],
    ['outDim', outDim],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new InvalidOptionError(`${name} must be a non-negative integer, got ${String(v)}`);
  }
  if (lik === 'classification') return -loss;
  // Float64 arithmetic here: any positive finite σ (the float32 range of checkSigma does not apply).
  if (typeof sigma !== 'number' || !(sigma > 0) || !Number.isFinite(sigma))
    throw new InvalidOptionError(`sigma must be a finite number > 0, got ${String(sigma)}`);
  const out = -loss / (sigma * sigma) - n * outDim * Math.log(sigma * Math.sqrt(2 * Math.PI));
  if (Number.isFinite(loss) && !Number.isFinite(out)) {
    throw new NonFiniteError(`log-likelihood of loss ${loss} with σ = ${sigma} over ${n}×${outDim} outputs is not finite`);
  }
  return out;
}

/** Options of {@link outputHessianSqrt}. */
export interface OutputHessianSqrtOptions {
  /**
   * Classification only: return C − 1 factors instead of C. The softmax cross-entropy Hessian
   * Λ = diag(p) − ppᵀ has rank C − 1 (Λ1 = 0), so C − 1 vectors already give Σ v vᵀ = Λ exactly,
   * and every back-propagation over them is one vector cheaper (10 % for C = 10). Default false.
   */
  reduced?: boolean;
}

/**
 * Square-root factors of the output Hessian Λ_n as `[K, N, outDim]` vectors with Σ_k v_k v_kᵀ = Λ_n:
 * classification √p_c (e_c − p) for c = 1..C; regression the unit vectors (Λ = I, σ applied later).
 * `f` is `[N, outDim]`.
 *
 * With `{ reduced: true }` and C ≥ 2 classes, classification gives K = C − 1 factors
 * v_c = √p_c (e_c − q) for c = 1..C−1, with q_i = p_i / (1 + √p_C) for i < C and q_C = √p_C:
 * writing Λ = B Λ̃ Bᵀ with B = [I; −1ᵀ] and Λ̃ = diag(p̃) − p̃p̃ᵀ over the first C − 1 classes,
 * Λ̃ = R Rᵀ for the symmetric R = diag(√p̃)(I − u uᵀ / (1 + √p_C)), u = √p̃, and the v_c are the
 * columns of B R.
 *
 * @example
 * ```ts
 * const f = tf.tensor2d([[2, 0, -1]]);
 * const v = outputHessianSqrt('classification', f, { reduced: true }); // [2, 1, 3]
 * ```
 */
export function outputHessianSqrt(likelihood: LikelihoodName, f: Tensor, options: OutputHessianSqrtOptions = {}): Tensor {
  const lik = checkLikelihood(likelihood);
  checkOutput(f, 'outputs f');
  if (options === null || typeof options !== 'object')
    throw new InvalidOptionError(`outputHessianSqrt options must be an object, got ${String(options)}`);
  const { reduced = false } = options;
  if (typeof reduced !== 'boolean') throw new InvalidOptionError(`reduced must be a boolean, got ${String(reduced)}`);
  return tf.tidy(() => {
    const [n, c] = f.shape;
    const eye = tf.reshape(tf.eye(c), [c, 1, c]);
    if (lik === 'regression') return tf.broadcastTo(eye, [c, n, c]);
    const p = tf.softmax(asFloat(f));
    const sqrtP = tf.sqrt(p);
    if (!reduced || c < 2) return tf.mul(tf.reshape(tf.transpose(sqrtP), [c, n, 1]), tf.sub(eye, tf.expandDims(p, 0)));
    // q = [p_1..p_{C−1}] / (1 + √p_C) and q_C = √p_C; v_c = √p_c (e_c − q) for c < C.
    const [pHead, sqrtLast] = [tf.slice(p, [0, 0], [n, c - 1]), tf.slice(sqrtP, [0, c - 1], [n, 1])];
    const q = tf.concat([tf.div(pHead, tf.add(1, sqrtLast)), sqrtLast], 1);
    const firstEyes = tf.slice(eye, [0, 0, 0], [c - 1, 1, c]);
    const sqrtHead = tf.reshape(tf.transpose(tf.slice(sqrtP, [0, 0], [n, c - 1])), [c - 1, n, 1]);
    return tf.mul(sqrtHead, tf.sub(firstEyes, tf.expandDims(q, 0)));
  });
}

/**
 * Gradient of the per-example NLL with respect to f, `[1, N, outDim]`: p − y (classification) or
 * (f − y)/σ (regression, scaled so that s·Σ vvᵀ with s = 1/σ² is the empirical Fisher).
 * `f` and `y` are `[N, outDim]`; σ as in {@link checkSigma}.
 */
export function nllGradient(likelihood: LikelihoodName, f: Tensor, y: Tensor, sigma = 1): Tensor {
  const lik = checkLikelihood(likelihood);
  checkOutput(f, 'outputs f');
  checkTargets(f, y);
  checkSigma(sigma);
  return tf.tidy(() => {
    const [ff, yy] = [asFloat(f), asFloat(y)];
    const g = lik === 'classification' ? tf.sub(tf.softmax(ff), yy) : tf.div(tf.sub(ff, yy), sigma);
    return tf.expandDims(g, 0);
  });
}

/**
 * Monte Carlo square-root factors `[k, N, outDim]` with E[Σ vvᵀ] = Λ_n: classification
 * (p − e_ŷ)/√k with ŷ ~ Cat(softmax f); regression ε/√k with ε ~ N(0, I). Seeded. `k` is a
 * positive integer and `seed` an integer (`InvalidOptionError` otherwise; tfjs treats seed 0 as unseeded).
 */
export function sampledOutputHessianSqrt(likelihood: LikelihoodName, f: Tensor, k: number, seed: number): Tensor {
  const lik = checkLikelihood(likelihood);
  checkOutput(f, 'outputs f');
  if (typeof k !== 'number' || !Number.isSafeInteger(k) || k < 1)
    throw new InvalidOptionError(`the number of samples k must be a positive integer, got ${String(k)}`);
  if (k * f.size > MAX_ELEMENTS)
    throw new InvalidOptionError(`k = ${k} samples of outputs [${f.shape}] exceed the largest tensor (${MAX_ELEMENTS} elements)`);
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new InvalidOptionError(`seed must be an integer, got ${String(seed)}`);
  return tf.tidy(() => {
    const [n, c] = f.shape;
    if (lik === 'regression') return tf.div(tf.randomNormal([k, n, c], 0, 1, 'float32', seed), Math.sqrt(k));
    const ff = asFloat(f);
    const p = tf.softmax(ff);
    const samples = tf.transpose(tf.multinomial(ff as tf.Tensor2D, k, seed)); // [k, N]
    const onehot = tf.cast(tf.oneHot(tf.cast(samples, 'int32'), c), 'float32'); // [k, N, C]
    return tf.div(tf.sub(tf.expandDims(p, 0), onehot), Math.sqrt(k));
  });
}
