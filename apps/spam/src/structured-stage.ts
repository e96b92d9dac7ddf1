/**
 * The structured stage of one training, the paper's protocol: for every unit criterion × unit
 * fraction, the lowest-scoring units are deleted, the smaller model is fine-tuned for
 * `--finetune-epochs` epochs (0 = one-shot) and measured: accuracy, NLL, ECE, Brier, params, MACs,
 * bytes, latency, all by `@spam/structured`'s `structuredProtocol`. Chains of Dense/Conv2D layers
 * (MLPs, LeNet) use its `'layer'` selection: the lowest fraction of units in each layer (the last
 * kept). Graph models (ResNet, ViT, Mixer: residual Adds, BatchNormalization, attention) use its
 * `'group'` selection: dependency groups ranked by the sum of their member unit scores, the lowest
 * fraction of each family removed.
 */
import type * as tf from '@tensorflow/tfjs';
import type { MarglikTrainingResult } from '@spam/laplace';
import { buildModelGraph, InvalidOptionError } from '@spam/core';
import { opdScores } from '@spam/prune';
import {
  magnitudeUnitScores,
  randomUnitScores,
  structuredProtocol,
  unitScores,
  type StructuredProtocolProgress,
  type UnitScores,
} from '@spam/structured';
import { ProgressBar } from '@spam/harness';
import { UNIT_CRITERIA, type RunConfig, type Schedule, type TrainingSpec } from './config.js';
import type { Dataset, StructuredRow } from './types.js';

/** What the stage needs from its training. */
export interface StructuredStageInput {
  data: Dataset;
  cfg: RunConfig;
  schedule: Schedule;
  spec: TrainingSpec;
  /** The trained model (not modified). */
  model: tf.LayersModel;
  /** The training's final Laplace and prior (OPD). */
  result: MarglikTrainingResult;
  /** Regression noise σ. */
  sigma: number;
  /** Progress label width; undefined = no progress bar. */
  labelWidth?: number;
  /** Throws to stop the stage (the run's interrupt); called between models and fine-tune epochs. */
  checkpoint: () => void;
}

/** One event-loop turn, so an abort can arrive between long synchronous steps. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * `InvalidOptionError` naming the flag unless the structured settings of `cfg` are usable: unit
 * criteria from {@link UNIT_CRITERIA}, unit fractions in [0, 1), fine-tune epochs an integer ≥ 0.
 * (`parseCli` refuses bad flags already; this guards configurations built in code.)
 */
export function checkStructuredConfig(cfg: Pick<RunConfig, 'unitCriteria' | 'unitFractions' | 'finetuneEpochs'>): void {
  if (!Array.isArray(cfg.unitCriteria) || cfg.unitCriteria.length === 0)
    throw new InvalidOptionError(`--unit-criteria needs at least one unit criterion; valid: ${UNIT_CRITERIA.join(', ')}`);
  for (const c of cfg.unitCriteria)
    if (!(UNIT_CRITERIA as readonly string[]).includes(c))
      throw new InvalidOptionError(`--unit-criteria: unknown unit criterion '${String(c)}'; valid: ${UNIT_CRITERIA.join(', ')}`);
  if (!Array.isArray(cfg.unitFractions))
    throw new InvalidOptionError('--unit-fractions must be a list of fractions in [0, 1) (the share of units removed per layer)');
  for (const r of cfg.unitFractions)
    if (typeof r !== 'number' || !(r >= 0 && r < 1))
      throw new InvalidOptionError(`--unit-fractions: ${String(r)} is not a fraction in [0, 1) (1 would empty every layer)`);
  if (!Number.isSafeInteger(cfg.finetuneEpochs) || cfg.finetuneEpochs < 0)
    throw new InvalidOptionError(`--finetune-epochs must be an integer ≥ 0 (0 = one-shot), got ${String(cfg.finetuneEpochs)}`);
}

/**
 * Whether `model` is removed by the chain rules (a chain of Dense/Conv2D and parameter-free
 * layers, as `pruneUnits` decides) rather than by dependency groups.
 */
export function isChainModel(model: tf.LayersModel): boolean {
  const graph = buildModelGraph(model);
  return graph.isChain && graph.nodes.every((n) => n.layer.kind === 'parametric' || n.layer.kind === 'op');
}

