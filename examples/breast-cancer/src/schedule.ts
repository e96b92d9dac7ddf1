/**
 * The trainings of the breast-cancer comparison and their schedules: the paper's CancerNet
 * config, the default (fewer marglik steps) and a quick smoke-test schedule.
 */
import { applyScheduleOverrides, type MarglikSchedule, type ScheduleOverrides, type TrainingSpec } from '@spam/harness';

export type ScheduleName = 'quick' | 'default' | 'paper';

/** Every training the example knows, in table order. */
export const TRAININGS: readonly TrainingSpec[] = [
  { name: 'map', map: true, hessian: 'kron', prior: 'scalar' },
  { name: 'kron+scalar', map: false, hessian: 'kron', prior: 'scalar' },
  { name: 'kron+layerwise', map: false, hessian: 'kron', prior: 'layerwise' },
  { name: 'kron+unitwise', map: false, hessian: 'kron', prior: 'unitwise' },
  { name: 'diag+parameterwise', map: false, hessian: 'diag', prior: 'parameterwise' },
  { name: 'kron+parameterwise', map: false, hessian: 'kron', prior: 'parameterwise' },
];

/** The names of {@link TRAININGS}, in table order. */
export const TRAINING_NAMES: readonly string[] = TRAININGS.map((t) => t.name);

/** The training schedule (shared by every training of a run). */
export interface Schedule extends MarglikSchedule {
  /** Names of the trainings (from {@link TRAININGS}). */
  trainings: string[];
}

const ALL = [...TRAINING_NAMES];

/**
 * `paper`: the SpaM paper's CancerNet config (Adam 1e-3 constant, batch 64, 50 epochs, F = 1,
 * K = 100, B = 0, δ₀ = 1). `default`: the same but a marglik step every 5 epochs (10 instead of 50
 * marglik steps), so that the six trainings take about 3 minutes on a 2-core machine. `quick`:
 * 10 epochs, F = 5, K = 20, four trainings (a smoke test, a few seconds).
 */
export const SCHEDULES: Readonly<Record<ScheduleName, Schedule>> = {
  paper: {
    epochs: 50,
    batchSize: 64,
    lr: 1e-3,
    marglikEvery: 1,
    hyperSteps: 100,
    burnIn: 0,
    hyperLr: 0.1,
    priorPrecision: 1,
    trainings: ALL,
  },
  default: {
    epochs: 50,
    batchSize: 64,
    lr: 1e-3,
    marglikEvery: 5,
    hyperSteps: 100,
    burnIn: 0,
    hyperLr: 0.1,
    priorPrecision: 1,
    trainings: ALL,
  },
  quick: {
    epochs: 10,
    batchSize: 64,
    lr: 1e-3,
    marglikEvery: 5,
    hyperSteps: 20,
    burnIn: 0,
    hyperLr: 0.1,
    priorPrecision: 1,
    trainings: ['map', 'kron+layerwise', 'kron+unitwise', 'diag+parameterwise'],
  },
};

/** How a run picks its schedule. */
export interface ScheduleOptions extends ScheduleOverrides {
  /** Short schedule for smoke tests (see {@link SCHEDULES}). Default false. */
  quick?: boolean;
  /** The paper's full schedule (F = 1). Default false. */
  paper?: boolean;
  /** Subset of {@link TRAININGS} by name, in table order. */
  trainings?: string[];
}

/** The schedule of a run: the named one, with the overrides applied and checked. */
export function resolveSchedule(options: ScheduleOptions): { name: ScheduleName; schedule: Schedule } {
  if (options.quick && options.paper) throw new Error('--quick and --paper exclude each other');
  const name: ScheduleName = options.paper ? 'paper' : options.quick ? 'quick' : 'default';
  const base = SCHEDULES[name];
  const schedule: Schedule = { ...applyScheduleOverrides(base, options), trainings: options.trainings ?? base.trainings };
  const unknown = schedule.trainings.filter((t) => !ALL.includes(t));
  if (unknown.length > 0) throw new Error(`unknown training(s) ${unknown.join(', ')}; known: ${ALL.join(', ')}`);
  if (schedule.trainings.length === 0) throw new Error('no training selected');
  schedule.trainings = ALL.filter((t) => schedule.trainings.includes(t));
  return { name, schedule };
}
