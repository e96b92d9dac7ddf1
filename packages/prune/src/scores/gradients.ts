/**
 * Shared machinery of the gradient-based scores (SNIP, GraSP, SynFlow): option checks, the used
 * batches of a data source, the gradient of the mean training criterion, and the mean of the
 * exact Hessian-vector products of `hessian-vector.ts` over the used batches.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import {
  assertFinite,
  checkLikelihood,
  denseTargets,
  InvalidDataError,
  InvalidOptionError,
  iterateBatches,
  meanNllGradients,
  ShapeMismatchError,
  type DataSource,
  type LikelihoodName,
  type ModelAdapter,
  type OwnedBatch,
} from '@spam/core';
import { batchHessianVectorProduct } from './hessian-vector.js';

/**
 * Options of {@link snipScores} and {@link graspScores}.
 *
 * The criterion is the MEAN training loss over the examples used: softmax cross-entropy averaged
 * over the N examples (classification), or the mean squared error Σ(f − y)²/(N·K) over all N·K
 * output entries (regression; PyTorch's `MSELoss`, as in the reference fixtures).
 */
export interface GradientScoreOptions {
  /** `'classification'` (softmax cross-entropy on the logits) or `'regression'` (mean squared error). */
  likelihood: 'classification' | 'regression';
  /**
   * Regression noise σ (positive; default 1). Validated but it does NOT change the scores: the
   * canonical SNIP/GraSP scores (the reference fixtures, computed for σ = 0.3…0.7) use the plain
   * mean squared error without 1/σ². A 1/σ² factor would scale every score alike and not change any ranking.
   */
  sigma?: number;
  /** Use only the first `batches` batches of the data (a positive integer; default: all). */
  batches?: number;
  /** Batch size for tensor data `{xs, ys}` that has no `batchSize` of its own (default 128). */
  batchSize?: number;
}

/** Checked {@link GradientScoreOptions}. */
export interface ResolvedGradientOptions {
  readonly likelihood: LikelihoodName;
  readonly sigma: number;
  /** Number of batches to use (`Infinity` = all). */
  readonly batches: number;
  readonly batchSize: number;
}

/** Validates {@link GradientScoreOptions}; `InvalidOptionError` names the offending option. */
export function resolveGradientOptions(options: GradientScoreOptions): ResolvedGradientOptions {
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionError(`options must be an object with a likelihood ('classification' | 'regression'), got ${String(options)}`);
  }
  const likelihood = checkLikelihood(options.likelihood);
  const sigma = options.sigma ?? 1;
  if (typeof sigma !== 'number' || !Number.isFinite(sigma) || sigma <= 0) {
    throw new InvalidOptionError(`sigma must be a positive finite number, got ${String(options.sigma)}`);
  }
  const batches = options.batches ?? Infinity;
  if (options.batches !== undefined && (typeof batches !== 'number' || !Number.isInteger(batches) || batches < 1)) {
    throw new InvalidOptionError(`batches must be a positive integer, got ${String(options.batches)}`);
  }
  const batchSize = options.batchSize ?? 128;
  if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize < 1) {
    throw new InvalidOptionError(`batchSize must be a positive integer, got ${String(options.batchSize)}`);
  }
  return { likelihood, sigma, batches, batchSize };
}

function isTensorData(d: DataSource): d is { xs: Tensor; ys: Tensor; batchSize?: number } {
  return typeof d === 'object' && d !== null && 'xs' in d && 'ys' in d && !(Symbol.asyncIterator in d) && !(Symbol.iterator in d);
}

/**
 * The batches the scores use: the first `batches` non-empty batches of `data` in order (tensor
 * data without a `batchSize` is cut into `batchSize` rows; shuffling is ignored). Each batch is
 * checked for the model's input shape and finite values. Call `release()` on each.
 */
export async function* usedBatches(adapter: ModelAdapter, data: DataSource, opts: ResolvedGradientOptions): AsyncGenerator<OwnedBatch> {
  const source = isTensorData(data) && data.batchSize === undefined ? { ...data, batchSize: opts.batchSize } : data;
  let used = 0;
  for await (const b of iterateBatches(source, { ordered: true })) {
    if (b.xs.shape[0] === 0) {
      b.release();
      continue;
    }
    try {
      const shape = b.xs.shape.slice(1);
      if (shape.length !== adapter.inputShape.length || shape.some((d, i) => d !== adapter.inputShape[i])) {
        throw new ShapeMismatchError(`batch ${used}: inputs have per-example shape [${shape}], the model expects [${adapter.inputShape}]`);
      }
      assertFinite(b.xs, `batch ${used} inputs`);
      assertFinite(b.ys, `batch ${used} labels`);
    } catch (e) {
      b.release();
      throw e;
    }
    used++;
    yield b;
    if (used >= opts.batches) break;
  }
}

/** Weight of a batch's mean-NLL gradient (from `meanNllGradients` with σ = 1) in Σ_b w_b g_b / N. */
export function batchWeight(likelihood: LikelihoodName, n: number, outDim: number): number {
  // classification: mean CE over the batch × n_b; regression: ∇ ½Σ(f−y)²/n_b × 2n_b/K = ∇ Σ(f−y)²/K.
  return likelihood === 'classification' ? n : (2 * n) / outDim;
}