/** Unit scores of a criterion: OPD summed per unit from the training's Laplace and prior, L1 magnitude, or seeded random. */
function criterionUnitScores(c: string, model: tf.LayersModel, result: MarglikTrainingResult, seed: number): UnitScores {
  if (c === 'magnitude') return magnitudeUnitScores(model);
  if (c === 'random') return randomUnitScores(model, { seed });
  const opd = opdScores(result.laplace, result.prior);
  try {
    return unitScores(opd);
  } finally {
    opd.dispose();
  }
}

/** A protocol row (chain or group) as a report row. */
function reportRow(input: StructuredStageInput, r: NonNullable<StructuredProtocolProgress['row']>): StructuredRow {
  const { data, spec, cfg } = input;
  return {
    dataset: data.name,
    training: spec.name,
    criterion: r.criterion,
    unitFraction: r.fraction,
    seed: cfg.seed,
    ...(r.accuracy !== undefined ? { accuracy: r.accuracy, ece: r.ece, brier: r.brier } : { mse: r.mse }),
    nll: r.nll,
    paramsBefore: r.paramsBefore,
    paramsAfter: r.params,
    macsBefore: r.macsBefore,
    macsAfter: r.macs,
    latencyMs: r.latencyMs,
    bytes: r.bytes,
    fineTuneEpochs: r.fineTuneEpochs,
    ...(r.oneShot
      ? { oneShotNll: r.oneShot.nll, ...(r.oneShot.accuracy !== undefined ? { oneShotAccuracy: r.oneShot.accuracy } : {}) }
      : {}),
    ...(r.selection === 'group' ? { selection: 'group' as const, groupsRemoved: r.groupsRemoved, groupsTotal: r.groupsTotal } : {}),
  };
}

/**
 * Runs the protocol for one trained model and returns its structured rows (one per criterion ×
 * fraction): per layer for chains, by dependency groups for graphs (rows with `selection:
 * 'group'`). Fine-tuning: `trainEpoch` with a fresh Adam at the schedule's learning rate and batch
 * size, the MAP objective with δ₀ (mean NLL + ½δ₀‖θ‖²/N), seeded shuffles (the same for every
 * model). `InvalidOptionError` naming the flag for bad structured settings (before any work).
 */
export async function runStructuredStage(input: StructuredStageInput): Promise<StructuredRow[]> {
  const { data, cfg, schedule: s, model, result, sigma, checkpoint } = input;
  checkStructuredConfig(cfg);
  const chain = isChainModel(model);
  const scores: Record<string, UnitScores> = {};
  for (const c of cfg.unitCriteria) scores[c] = criterionUnitScores(c, model, result, cfg.seed);
  const total = cfg.unitCriteria.length * cfg.unitFractions.length;
  const label = (cfg.finetuneEpochs > 0 ? `prune+ft${cfg.finetuneEpochs}` : 'structured').padEnd(input.labelWidth ?? 0);
  const bar = input.labelWidth !== undefined ? new ProgressBar({ total, label, plainSteps: 2, width: 24 }) : null;
  const t0 = performance.now();
  const rows: StructuredRow[] = [];
  const options = {
    scores,
    fractions: cfg.unitFractions,
    selection: chain ? ('layer' as const) : ('group' as const),
    test: { xs: data.xTest, ys: data.yTest },
    train: { xs: data.xTrain, ys: data.yTrain },
    likelihood: data.likelihood,
    sigma,
    fineTune: { epochs: cfg.finetuneEpochs, lr: s.lr, batchSize: s.batchSize, seed: cfg.seed + 2, priorPrecision: s.priorPrecision },
    onProgress: async (p: StructuredProtocolProgress) => {
      await turn();
      checkpoint();
      const what = `${p.criterion} ${(p.fraction * 100).toFixed(0)}%`;
      if (p.stage === 'epoch') bar?.update(p.done, `${what} ft ${p.epoch! + 1}/${cfg.finetuneEpochs}`);
      if (p.stage !== 'done' || !p.row) return;
      rows.push(reportRow(input, p.row));
      bar?.update(p.done + 1, what);
    },
  };
  try {
    await structuredProtocol(model, options);
    bar?.finish(
      `${rows.length} models${chain ? '' : ' (by dependency groups)'}${cfg.finetuneEpochs > 0 ? `, fine-tuned ${cfg.finetuneEpochs} epochs each,` : ''} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  } finally {
    bar?.finish();
  }
  return rows;
}
