import { InvalidOptionError } from '@spam/core';
import { checkSparsity } from '../masks/select.js';

/** A sparsity target per step (for `marglikTraining` hooks, the step is the 1-based epoch). */
export type SparsitySchedule = (step: number) => number;

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
 * t₀ ≤ t ≤ t₁, 0 before t₀ and s_f after t₁.
 */
export function polynomialSchedule(options: PolynomialScheduleOptions): SparsitySchedule {
  const si = checkSparsity(options.initialSparsity ?? 0, 'initialSparsity');
  const sf = checkSparsity(options.finalSparsity, 'finalSparsity');
  const t0 = options.beginStep ?? 0;
  const t1 = options.endStep;
  const p = options.power ?? 3;
  if (!Number.isFinite(t0) || !Number.isFinite(t1) || !(t1 > t0)) throw new InvalidOptionError(`endStep (${t1}) must be after beginStep (${t0})`);
  if (!(p > 0) || !Number.isFinite(p)) throw new InvalidOptionError(`power must be a positive number, got ${p}`);
  if (sf < si) throw new InvalidOptionError(`finalSparsity (${sf}) must be ≥ initialSparsity (${si})`);
  return (t) => {
    if (t < t0) return 0;
    if (t >= t1) return sf;
    return sf + (si - sf) * (1 - (t - t0) / (t1 - t0)) ** p;
  };
}

/** One-shot: sparsity 0 before `step`, `sparsity` from `step` on. */
export function oneShotSchedule(sparsity: number, step: number): SparsitySchedule {
  const s = checkSparsity(sparsity);
  return (t) => (t >= step ? s : 0);
}
