/** The trainings of the diabetes comparison and their schedules (default and quick). */
import { applyScheduleOverrides, type MarglikSchedule, type ScheduleOverrides, type TrainingSpec } from '@spam/harness';

/** The trainings, in table order; MAP has no marglik steps, δ = δ₀ and σ fixed at 1. */
export const TRAININGS: readonly TrainingSpec[] = [
  { name: 'map', map: true, hessian: 'kron', prior: 'scalar' },
  { name: 'kron+layerwise', map: false, hessian: 'kron', prior: 'layerwise' },
  { name: 'diag+parameterwise', map: false, hessian: 'diag', prior: 'parameterwise' },
];

/** The training schedule shared by every training of a run. */
export interface Schedule extends MarglikSchedule {
  /** Initial σ (standardised units); MAP keeps it. */
  sigma: number;
}

/** `default`: 300 epochs, F = 5, K = 50; `quick`: 40 epochs, F = 5, K = 20. */
export const SCHEDULES: Readonly<Record<'default' | 'quick', Schedule>> = {
  default: { epochs: 300, batchSize: 32, lr: 1e-3, marglikEvery: 5, hyperSteps: 50, burnIn: 0, hyperLr: 0.1, priorPrecision: 1, sigma: 1 },
  quick: { epochs: 40, batchSize: 32, lr: 1e-3, marglikEvery: 5, hyperSteps: 20, burnIn: 0, hyperLr: 0.1, priorPrecision: 1, sigma: 1 },
};

/** How a run picks its schedule. */
export interface ScheduleOptions extends ScheduleOverrides {
  /** Short schedule. Default false. */
  quick?: boolean;
}

/** The schedule with overrides applied and checked. */
export function resolveSchedule(options: ScheduleOptions): Schedule {
  return applyScheduleOverrides(options.quick ? SCHEDULES.quick : SCHEDULES.default, options);
}
