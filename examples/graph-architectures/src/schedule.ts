/**
 * The models, trainings and schedules of the graph-architectures example: for each architecture,
 * MAP vs SpaM (the ViT with a diagonal GGN and a parameter-wise prior, as the paper does for
 * transformers; the ResNet and the Mixer also with KFAC and a unit-wise prior), then OPD,
 * magnitude and SNIP at 80/90/95/99 %.
 */
import {
  applyScheduleOverrides,
  ARCHITECTURE_NAMES,
  type ArchitectureName,
  type MarglikSchedule,
  type ScheduleOverrides,
  type TrainingSpec,
} from '@spam/harness';
import type { Criterion } from '@spam/prune';
import { MNIST_TEST, MNIST_TRAIN } from './data.js';

export type ScheduleName = 'quick' | 'default';

const MAP: TrainingSpec = { name: 'map', map: true, hessian: 'diag', prior: 'scalar' };
const DIAG: TrainingSpec = { name: 'diag+parameterwise', map: false, hessian: 'diag', prior: 'parameterwise' };
const KRON: TrainingSpec = { name: 'kron+unitwise', map: false, hessian: 'kron', prior: 'unitwise' };

/** Every training by name. */
export const TRAININGS: Readonly<Record<string, TrainingSpec>> = { map: MAP, 'diag+parameterwise': DIAG, 'kron+unitwise': KRON };

/** The trainings each architecture runs by default. */
export const MODEL_TRAININGS: Readonly<Record<ArchitectureName, readonly string[]>> = {
  resnet: ['map', 'kron+unitwise'],
  vit: ['map', 'diag+parameterwise'],
  mixer: ['map', 'diag+parameterwise', 'kron+unitwise'],
};

/** The criteria compared (issue 11: OPD vs magnitude vs SNIP). */
export const CRITERIA: readonly Criterion[] = ['opd', 'magnitude', 'snip'];
/** The sparsities compared. */
export const SPARSITIES: readonly number[] = [0.8, 0.9, 0.95, 0.99];

/** The schedule of one architecture. */
export interface ModelSchedule extends MarglikSchedule {
  /** First N training digits (at most 8,000). */
  trainSize: number;
  /** First N test digits (at most 2,000). */
  testSize: number;
  /** Training digits SNIP sees. */
  scoreExamples: number;
}

/** A run's schedule: the architectures, their trainings and loops, criteria and sparsities. */
export interface Schedule {
  models: ArchitectureName[];
  trainings: Record<ArchitectureName, TrainingSpec[]>;
  perModel: Record<ArchitectureName, ModelSchedule>;
  criteria: Criterion[];
  sparsities: number[];
}

const base = { batchSize: 64, lr: 1e-3, burnIn: 0, hyperLr: 0.1, priorPrecision: 1, scoreExamples: 500 };

/**
 * `default`: sized for a 2-core machine with wasm (measured times in the README). The Mixer trains
 * on the whole 8,000 / 2,000 split; the ResNet and the ViT on the first 2,000 / 1,000 digits, 10
 * epochs with 2 marglik steps, because an exact diagonal GGN fit costs about 10× a training epoch for them (10 output
 * vectors per example through the graph): every marglik step and the final Laplace pay for it.
 * `quick`: a smoke run on 500 / 300 digits, 1 epoch.
 */
export const SCHEDULES: Readonly<Record<ScheduleName, Record<ArchitectureName, ModelSchedule>>> = {
  default: {
    resnet: { ...base, epochs: 10, marglikEvery: 5, hyperSteps: 50, trainSize: 2000, testSize: 1000 },
    vit: { ...base, epochs: 10, marglikEvery: 5, hyperSteps: 50, trainSize: 2000, testSize: 1000 },
    mixer: { ...base, epochs: 10, marglikEvery: 2, hyperSteps: 100, trainSize: MNIST_TRAIN, testSize: MNIST_TEST },
  },
  quick: {
    resnet: { ...base, epochs: 1, marglikEvery: 1, hyperSteps: 5, trainSize: 500, testSize: 300, scoreExamples: 100 },
    vit: { ...base, epochs: 1, marglikEvery: 1, hyperSteps: 5, trainSize: 500, testSize: 300, scoreExamples: 100 },
    mixer: { ...base, epochs: 1, marglikEvery: 1, hyperSteps: 5, trainSize: 500, testSize: 300, scoreExamples: 100 },
  },
};

/** How a run picks its schedule. */
export interface ScheduleOptions extends ScheduleOverrides {
  quick?: boolean;
  models?: string[];
  /** Trainings for every chosen model (default: each model's own list). */
  trainings?: string[];
  criteria?: string[];
  sparsities?: number[];
  trainSize?: number;
  testSize?: number;
  scoreExamples?: number;
}

function pick<T extends string>(given: readonly string[] | undefined, all: readonly T[], what: string): T[] | undefined {
  if (given === undefined) return undefined;
  const unknown = given.filter((g) => !all.includes(g as T));
  if (unknown.length > 0 || given.length === 0) throw new Error(`unknown ${what} '${unknown.join(', ')}'; valid: ${all.join(', ')}`);
  return all.filter((a) => given.includes(a));
}

/** The schedule of a run: the named one with the options applied and checked. */
export function resolveSchedule(options: ScheduleOptions = {}): { name: ScheduleName; schedule: Schedule } {
  const name: ScheduleName = options.quick ? 'quick' : 'default';
  const models = pick(options.models, ARCHITECTURE_NAMES, 'model') ?? [...ARCHITECTURE_NAMES];
  const trainingNames = pick(options.trainings, Object.keys(TRAININGS), 'training');
  const criteria = pick(options.criteria, CRITERIA, 'criterion') ?? [...CRITERIA];
  const sparsities = options.sparsities ?? [...SPARSITIES];
  if (sparsities.length === 0 || sparsities.some((v) => !(v >= 0 && v < 1)))
    throw new Error(`sparsities must be fractions in [0, 1), got [${sparsities.join(', ')}]`);
  const perModel = {} as Record<ArchitectureName, ModelSchedule>;
  const trainings = {} as Record<ArchitectureName, TrainingSpec[]>;
  for (const m of ARCHITECTURE_NAMES) {
    const s = applyScheduleOverrides(SCHEDULES[name][m], options);
    for (const k of ['trainSize', 'testSize', 'scoreExamples'] as const) {
      const v = options[k] ?? s[k];
      if (!Number.isInteger(v) || v < 1) throw new Error(`${k} must be a positive integer, got ${v}`);
      s[k] = v;
    }
    s.trainSize = Math.min(s.trainSize, MNIST_TRAIN);
    s.testSize = Math.min(s.testSize, MNIST_TEST);
    s.scoreExamples = Math.min(s.scoreExamples, s.trainSize);
    perModel[m] = s;
    trainings[m] = (trainingNames ?? MODEL_TRAININGS[m]).map((t) => TRAININGS[t]);
  }
  return { name, schedule: { models, trainings, perModel, criteria, sparsities } };
}
