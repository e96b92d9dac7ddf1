import { InvalidOptionError } from '@spam/core';
import { checkSparsity } from '../masks/select.js';

/**
 * A sparsity target per step (for `marglikTraining` hooks, the step is the 1-based epoch). The
 * schedules made here raise `InvalidOptionError` when called with a step that is not a number or NaN.
 */
export type SparsitySchedule = (step: number) => number;

/** `InvalidOptionError` unless `v` is a non-negative safe integer (a step number). */
function checkStep(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new InvalidOptionError(
      `${name} must be a non-negative integer step, got ${typeof v === 'number' ? v : `${typeof v} ${String(v)}`}`,
    );
  }
  return v;
}

/** `InvalidOptionError` unless the step a schedule is called with is a number (±∞ allowed, NaN not). */
function checkCallStep(t: unknown): number {
  if (typeof t !== 'number' || Number.isNaN(t)) throw new InvalidOptionError(`a sparsity schedule needs a numeric step, got ${String(t)}`);
  return t;
}

/** Options of {@link polynomialSchedule} (tfmot's `PolynomialDecay`). */
export interface PolynomialScheduleOptions {
  /** Sparsity at `beginStep`. Default 0. */
  initialSparsity?: number;
  /** Sparsity from `endStep` on. */
  finalSparsity: number;
  /** First step that prunes. Default 0. */
  beginStep?: number;
  /** Step at which `finalSparsity` is reached. */
  endStep: number;
  /** Exponent p. Default 3. */
  power?: number;
}

/**
 * tfmot-style polynomial sparsity: s(t) = s_f + (s_i − s_f)·(1 − (t − t₀)/(t₁ − t₀))^p for
 * t₀ ≤ t ≤ t₁, 0 before t₀ and s_f after t₁. `InvalidOptionError` for sparsities outside [0, 1),
 * s_f < s_i, steps that are not non-negative integers with t₁ > t₀, a power that is not a finite
 * number > 0, or options that are not an object.
 */
export function polynomialSchedule(options: PolynomialScheduleOptions): SparsitySchedule {
  if (options === null || typeof options !== 'object')
    throw new InvalidOptionError('polynomialSchedule options must be an object {finalSparsity, endStep, …}');
  const si = checkSparsity(options.initialSparsity ?? 0, 'initialSparsity');
  const sf = checkSparsity(options.finalSparsity, 'finalSparsity');
  const t0 = checkStep(options.beginStep ?? 0, 'beginStep');
  const t1 = checkStep(options.endStep, 'endStep');
  const p = options.power ?? 3;
  if (!(t1 > t0)) throw new InvalidOptionError(`endStep (${t1}) must be after beginStep (${t0})`);
  if (typeof p !== 'number' || !(p > 0) || !Number.isFinite(p))
    throw new InvalidOptionError(`power must be a finite number > 0, got ${String(p)}`);
  if (sf < si) throw new InvalidOptionError(`finalSparsity (${sf}) must be ≥ initialSparsity (${si})`);
  return (t) => {
    checkCallStep(t);
    if (t < t0) return 0;
    if (t >= t1) return sf;
    return sf + (si - sf) * (1 - (t - t0) / (t1 - t0)) ** p;
  };
}

/**
 * One-shot: sparsity 0 before `step`, `sparsity` from `step` on. `InvalidOptionError` for a
 * sparsity outside [0, 1) or a step that is not a non-negative integer (NaN, ±∞, −1, 2.5, '3').
 */
export function oneShotSchedule(sparsity: number, step: number): SparsitySchedule {
  const s = checkSparsity(sparsity);
  const at = checkStep(step, 'step');
  return (t) => (checkCallStep(t) >= at ? s : 0);
}
