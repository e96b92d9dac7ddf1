/**
 * What a `spam` run does: data sets, model, trainings, schedule, criteria, sparsities and
 * structured removal, from a preset (`default`, `quick`, `paper`) plus flags. Every closed set
 * of values is listed here, so an unknown value can name the valid ones.
 */
import type { Criterion } from '@spam/prune';
import type { PriorStructure } from '@spam/priors';
import type { MarglikSchedule, TrainingSpec } from '@spam/harness';

export const PRESETS = ['default', 'quick', 'paper'] as const;
export type PresetName = (typeof PRESETS)[number];
export const MODELS = ['auto', 'mnist-fc', 'cancernet', 'lenet', 'mlp-reg', 'resnet', 'vit', 'mixer'] as const;
export type ModelName = (typeof MODELS)[number];
export const HESSIANS = ['kron', 'diag'] as const;
export const PRIORS: readonly PriorStructure[] = ['scalar', 'layerwise', 'unitwise', 'parameterwise'];
export const CURVATURES = ['ggn', 'mc', 'ef'] as const;
export const CRITERIA: readonly Criterion[] = ['opd', 'magnitude', 'obd', 'snip', 'grasp', 'synflow', 'random'];
export const UNIT_CRITERIA = ['opd', 'magnitude', 'random'] as const;
export const BACKENDS = ['auto', 'wasm', 'cpu', 'tensorflow'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

/** One training: MAP, or SpaM with a curvature structure and a prior (`name`: `'map'` or `'spam-<hessian>-<prior>'`). */
export type { TrainingSpec } from '@spam/harness';

/** The training loop of one data set: the examples' marglik schedule plus optional subset sizes. */
export interface Schedule extends MarglikSchedule {
  /** Examples kept (first N of each split); undefined = all. */
  trainSize?: number;
  testSize?: number;
}

/** A run's resolved configuration (what `report.json` records as `config`). */
export interface RunConfig {
  preset: PresetName;
  datasets: string[];
  model: ModelName;
  trainings: TrainingSpec[];
  curvature: (typeof CURVATURES)[number];
  criteria: Criterion[];
  sparsities: number[];
  /** Structured removal: fractions of units per layer (empty = off), unit criteria. */
  unitFractions: number[];
  unitCriteria: string[];
  /** Epochs each smaller model is fine-tuned after structured removal (0 = one-shot, no fine-tuning). */
  finetuneEpochs: number;
  /** Per data set schedule (after flags). */
  schedules: Record<string, Schedule>;
  /** SNIP / GraSP examples (first N training examples). */
  scoreExamples: number;
  seed: number;
  backend: BackendChoice;
  out: string;
  dataDir?: string;
  /** Tabular data: standardised (default) or raw features. */
  standardize: boolean;
  /** Worker threads running the trainings at the same time (`'auto'`: one per core; 1 = one after another). */
  jobs: number | 'auto';
}

export const DEFAULT_SPARSITIES = [0.2, 0.4, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99];

/** The trainings of a preset: MAP, SpaM diag + parameter-wise, SpaM kron + unit-wise (the paper's pair). */
export const DEFAULT_TRAININGS: readonly TrainingSpec[] = [
  { name: 'map', map: true, hessian: 'diag', prior: 'scalar' },
  { name: 'spam-diag-parameterwise', map: false, hessian: 'diag', prior: 'parameterwise' },
  { name: 'spam-kron-unitwise', map: false, hessian: 'kron', prior: 'unitwise' },
];

const base = { batchSize: 64, lr: 1e-3, burnIn: 0, hyperLr: 0.1, priorPrecision: 1 };

/**
 * Schedules per preset and data set. `paper`: the paper's configs (MNIST_FC and CancerNet: Adam 1e-3
 * constant, batch 64, 50 epochs, F = 1, K = 100, δ₀ = 1). `default`: shorter, chosen so the whole
 * default run (MNIST) takes under 5 minutes on 2 cores with wasm while SpaM's advantage at high
 * sparsity still shows (20 epochs, F = 2). `quick`: a smoke run under a minute.
 */
export const SCHEDULES: Record<PresetName, Record<string, Schedule>> = {
  paper: {
    mnist: { ...base, epochs: 50, marglikEvery: 1, hyperSteps: 100 },
    'breast-cancer': { ...base, epochs: 50, marglikEvery: 1, hyperSteps: 100 },
    digits: { ...base, epochs: 50, marglikEvery: 5, hyperSteps: 100 },
    diabetes: { ...base, epochs: 200, marglikEvery: 5, hyperSteps: 100 },
    'mnist-full': { ...base, epochs: 50, marglikEvery: 1, hyperSteps: 100 },
    'fashion-mnist': { ...base, batchSize: 128, epochs: 100, marglikEvery: 5, hyperSteps: 100 },
    cifar10: { ...base, batchSize: 128, epochs: 100, marglikEvery: 5, hyperSteps: 100 },
  },
  default: {
    mnist: { ...base, epochs: 20, marglikEvery: 2, hyperSteps: 100 },
    'breast-cancer': { ...base, epochs: 50, marglikEvery: 5, hyperSteps: 100 },
    digits: { ...base, epochs: 20, marglikEvery: 4, hyperSteps: 50 },
    diabetes: { ...base, epochs: 100, marglikEvery: 10, hyperSteps: 50 },
    'mnist-full': { ...base, epochs: 10, marglikEvery: 2, hyperSteps: 50 },
    'fashion-mnist': { ...base, epochs: 10, marglikEvery: 2, hyperSteps: 50 },
    cifar10: { ...base, epochs: 10, marglikEvery: 2, hyperSteps: 50 },
  },
  quick: {
    mnist: { ...base, epochs: 3, marglikEvery: 1, hyperSteps: 20, trainSize: 2000, testSize: 1000 },
    'breast-cancer': { ...base, epochs: 10, marglikEvery: 5, hyperSteps: 20 },
    digits: { ...base, epochs: 3, marglikEvery: 3, hyperSteps: 10, trainSize: 600 },
    diabetes: { ...base, epochs: 20, marglikEvery: 10, hyperSteps: 20 },
    'mnist-full': { ...base, epochs: 1, marglikEvery: 1, hyperSteps: 10, trainSize: 2000, testSize: 1000 },
    'fashion-mnist': { ...base, epochs: 1, marglikEvery: 1, hyperSteps: 10, trainSize: 2000, testSize: 1000 },
    cifar10: { ...base, epochs: 1, marglikEvery: 1, hyperSteps: 10, trainSize: 2000, testSize: 1000 },
  },
};

/** Default structured-removal fractions per preset (applied to MLPs and conv nets). */
export const UNIT_FRACTIONS: Record<PresetName, number[]> = {
  paper: [0.2, 0.4, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99],
  default: [0.25, 0.5, 0.75, 0.9],
  quick: [0.5, 0.9],
};

/**
 * Fine-tune epochs of each smaller model after structured removal, per preset (`--finetune-epochs`
 * overrides). `paper`: 10, the paper's MLPs (its LeNet and ResNet used 5). `default`: 2, short
 * enough for the default run's time budget (≈20 % more wall time on MNIST). `quick`: 1.
 */
export const FINETUNE_EPOCHS: Record<PresetName, number> = { paper: 10, default: 2, quick: 1 };

/** Default criteria per preset (quick skips the data-hungry GraSP). */
export const PRESET_CRITERIA: Record<PresetName, readonly Criterion[]> = {
  paper: CRITERIA,
  default: CRITERIA,
  quick: ['opd', 'magnitude', 'snip', 'synflow', 'random'],
};

/** Throws naming the valid values when `v` is not one of `valid`. */
export function oneOf<T extends string>(flag: string, v: string, valid: readonly T[]): T {
  if (!valid.includes(v as T)) throw new Error(`unknown ${flag} '${v}'; valid: ${valid.join(', ')}`);
  return v as T;
}

/** A comma-separated list, each item checked by {@link oneOf}. */
export function listOf<T extends string>(flag: string, v: string, valid: readonly T[]): T[] {
  const items = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (items.length === 0) throw new Error(`--${flag} needs at least one value; valid: ${valid.join(', ')}`);
  return items.map((i) => oneOf(flag, i, valid));
}

/** Fractions in [0, 1), comma-separated. */
export function fractions(flag: string, v: string): number[] {
  const xs = v.split(',').map((s) => (s.trim() === '' ? NaN : Number(s)));
  if (xs.length === 0 || xs.some((x) => !(x >= 0 && x < 1)))
    throw new Error(`--${flag} takes comma-separated fractions in [0, 1), got '${v}'`);
  return xs;
}

/** A training from `map` or `<hessian>+<prior>` / `spam-<hessian>-<prior>`. */
export function parseTraining(s: string): TrainingSpec {
  if (s === 'map') return DEFAULT_TRAININGS[0];
  const m = /^(?:spam-)?(kron|diag)[+-](scalar|layerwise|unitwise|parameterwise)$/.exec(s);
  if (!m)
    throw new Error(
      `unknown training '${s}'; valid: map or <hessian>+<prior> with hessian ${HESSIANS.join('|')} and prior ${PRIORS.join('|')} (e.g. kron+unitwise)`,
    );
  return { name: `spam-${m[1]}-${m[2]}`, map: false, hessian: m[1] as 'kron' | 'diag', prior: m[2] as PriorStructure };
}