/** Gradient of the mean criterion and the number of examples it averages over. */
export interface MeanGradient {
  /** ∂L/∂θ per parameter tensor (canonical order, tfjs shapes); owned by the caller. */
  grads: Tensor[];
  /** Number of examples N used. */
  n: number;
}

/**
 * Σ over the used batches ({@link usedBatches}) of `perBatch(batch)` (tensors of the parameter
 * shapes, made inside a `tf.tidy`), and the example count; the caller owns the sums. Typed errors:
 * empty data (`'… to compute <what> on'`) and, with `expectedN` (the count of an earlier pass), a
 * pass that yields another count ({@link secondPassError}). Nothing leaks on any path.
 */
export async function sumOverBatches(
  adapter: ModelAdapter,
  data: DataSource,
  opts: ResolvedGradientOptions,
  perBatch: (b: OwnedBatch) => Tensor[],
  what: string,
  expectedN?: number,
): Promise<{ sums: Tensor[]; n: number }> {
  let acc: Tensor[] | null = null;
  let n = 0;
  try {
    for await (const b of usedBatches(adapter, data, opts)) {
      try {
        const prev: Tensor[] | null = acc;
        const next: Tensor[] = tf.tidy(() => {
          const terms = perBatch(b);
          return prev ? terms.map((t, i) => tf.add(prev[i], t)) : terms;
        });
        if (prev) tf.dispose(prev);
        acc = next;
        n += b.xs.shape[0];
      } finally {
        b.release();
      }
    }
  } catch (e) {
    if (acc) tf.dispose(acc);
    // An exhausted one-shot iterable reads as empty data on the second pass.
    if (e instanceof InvalidDataError && n === 0 && expectedN !== undefined) throw secondPassError(0, expectedN);
    throw e;
  }
  if (!acc || n === 0) throw new InvalidDataError(`the data set is empty: no examples to compute ${what} on`);
  if (expectedN !== undefined && n !== expectedN) {
    tf.dispose(acc);
    throw secondPassError(n, expectedN);
  }
  return { sums: acc, n };
}

/**
 * g = ∇θ L of the mean criterion over the used batches (see {@link GradientScoreOptions}): the
 * batches' gradients by the adapter's own backward, combined weighted by batch size.
 * `InvalidDataError` when no example is used.
 */
export async function meanCriterionGradient(adapter: ModelAdapter, data: DataSource, opts: ResolvedGradientOptions): Promise<MeanGradient> {
  const { sums, n } = await sumOverBatches(
    adapter,
    data,
    opts,
    (b) => {
      const w = batchWeight(opts.likelihood, b.xs.shape[0], adapter.outputDim);
      return meanNllGradients(adapter, opts.likelihood, b.xs, b.ys, 1).grads.map((g) => tf.mul(g, w));
    },
    'the gradient',
  );
  const grads = tf.tidy(() => sums.map((a) => tf.div(a, n)));
  tf.dispose(sums);
  return { grads, n };
}

/**
 * H v of the mean criterion over the used batches, with H the exact Hessian (not the GGN):
 * Σ_b R{∇θ L_b}[v] / N by {@link batchHessianVectorProduct}. `expectedN` (the example count of
 * an earlier pass, e.g. the one that produced v = g) must match, else `InvalidDataError` (data
 * that cannot be iterated twice).
 */
export async function meanCriterionHvp(
  adapter: ModelAdapter,
  data: DataSource,
  v: readonly Tensor[],
  opts: ResolvedGradientOptions,
  expectedN?: number,
): Promise<Tensor[]> {
  const { sums, n } = await sumOverBatches(
    adapter,
    data,
    opts,
    (b) => {
      const y = denseTargets(opts.likelihood, b.ys, b.xs.shape[0], adapter.outputDim);
      // int32/bool inputs are accepted as by the adapter's own forward (cast for the float chain GraSP supports).
      const xs = b.xs.dtype === 'float32' ? b.xs : tf.cast(b.xs, 'float32');
      return batchHessianVectorProduct(adapter, opts.likelihood, xs, y, v);
    },
    'the Hessian-vector product',
    expectedN,
  );
  const scale = opts.likelihood === 'classification' ? 1 / n : 1 / (n * adapter.outputDim);
  const out = tf.tidy(() => sums.map((a) => tf.mul(a, scale)));
  tf.dispose(sums);
  return out;
}

/** The typed error of data that yields another example count on a second pass (GraSP iterates twice). */
export function secondPassError(n: number, expectedN: number): InvalidDataError {
  return new InvalidDataError(
    `the data yielded ${n} examples on the second pass but ${expectedN} on the first: GraSP needs data it can iterate twice in the same order (tensors, an array of batches, or a tf.data.Dataset without reshuffling)`,
  );
}

// ---------------------------------------------------------------------------------------------
// The network with explicit parameters, a forward tangent (R{·}) and a second-order backward.
