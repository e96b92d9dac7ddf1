/**
 * What the examples compare: one {@link TrainingSpec} per training (MAP or SpaM with a curvature
 * and a prior structure), all run with the same {@link MarglikSchedule}.
 */
import type { PriorStructure } from '@spam/priors';

/** One training of a comparison. */
export interface TrainingSpec {
  /** `'map'` or `<hessian>+<prior>`, e.g. `'kron+layerwise'`. */
  name: string;
  /** MAP: the same loop without marglik steps (δ = δ₀). */
  map: boolean;
  /** Curvature structure of the marglik steps and of the final Laplace. */
  hessian: 'kron' | 'diag';
  prior: PriorStructure;
}

/** The training schedule shared by every training of a run (the `marglikTraining` options). */
export interface MarglikSchedule {
  epochs: number;
  batchSize: number;
  /** Adam learning rate of the weights (constant). */
  lr: number;
  /** F: a marglik step every F epochs. */
  marglikEvery: number;
  /** K: hyper steps per marglik step. */
  hyperSteps: number;
  /** B: burn-in epochs. */
  burnIn: number;
  /** Adam learning rate of the hyperparameters (log-precisions, and log σ for regression). */
  hyperLr: number;
  /** Initial prior precision δ₀. */
  priorPrecision: number;
}

/** The schedule overrides every example accepts (from `--epochs`, `--marglik-every`, `--hyper-steps`). */
export interface ScheduleOverrides {
  epochs?: number;
  marglikEvery?: number;
  hyperSteps?: number;
}

/**
 * `base` with the overrides applied; throws unless epochs ≥ 1, marglikEvery ≥ 1 and
 * hyperSteps ≥ 0 are integers.
 */
export function applyScheduleOverrides<S extends MarglikSchedule>(base: S, overrides: ScheduleOverrides): S {
  const schedule: S = {
    ...base,
    epochs: overrides.epochs ?? base.epochs,
    marglikEvery: overrides.marglikEvery ?? base.marglikEvery,
    hyperSteps: overrides.hyperSteps ?? base.hyperSteps,
  };
  for (const [k, min] of [
    ['epochs', 1],
    ['marglikEvery', 1],
    ['hyperSteps', 0],
  ] as const) {
    const v = schedule[k];
    if (!Number.isInteger(v) || v < min) throw new Error(`${k} must be an integer >= ${min}, got ${v}`);
  }
  return schedule;
}

/** Number of marglik steps `marglikTraining` takes with this schedule. */
export function marglikStepCount(s: MarglikSchedule): number {
  if (s.hyperSteps === 0) return 0;
  let n = 0;
  for (let e = s.burnIn + 1; e <= s.epochs; e++) if ((e - s.burnIn) % s.marglikEvery === 0) n++;
  return n;
}

/** The `marglikTraining` options of one training under a schedule (everything but the likelihood, data and progress). */
export function marglikOptions(spec: TrainingSpec, s: MarglikSchedule) {
  return {
    structure: spec.hessian,
    prior: spec.prior,
    map: spec.map,
    priorPrecision: s.priorPrecision,
    epochs: s.epochs,
    marglikEvery: s.marglikEvery,
    hyperSteps: s.hyperSteps,
    burnIn: s.burnIn,
    lr: s.lr,
    hyperLr: s.hyperLr,
  };
}
