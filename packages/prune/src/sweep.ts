import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import {
  assertFinite,
  buildModelAdapter,
  checkLikelihood,
  evaluate,
  InvalidDataError,
  InvalidOptionError,
  NonFiniteError,
  type ClassificationMetrics,
  type LikelihoodName,
  type ModelLike,
  type RegressionMetrics,
} from '@spam/core';
import type { ParamScores } from './scores/scores.js';
import { assertSameParams } from './masks/mask.js';
import { checkSparsity, scoreMask } from './masks/select.js';

/** The paper's sparsity grid: 20, 40, 60, 70, 75, 80, 85, 90, 95, 99 %. */
export const PAPER_SPARSITIES: readonly number[] = [0.2, 0.4, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99];

/** Options of {@link sparsitySweep}. */
export interface SweepOptions {
  likelihood: LikelihoodName;
  /** Evaluation data (e.g. the test split). */
  data: { xs: Tensor; ys: Tensor };
  /** Sparsities to evaluate. Default {@link PAPER_SPARSITIES}. */
  sparsities?: readonly number[];
  /** `'global'` (default) or `'layer'` masks. */
  scope?: 'global' | 'layer';
  /** Also prune biases. Default false. */
  includeBias?: boolean;
  /** Regression noise σ for the Gaussian NLL. Default 1. */
  sigma?: number;
  /** Evaluation batch size. Default 1024. */
  batchSize?: number;
  /** Called after every evaluated point. */
  onProgress?: (p: { done: number; total: number; row: SweepRow }) => void;
}

/** `InvalidOptionError` for a bad scope, includeBias, sigma, batchSize or onProgress (before any work). */
function checkSweepOptions(o: SweepOptions): void {
  if (o.scope !== undefined && o.scope !== 'global' && o.scope !== 'layer')
    throw new InvalidOptionError(`scope must be 'global' or 'layer', got ${String(o.scope)}`);
  if (o.includeBias !== undefined && typeof o.includeBias !== 'boolean')
    throw new InvalidOptionError(`includeBias must be a boolean, got ${String(o.includeBias)}`);
  if (o.sigma !== undefined && (typeof o.sigma !== 'number' || !(o.sigma > 0) || !Number.isFinite(o.sigma))) {
    throw new InvalidOptionError(`sigma must be a finite number > 0, got ${String(o.sigma)}`);
  }
  if (o.batchSize !== undefined && (typeof o.batchSize !== 'number' || !Number.isSafeInteger(o.batchSize) || o.batchSize < 1)) {
    throw new InvalidOptionError(`batchSize must be a positive integer, got ${String(o.batchSize)}`);
  }
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw new InvalidOptionError('onProgress must be a function');
}

/** One sweep point: criterion × sparsity with the pruned model's metrics. */
export type SweepRow = { criterion: string; sparsity: number; pruned: number } & (ClassificationMetrics | RegressionMetrics);

/**
 * One-shot pruning sweep without retraining: for every score set and sparsity, the model's trained
 * weights are masked (exact counts, {@link scoreMask}) and evaluated; the weights are restored
 * afterwards (also on error), so every point starts from the same trained weights. No row is
 * computed from NaN: `InvalidDataError` names `data.xs` / `data.ys` when they hold NaN/±∞ (checked
 * before anything runs), `NonFiniteError` names the criterion and sparsity whose masked model
 * gives non-finite outputs. Bad options raise `InvalidOptionError`; nothing leaks on error.
 */
export function sparsitySweep(model: ModelLike, scores: ParamScores | readonly ParamScores[], options: SweepOptions): SweepRow[] {
  if (options === null || typeof options !== 'object')
    throw new InvalidOptionError('sparsitySweep options must be an object {likelihood, data, …}');
  const likelihood = checkLikelihood(options.likelihood);
  const sets = Array.isArray(scores) ? (scores as readonly ParamScores[]) : [scores as ParamScores];
  if (sets.length === 0) throw new InvalidOptionError('sparsitySweep needs at least one score set');
  const sparsities = options.sparsities ?? PAPER_SPARSITIES;
  if (!Array.isArray(sparsities))
    throw new InvalidOptionError(`sparsities must be an array of numbers in [0, 1), got ${typeof sparsities}`);
  if (sparsities.length === 0) throw new InvalidOptionError('sparsities must not be empty');
  sparsities.forEach((s, i) => checkSparsity(s, `sparsities[${i}]`));
  checkSweepOptions(options);
  const { xs, ys } = options.data ?? ({} as { xs?: Tensor; ys?: Tensor });
  if (!xs || !ys || xs.shape?.[0] === 0)
    throw new InvalidDataError('sparsitySweep needs evaluation data { xs, ys } with at least one example');
  assertFinite(xs, 'sparsitySweep data.xs');
  assertFinite(ys, 'sparsitySweep data.ys');
  const adapter = buildModelAdapter(model, { logits: likelihood === 'classification' });
  for (const s of sets) assertSameParams(adapter.params, s.params, `'${s.criterion}' scores`);
  const originals = adapter.params.map((p) => tf.clone(p.variable.read()));
  const rows: SweepRow[] = [];
  const total = sets.length * sparsities.length;
  try {
    for (const s of sets) {
      for (const sparsity of sparsities) {
        const mask = scoreMask(s, { sparsity, scope: options.scope, includeBias: options.includeBias });
        const keep = mask.toTensors();
        adapter.params.forEach((p, i) => {
          const next = tf.mul(originals[i], keep[i]);
          p.variable.write(next);
          next.dispose();
        });
        tf.dispose(keep);
        let metrics: ClassificationMetrics | RegressionMetrics;
        try {
          metrics = evaluate(adapter, likelihood, xs, ys, { sigma: options.sigma, batchSize: options.batchSize });
        } catch (e) {
          if (e instanceof NonFiniteError)
            throw new NonFiniteError(`sparsitySweep, '${s.criterion}' scores at sparsity ${sparsity}: ${e.message}`);
          throw e;
        }
        const row = { criterion: s.criterion, sparsity, pruned: mask.numPruned, ...metrics };
        rows.push(row);
        options.onProgress?.({ done: rows.length, total, row });
      }
    }
  } finally {
    adapter.params.forEach((p, i) => p.variable.write(originals[i]));
    tf.dispose(originals);
  }
  return rows;
}
