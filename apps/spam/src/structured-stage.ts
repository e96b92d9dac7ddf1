/**
 * The structured stage of one training, the paper's protocol (`@spam/structured`'s
 * `structuredProtocol`): for every unit criterion × unit fraction, the lowest-scoring fraction of
 * units in each layer (the last kept) is deleted, the smaller model is fine-tuned for
 * `--finetune-epochs` epochs (0 = one-shot) and measured: accuracy, NLL, ECE, Brier, params, MACs,
 * bytes, latency.
 */
import type * as tf from '@tensorflow/tfjs';
import type { MarglikTrainingResult } from '@spam/laplace';
import { opdScores } from '@spam/prune';
import { magnitudeUnitScores, randomUnitScores, structuredProtocol, unitScores, type UnitScores } from '@spam/structured';
import { ProgressBar } from '@spam/harness';
import type { RunConfig, Schedule, TrainingSpec } from './config.js';
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

/**
 * Runs the protocol for one trained model and returns its structured rows (one per criterion ×
 * fraction). Fine-tuning: `trainEpoch` with a fresh Adam at the schedule's learning rate and batch
 * size, the MAP objective with δ₀ (mean NLL + ½δ₀‖θ‖²/N), seeded shuffles (the same for every model).
 */
export async function runStructuredStage(input: StructuredStageInput): Promise<StructuredRow[]> {
  const { data, cfg, schedule: s, spec, model, result, sigma, checkpoint } = input;
  const scores: Record<string, UnitScores> = {};
  for (const c of cfg.unitCriteria) scores[c] = criterionUnitScores(c, model, result, cfg.seed);
  const total = cfg.unitCriteria.length * cfg.unitFractions.length;
  const label = (cfg.finetuneEpochs > 0 ? `prune+ft${cfg.finetuneEpochs}` : 'structured').padEnd(input.labelWidth ?? 0);
  const bar = input.labelWidth !== undefined ? new ProgressBar({ total, label, plainSteps: 2, width: 24 }) : null;
  const t0 = performance.now();
  const rows: StructuredRow[] = [];
  try {
    await structuredProtocol(model, {
      scores,
      fractions: cfg.unitFractions,
      test: { xs: data.xTest, ys: data.yTest },
      train: { xs: data.xTrain, ys: data.yTrain },
      likelihood: data.likelihood,
      sigma,
      fineTune: { epochs: cfg.finetuneEpochs, lr: s.lr, batchSize: s.batchSize, seed: cfg.seed + 2, priorPrecision: s.priorPrecision },
      onProgress: async (p) => {
        await turn();
        checkpoint();
        const what = `${p.criterion} ${(p.fraction * 100).toFixed(0)}%`;
        if (p.stage === 'epoch') bar?.update(p.done, `${what} ft ${p.epoch! + 1}/${cfg.finetuneEpochs}`);
        if (p.stage !== 'done' || !p.row) return;
        const r = p.row;
        rows.push({
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
        });
        bar?.update(p.done + 1, what);
      },
    });
    bar?.finish(
      `${rows.length} models${cfg.finetuneEpochs > 0 ? `, fine-tuned ${cfg.finetuneEpochs} epochs each,` : ''} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  } finally {
    bar?.finish();
  }
  return rows;
}
