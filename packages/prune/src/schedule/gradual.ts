import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { assertModelUsable, buildModelAdapter, InvalidOptionError, type ModelLike, type ParamBlock } from '@spam/core';
import type { KronPriorMode, MarglikHooks, MarglikStepState } from '@spam/laplace';
import { opdScores } from '../scores/opd.js';
import type { KronDiagonal } from '../scores/precision.js';
import { scoredParams } from '../scores/scores.js';
import { Mask } from '../masks/mask.js';
import { applyMask } from '../masks/apply.js';
import { checkSparsity, pruneCount, scoreMask } from '../masks/select.js';
import type { SparsitySchedule } from './polynomial.js';

/** Options of {@link gradualPruning}. */
export interface GradualPruningOptions {
  /** Target sparsity per epoch, evaluated at each marglik step. */
  schedule: SparsitySchedule;
  /** `'global'` (default) or `'layer'`. */
  scope?: 'global' | 'layer';
  /** Also prune biases. Default false. */
  includeBias?: boolean;
  /** `kron` diagonal of the posterior precision: `'exact'` (default) or `'projected'`. */
  kronPrior?: KronPriorMode;
  /** @deprecated Use `kronPrior` (`'eigen'` is `'projected'`). */
  kronDiagonal?: KronDiagonal;
  /** Called after each pruning event. */
  onPrune?: (event: { epoch: number; sparsity: number; pruned: number }) => void;
}

/**
 * Gradual OPD pruning during `marglikTraining`: at each marglik step the target s(epoch) of the
 * schedule is read; if it grew, OPD is recomputed from that step's Laplace and learned prior and
 * the lowest-scored weights are pruned (earlier pruned entries stay pruned). Between steps the
 * mask is re-applied after every optimizer step. Pass it as `hooks` and dispose it afterwards.
 */
export class GradualPruning implements MarglikHooks {
  private readonly model: ModelLike;
  private readonly params: readonly ParamBlock[];
  private readonly options: GradualPruningOptions;
  private current: Mask;
  private keep: Tensor[] | null = null;
  /** Pruning events so far. */
  readonly events: Array<{ epoch: number; sparsity: number; pruned: number }> = [];

  /**
   * `InvalidOptionError` for options that are not an object, a schedule or onPrune that is not a
   * function, or a bad scope / includeBias / kronDiagonal; `DisposedError` for a disposed model.
   */
  constructor(model: ModelLike, options: GradualPruningOptions) {
    assertModelUsable(model);
    checkGradualOptions(options);
    this.model = model;
    this.options = options;
    this.params = buildModelAdapter(model).params;
    this.current = Mask.ones(scoredParams(this.params));
  }

  /** The mask in force. */
  get mask(): Mask {
    return this.current;
  }

  /** Re-applies the current mask (after every optimizer step). */
  afterBatch = (): void => {
    if (!this.keep) return;
    this.params.forEach((p, i) => {
      const next = tf.tidy(() => tf.mul(p.variable.read(), this.keep![i]));
      p.variable.write(next);
      next.dispose();
    });
  };

  /**
   * Re-scores with OPD and prunes to the schedule's target when it grew. `InvalidOptionError`
   * naming the epoch when the schedule returns a sparsity outside [0, 1) (NaN, 1, −0.1, …).
   */
  afterMarglikStep = (state: MarglikStepState): void => {
    const target = checkSparsity(this.options.schedule(state.epoch), `the schedule's sparsity at epoch ${state.epoch}`);
    const pruned = this.current.numPruned;
    // The count scoreMask will prune (⌊P·s⌋, or Σ_l ⌊P_l·s⌋ per layer): an event only when it grows.
    const sizes = new Map<string, number>();
    for (const p of this.current.params) {
      if (p.role !== 'kernel' && !this.options.includeBias) continue;
      const key = this.options.scope === 'layer' ? p.layerName : '';
      sizes.set(key, (sizes.get(key) ?? 0) + p.size);
    }
    if (!(target > 0) || [...sizes.values()].reduce((a, n) => a + pruneCount(n, target), 0) <= pruned) return;
    const scores = opdScores(state.laplace, state.prior, { kronPrior: this.options.kronPrior, kronDiagonal: this.options.kronDiagonal });
    try {
      this.current = scoreMask(scores, {
        sparsity: target,
        scope: this.options.scope,
        includeBias: this.options.includeBias,
        previous: this.current,
      });
    } finally {
      scores.dispose();
    }
    tf.dispose(this.keep ?? []);
    this.keep = this.current.toTensors();
    applyMask(this.model, this.current);
    const event = { epoch: state.epoch, sparsity: target, pruned: this.current.numPruned };
    this.events.push(event);
    this.options.onPrune?.(event);
  };

  /** Frees the mask tensors. */
  dispose(): void {
    tf.dispose(this.keep ?? []);
    this.keep = null;
  }
}

function checkGradualOptions(o: GradualPruningOptions): void {
  if (o === null || typeof o !== 'object') throw new InvalidOptionError('gradualPruning options must be an object {schedule, …}');
  if (typeof o.schedule !== 'function')
    throw new InvalidOptionError('gradualPruning needs a schedule: a function step → sparsity (polynomialSchedule, oneShotSchedule)');
  if (o.scope !== undefined && o.scope !== 'global' && o.scope !== 'layer')
    throw new InvalidOptionError(`scope must be 'global' or 'layer', got ${String(o.scope)}`);
  if (o.includeBias !== undefined && typeof o.includeBias !== 'boolean')
    throw new InvalidOptionError(`includeBias must be a boolean, got ${String(o.includeBias)}`);
  if (o.kronDiagonal !== undefined && o.kronDiagonal !== 'exact' && o.kronDiagonal !== 'eigen') {
    throw new InvalidOptionError(`kronDiagonal must be 'exact' or 'eigen', got ${String(o.kronDiagonal)}`);
  }
  if (o.onPrune !== undefined && typeof o.onPrune !== 'function') throw new InvalidOptionError('onPrune must be a function');
}

/** Creates a {@link GradualPruning} hook set for `marglikTraining`. */
export function gradualPruning(model: ModelLike, options: GradualPruningOptions): GradualPruning {
  return new GradualPruning(model, options);
}
