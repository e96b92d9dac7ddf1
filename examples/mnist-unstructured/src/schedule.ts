/**
 * The trainings and schedules of the MNIST unstructured experiment: the paper's MNIST_FC config,
 * the default (shorter, fits in about 5 minutes on 2 cores with wasm) and a quick smoke test.
 */
import { applyScheduleOverrides, type MarglikSchedule, type ScheduleOverrides, type TrainingSpec } from '@spam/harness';
import { PAPER_SPARSITIES, type Criterion } from '@spam/prune';

export type ScheduleName = 'quick' | 'default' | 'paper';

/**
 * The three trainings: MAP (δ₀ = 1; its final Laplace is a diagonal GGN, used by OPD and OBD),
 * SpaM with a diagonal GGN and a parameter-wise prior, SpaM with KFAC and a unit-wise prior.
 */
export const TRAININGS: readonly TrainingSpec[] = [
  { name: 'map', map: true, hessian: 'diag', prior: 'scalar' },
  { name: 'diag+parameterwise', map: false, hessian: 'diag', prior: 'parameterwise' },
  { name: 'kron+unitwise', map: false, hessian: 'kron', prior: 'unitwise' },
];
export const TRAINING_NAMES: readonly string[] = TRAININGS.map((t) => t.name);

/** Every criterion, in table order. */
export const CRITERIA: readonly Criterion[] = ['opd', 'magnitude', 'obd', 'snip', 'grasp', 'synflow', 'random'];

/** A run's schedule: the training loop plus what is pruned and evaluated. */
export interface Schedule extends MarglikSchedule {
  trainings: string[];
  criteria: Criterion[];
  sparsities: number[];
  /** Examples of the training split (8,000 = all). */
  trainSize: number;
  /** Examples of the test split (2,000 = all). */
  testSize: number;
  /** Training examples SNIP and GraSP see (the first ones, in batches of 100). */
  scoreExamples: number;
  /** Prune biases too (the paper's code prunes all P parameters). Default false: kernels only. */
  includeBias: boolean;
  /** OPD's `kron` diagonal: `'exact'` (default) or the paper code's `'eigen'` projection. */
  kronDiagonal: 'exact' | 'eigen';
  /** Initial weights: tfjs's Glorot-uniform (default) or PyTorch's `nn.Linear` default. */
  init: 'glorot' | 'torch';
}

const ALL_T = [...TRAINING_NAMES];
const ALL_C = [...CRITERIA];
const GRID = [...PAPER_SPARSITIES];

/**
 * `paper`: the paper's MNIST_FC config (Adam 1e-3 constant, batch 64, 50 epochs, a marglik step
 * every epoch with K = 100 hyper steps, δ₀ = 1, B = 0). `default`: 20 epochs with a marglik step
 * every 2nd epoch (10 steps), the rest unchanged, so that the whole run takes about 4 minutes on
 * 2 cores with wasm. `quick`: 2,000 training digits, 3 epochs, K = 20 (a smoke test).
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
    trainings: ALL_T,
    criteria: ALL_C,
    sparsities: GRID,
    trainSize: 8000,
    testSize: 2000,
    scoreExamples: 1000,
    includeBias: false,
    kronDiagonal: 'exact',
    init: 'glorot',
  },
  default: {
    epochs: 20,
    batchSize: 64,
    lr: 1e-3,
    marglikEvery: 2,
    hyperSteps: 100,
    burnIn: 0,
    hyperLr: 0.1,
    priorPrecision: 1,
    trainings: ALL_T,
    criteria: ALL_C,
    sparsities: GRID,
    trainSize: 8000,
    testSize: 2000,
    scoreExamples: 1000,
    includeBias: false,
    kronDiagonal: 'exact',
    init: 'glorot',
  },
  quick: {
    epochs: 3,
    batchSize: 64,
    lr: 1e-3,
    marglikEvery: 1,
    hyperSteps: 20,
    burnIn: 0,
    hyperLr: 0.1,
    priorPrecision: 1,
    trainings: ALL_T,
    criteria: ALL_C,
    sparsities: GRID,
    trainSize: 2000,
    testSize: 2000,
    scoreExamples: 500,
    includeBias: false,
    kronDiagonal: 'exact',
    init: 'glorot',
  },
};

/** How a run picks its schedule. */
export interface ScheduleOptions extends ScheduleOverrides {
  quick?: boolean;
  paper?: boolean;
  trainings?: string[];
  criteria?: string[];
  sparsities?: number[];
  trainSize?: number;
  testSize?: number;
  scoreExamples?: number;
  includeBias?: boolean;
  kronDiagonal?: 'exact' | 'eigen';
  init?: 'glorot' | 'torch';
}

/** The schedule of a run: the named one with the overrides applied and checked. */
export function resolveSchedule(options: ScheduleOptions): { name: ScheduleName; schedule: Schedule } {
  if (options.quick && options.paper) throw new Error('--quick and --paper exclude each other');
  const name: ScheduleName = options.paper ? 'paper' : options.quick ? 'quick' : 'default';
  const base = SCHEDULES[name];
  const s: Schedule = { ...applyScheduleOverrides(base, options) };
  const pick = <T extends string>(given: string[] | undefined, all: readonly T[], what: string): T[] => {
    if (!given) return [...all];
    const unknown = given.filter((g) => !all.includes(g as T));
    if (unknown.length > 0 || given.length === 0) throw new Error(`unknown ${what} '${unknown.join(', ')}'; valid: ${all.join(', ')}`);
    return all.filter((a) => given.includes(a));
  };
  s.trainings = pick(options.trainings, TRAINING_NAMES, 'training');
  s.criteria = pick(options.criteria, CRITERIA, 'criterion');
  s.sparsities = options.sparsities ?? s.sparsities;
  for (const v of s.sparsities) if (!(v >= 0 && v < 1)) throw new Error(`sparsities must be in [0, 1), got ${v}`);
  for (const k of ['trainSize', 'testSize', 'scoreExamples'] as const) {
    const v = options[k] ?? s[k];
    if (!Number.isInteger(v) || v < 1) throw new Error(`${k} must be a positive integer, got ${v}`);
    s[k] = v;
  }
  s.includeBias = options.includeBias ?? s.includeBias;
  s.kronDiagonal = options.kronDiagonal ?? s.kronDiagonal;
  s.init = options.init ?? s.init;
  if (s.init !== 'glorot' && s.init !== 'torch') throw new Error(`init must be glorot or torch, got '${String(s.init)}'`);
  if (s.kronDiagonal !== 'exact' && s.kronDiagonal !== 'eigen')
    throw new Error(`kronDiagonal must be exact or eigen, got '${String(s.kronDiagonal)}'`);
  s.trainSize = Math.min(s.trainSize, 8000);
  s.testSize = Math.min(s.testSize, 2000);
  s.scoreExamples = Math.min(s.scoreExamples, s.trainSize);
  return { name, schedule: s };
}
