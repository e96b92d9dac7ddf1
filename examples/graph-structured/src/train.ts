/**
 * One model's SpaM training: the net from its seeded initial weights (BatchNormalization moving
 * statistics set from the training digits), `marglikTraining` with a unit-wise prior, then its unit
 * scores — OPD θ²·diag(P) from the final Laplace and learned prior, summed per unit (`unitScores`),
 * and seeded random scores per unit (`randomUnitScores`, the baseline).
 */
import type * as tf from '@tensorflow/tfjs';
import { marglikOptions, buildResnet, buildVit, calibrateBatchNorm } from '@spam/harness';
import { marglikTraining, type MarglikProgress } from '@spam/laplace';
import { opdScores } from '@spam/prune';
import { randomUnitScores, unitScores, type UnitScores } from '@spam/structured';
import type { DigitTensors } from './data.js';
import { MODEL_TRAININGS, type GraphModel, type Schedule, type ScheduleOptions, type UnitCriterion } from './schedule.js';

/** A trained net (owned by the caller: dispose it) and its unit scores (host memory). */
export interface TrainedModel {
  model: tf.LayersModel;
  training: string;
  scores: Record<UnitCriterion, UnitScores>;
  /** Wall time (ms) of `marglikTraining` and of the unit scores. */
  trainMs: number;
  scoreMs: number;
  /** Learned prior precisions δ. */
  precision: { min: number; max: number; geomean: number };
}

/** The net of `name` with seeded initial weights (`resnet`/`vit` options, e.g. smaller widths, for tests). */
export function buildGraphModel(name: GraphModel, seed: number, options: Pick<ScheduleOptions, 'resnet' | 'vit'> = {}): tf.LayersModel {
  return name === 'resnet' ? buildResnet({ ...options.resnet, seed }) : buildVit({ ...options.vit, seed });
}

/** Trains `name` with SpaM on the training digits and scores its units; `onProgress` sees `marglikTraining`'s events. */
export async function trainAndScore(
  name: GraphModel,
  data: DigitTensors,
  s: Schedule,
  seed: number,
  options: Pick<ScheduleOptions, 'resnet' | 'vit'> & { onProgress?: (p: MarglikProgress) => void } = {},
): Promise<TrainedModel> {
  const spec = MODEL_TRAININGS[name];
  const model = buildGraphModel(name, seed, options);
  try {
    calibrateBatchNorm(model, data.xTrain);
    const t0 = performance.now();
    const result = await marglikTraining(
      model,
      { xs: data.xTrain, ys: data.yTrain, batchSize: s.batchSize, shuffle: seed },
      { likelihood: 'classification', ...marglikOptions(spec, s), seed: seed + 1, onProgress: options.onProgress },
    );
    const trainMs = performance.now() - t0;
    try {
      const t1 = performance.now();
      const opd = opdScores(result.laplace, result.prior);
      let opdUnits: UnitScores;
      try {
        opdUnits = unitScores(opd);
      } finally {
        opd.dispose();
      }
      const scores = { opd: opdUnits, random: randomUnitScores(model, { seed: seed + 2 }) };
      return { model, training: spec.name, scores, trainMs, scoreMs: performance.now() - t1, precision: result.prior.summary() };
    } finally {
      result.laplace.dispose();
      result.prior.dispose();
    }
  } catch (e) {
    model.dispose();
    throw e;
  }
}
