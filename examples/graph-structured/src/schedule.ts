/**
 * The models, trainings and schedules of the graph-structured example: the ResNet-style CNN (KFAC,
 * unit-wise prior) and the SimpleViT (diagonal GGN as in the architectures example, unit-wise
 * prior), each pruned by dependency groups at a few fractions, ranked by OPD and by random scores.
 */
import {
  applyScheduleOverrides,
  type MarglikSchedule,
  type ResnetOptions,
  type ScheduleOverrides,
  type TrainingSpec,
  type VitOptions,
} from '@spam/harness';

/** The two graph models of the example. */
export const GRAPH_MODELS = ['resnet', 'vit'] as const;
export type GraphModel = (typeof GRAPH_MODELS)[number];

/** Unit criteria: OPD unit sums of the SpaM model, and seeded random unit scores (baseline). */
export const UNIT_CRITERIA = ['opd', 'random'] as const;
export type UnitCriterion = (typeof UNIT_CRITERIA)[number];

/** SpaM training per model: a unit-wise prior (so the OPD unit sums are meaningful) with the architectures example's curvature. */
export const MODEL_TRAININGS: Readonly<Record<GraphModel, TrainingSpec>> = {
  resnet: { name: 'spam-kron-unitwise', map: false, hessian: 'kron', prior: 'unitwise' },
  vit: { name: 'spam-diag-unitwise', map: false, hessian: 'diag', prior: 'unitwise' },
};

/** Everything a run does. */
export interface Schedule extends MarglikSchedule {
  models: GraphModel[];
  /** Fractions of each family's prunable groups removed (channels of a layer or residual stream, heads, MLP units). */
  sparsities: number[];
  /** The first N digits of the fixed 8,000 / 2,000 split. */
  trainSize: number;
  testSize: number;
  /** Fine-tune epochs of each pruned model (0 = none). */
  finetuneEpochs: number;
  /** Latency: timed `predict` calls (median) after 2 warm-ups, on a batch of the first `latencyBatch` test digits. */
  latencyRepeats: number;
  latencyBatch: number;
}

export type ScheduleName = 'default' | 'long';

const base = { batchSize: 64, lr: 1e-3, burnIn: 0, hyperLr: 0.1, priorPrecision: 1, latencyRepeats: 15, latencyBatch: 256 };

/** The named schedules: `default` fits a loaded 2-core machine in minutes; `long` is closer to the paper. */
export const SCHEDULES: Readonly<Record<ScheduleName, Omit<Schedule, 'models'>>> = {
  default: {
    ...base,
    trainSize: 1000,
    testSize: 1000,
    epochs: 4,
    marglikEvery: 2,
    hyperSteps: 20,
    finetuneEpochs: 2,
    sparsities: [0.25, 0.5, 0.75],
  },
  long: {
    ...base,
    trainSize: 8000,
    testSize: 2000,
    epochs: 10,
    marglikEvery: 5,
    hyperSteps: 50,
    finetuneEpochs: 5,
    sparsities: [0.25, 0.5, 0.75, 0.9],
  },
};

/** How a run picks its schedule (every field overrides the named schedule's). */
export interface ScheduleOptions extends ScheduleOverrides {
  long?: boolean;
  models?: string[];
  sparsities?: number[];
  trainSize?: number;
  testSize?: number;
  finetuneEpochs?: number;
  latencyRepeats?: number;
  latencyBatch?: number;
  /** Smaller nets (tests): options passed to `buildResnet` / `buildVit` besides the seed. */
  resnet?: Omit<ResnetOptions, 'seed'>;
  vit?: Omit<VitOptions, 'seed'>;
}

/** The schedule of a run: the named one with the options applied and checked. */
export function resolveSchedule(options: ScheduleOptions = {}): { name: ScheduleName; schedule: Schedule } {
  const name: ScheduleName = options.long ? 'long' : 'default';
  const models = options.models ?? [...GRAPH_MODELS];
  const unknown = models.filter((m) => !(GRAPH_MODELS as readonly string[]).includes(m));
  if (models.length === 0 || unknown.length > 0)
    throw new Error(`unknown model '${unknown.join(', ')}'; valid: ${GRAPH_MODELS.join(', ')}`);
  const s: Schedule = { ...applyScheduleOverrides(SCHEDULES[name], options), models: GRAPH_MODELS.filter((m) => models.includes(m)) };
  s.sparsities = options.sparsities ?? s.sparsities;
  if (s.sparsities.length === 0 || s.sparsities.some((v) => !(v > 0 && v < 1)))
    throw new Error(`sparsities must be fractions in (0, 1), got [${s.sparsities.join(', ')}]`);
  for (const [k, min] of [
    ['trainSize', 1],
    ['testSize', 1],
    ['finetuneEpochs', 0],
    ['latencyRepeats', 1],
    ['latencyBatch', 1],
  ] as const) {
    const v = options[k] ?? s[k];
    if (!Number.isSafeInteger(v) || v < min) throw new Error(`${k} must be an integer >= ${min}, got ${v}`);
    s[k] = v;
  }
  s.trainSize = Math.min(s.trainSize, 8000);
  s.testSize = Math.min(s.testSize, 2000);
  return { name, schedule: s };
}
