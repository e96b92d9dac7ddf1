/**
 * What the digits structured experiment trains, prunes and measures: the two trainings, the three
 * unit criteria, the unit fractions, and the schedules (default, about 2–3 minutes on 2 cores
 * with wasm, and a quick smoke test).
 */
import { applyScheduleOverrides, type MarglikSchedule, type ScheduleOverrides, type TrainingSpec } from '@spam/harness';
import { PAPER_SPARSITIES } from '@spam/prune';

export type ScheduleName = 'quick' | 'default';

/**
 * The two trainings, from the same seeded initial weights: MAP (δ₀ = 1, no marglik steps; its
 * final Laplace is KFAC too, so OPD is defined for it) and SpaM with KFAC and a parameter-wise
 * prior (the paper's LeNet structured experiment: KronLaplace + `diagonal` prior).
 */
export const TRAININGS: readonly TrainingSpec[] = [
  { name: 'map', map: true, hessian: 'kron', prior: 'scalar' },
  { name: 'kron+parameterwise', map: false, hessian: 'kron', prior: 'parameterwise' },
];
export const TRAINING_NAMES: readonly string[] = TRAININGS.map((t) => t.name);

/** The unit criteria: OPD summed per unit, L1 norm per unit, seeded uniform random. */
export const CRITERIA = ['opd', 'magnitude', 'random'] as const;
export type UnitCriterion = (typeof CRITERIA)[number];

/** A run's schedule: the training loop, the pruning grid, the fine-tune and the latency measurement. */
export interface Schedule extends MarglikSchedule {
  trainings: string[];
  criteria: UnitCriterion[];
  /** Fractions of the units removed from every layer but the last (per layer, ⌊n·r⌋). */
  fractions: number[];
  /** Fine-tune epochs of each pruned model (0 = none). */
  finetuneEpochs: number;
  /** Training images used (1,437 = all). */
  trainSize: number;
  /** Test images used (360 = all); also the batch the latency is measured on. */
  testSize: number;
  /** Latency: untimed warm-up calls, then timed calls (the median is reported). */
  latencyWarmup: number;
  latencyRepeats: number;
}

const ALL_T = [...TRAINING_NAMES];
const ALL_C = [...CRITERIA];
const GRID = [...PAPER_SPARSITIES];

/**
 * `default`: Adam 1e-3 constant, batch 64, 25 epochs, a marglik step every F = 5 epochs with
 * K = 100 hyper steps (the paper's LeNet F and K), δ₀ = 1, exact GGN; 3 fine-tune epochs per
 * pruned model. `quick`: 400 training images, 3 epochs, F = 1, K = 10, 1 fine-tune epoch.
 */
export const SCHEDULES: Readonly<Record<ScheduleName, Schedule>> = {
  default: {
    epochs: 25,
    batchSize: 64,
    lr: 1e-3,
    marglikEvery: 5,
    hyperSteps: 100,
    burnIn: 0,
    hyperLr: 0.1,
    priorPrecision: 1,
    trainings: ALL_T,
    criteria: ALL_C,
    fractions: GRID,
    finetuneEpochs: 3,
    trainSize: 1437,
    testSize: 360,
    latencyWarmup: 3,
    latencyRepeats: 15,
  },
  quick: {
    epochs: 3,
    batchSize: 64,
    lr: 1e-3,
    marglikEvery: 1,
    hyperSteps: 10,
    burnIn: 0,
    hyperLr: 0.1,
    priorPrecision: 1,
    trainings: ALL_T,
    criteria: ALL_C,
    fractions: GRID,
    finetuneEpochs: 1,
    trainSize: 400,
    testSize: 360,
    latencyWarmup: 2,
    latencyRepeats: 5,
  },
};

/** How a run picks its schedule. */
export interface ScheduleOptions extends ScheduleOverrides {
  quick?: boolean;
  trainings?: string[];
  criteria?: string[];
  fractions?: number[];
  finetuneEpochs?: number;
  trainSize?: number;
  testSize?: number;
  latencyRepeats?: number;
}

/** The schedule of a run: the named one with the overrides applied and checked. */
export function resolveSchedule(options: ScheduleOptions): { name: ScheduleName; schedule: Schedule } {
  const name: ScheduleName = options.quick ? 'quick' : 'default';
  const s: Schedule = { ...applyScheduleOverrides(SCHEDULES[name], options) };
  const pick = <T extends string>(given: string[] | undefined, all: readonly T[], what: string): T[] => {
    if (!given) return [...all];
    const unknown = given.filter((g) => !all.includes(g as T));
    if (unknown.length > 0 || given.length === 0) throw new Error(`unknown ${what} '${unknown.join(', ')}'; valid: ${all.join(', ')}`);
    return all.filter((a) => given.includes(a));
  };
  s.trainings = pick(options.trainings, TRAINING_NAMES, 'training');
  s.criteria = pick(options.criteria, CRITERIA, 'criterion');
  if (options.fractions) {
    if (options.fractions.length === 0) throw new Error('fractions must not be empty');
    for (const v of options.fractions) if (!(v > 0 && v < 1)) throw new Error(`unit fractions must be in (0, 1), got ${v}`);
    s.fractions = [...new Set(options.fractions)].sort((a, b) => a - b);
  }
  for (const [k, min] of [
    ['finetuneEpochs', 0],
    ['trainSize', 1],
    ['testSize', 1],
    ['latencyRepeats', 1],
  ] as const) {
    const v = options[k] ?? s[k];
    if (!Number.isInteger(v) || v < min) throw new Error(`${k} must be an integer >= ${min}, got ${v}`);
    s[k] = v;
  }
  s.trainSize = Math.min(s.trainSize, 1437);
  s.testSize = Math.min(s.testSize, 360);
  return { name, schedule: s };
}
