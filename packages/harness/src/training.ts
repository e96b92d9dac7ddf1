/**
 * Runs one training of a comparison: builds the net, trains it with `marglikTraining` under the
 * run's schedule (timed, with a progress bar), lets the example measure the trained net, and
 * disposes the net, the Laplace and the prior.
 */
import type * as tf from '@tensorflow/tfjs';
import { marglikTraining, type MarglikTrainingOptions, type MarglikTrainingResult } from '@spam/laplace';
import { marglikOptions, type MarglikSchedule, type TrainingSpec } from './schedule.js';
import { trainingProgress } from './training-progress.js';

/** What {@link runMarglikTraining} needs. */
export interface MarglikRun<Row, M extends tf.LayersModel = tf.Sequential> {
  spec: TrainingSpec;
  schedule: MarglikSchedule;
  /** Builds the net from its seeded initial weights; it is disposed at the end. */
  buildModel: () => M;
  /** The training set (trained in batches of `schedule.batchSize`, in order). */
  data: { xs: tf.Tensor; ys: tf.Tensor };
  likelihood: MarglikTrainingOptions['likelihood'];
  /** Further `marglikTraining` options, e.g. `sigma` and `learnSigma` for regression. */
  options?: Partial<MarglikTrainingOptions>;
  /** Draws a progress bar, its label padded to this width; no bar when undefined. */
  progressLabelWidth?: number;
  /**
   * Measures the trained net while the returned Laplace and prior are alive; gives the row of
   * the training and the status of the bar's final line.
   */
  measure: (
    model: M,
    result: MarglikTrainingResult,
    trainMs: number,
  ) => { row: Row; status: string } | Promise<{ row: Row; status: string }>;
  /** Runs after the bar's final line, with the trained net (still alive). */
  afterFinish?: (model: M) => Promise<void>;
}

/**
 * Trains one net with `marglikTraining` (`map: spec.map`, curvature `spec.hessian`, prior
 * `spec.prior`, the schedule's epochs, F, K, B, learning rates and δ₀) and returns the row that
 * `measure` makes of it. `trainMs` is the wall time of `marglikTraining` (training, marglik
 * steps and the final refit).
 */
export async function runMarglikTraining<Row, M extends tf.LayersModel = tf.Sequential>(r: MarglikRun<Row, M>): Promise<Row> {
  const { spec, schedule: s } = r;
  const model = r.buildModel();
  const batchesPerEpoch = Math.ceil(r.data.xs.shape[0] / s.batchSize);
  const progress = r.progressLabelWidth !== undefined ? trainingProgress(spec, s, batchesPerEpoch, r.progressLabelWidth) : null;
  try {
    const t0 = performance.now();
    const result = await marglikTraining(
      model,
      { xs: r.data.xs, ys: r.data.ys, batchSize: s.batchSize },
      {
        likelihood: r.likelihood,
        ...marglikOptions(spec, s),
        ...r.options,
        onProgress: progress?.onProgress,
      },
    );
    const trainMs = performance.now() - t0;
    try {
      const { row, status } = await r.measure(model, result, trainMs);
      progress?.bar.finish(status);
      if (r.afterFinish) await r.afterFinish(model);
      return row;
    } finally {
      result.laplace.dispose();
      result.prior.dispose();
    }
  } finally {
    progress?.bar.finish();
    model.dispose();
  }
}
