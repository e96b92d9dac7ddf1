/**
 * One training of the breast-cancer comparison: CancerNet from the seeded initial weights,
 * trained by `marglikTraining` (MAP or SpaM) and measured on both splits.
 */
import type * as tf from '@tensorflow/tfjs';
import { buildModelAdapter, evaluate, type ClassificationMetrics } from '@spam/core';
import { logMarginalLikelihoodTerms, type LogMarglikTerms } from '@spam/laplace';
import { runMarglikTraining, type TrainingSpec } from '@spam/harness';
import type { BreastCancerData } from './data.js';
import { buildCancerNet } from './model.js';
import type { Schedule } from './schedule.js';

/** The result of one training. */
export interface TrainingRow extends TrainingSpec {
  /** Metrics of the final net (softmax of the logits; ECE: 10 bins). */
  train: ClassificationMetrics;
  test: ClassificationMetrics;
  /**
   * log Z and its terms, from the Laplace refitted by `marglikTraining` at the final weights and
   * the returned prior (for MAP: the MAP net under its δ₀ prior).
   */
  logMarglik: LogMarglikTerms;
  /** δ over all parameters after training. */
  precision: { min: number; max: number; geomean: number };
  /** δ per parameter tensor (`fc1/kernel`, `fc1/bias`, …). */
  precisionPerTensor: Array<{ name: string; min: number; max: number; geomean: number }>;
  /** log Z after each marglik step (epoch, value). */
  logMarglikHistory: Array<{ epoch: number; logMarglik: number }>;
  /** Mean training loss (NLL + ½Σδθ²/N) of the last epoch. */
  finalLoss: number;
  /** Wall time of `marglikTraining` (training, marglik steps and the final refit) in ms. */
  trainMs: number;
  /** Set when the training threw (then every number is NaN). */
  error?: string;
}

/**
 * Trains one net from the seeded initial weights and measures it; calls `atTrainedNet` with the
 * trained model (after its progress bar is done). `labelWidth` undefined: no progress bar.
 */
export async function runTraining(
  spec: TrainingSpec,
  data: BreastCancerData,
  s: Schedule,
  seed: number,
  labelWidth: number | undefined,
  atTrainedNet?: (model: tf.Sequential) => Promise<void>,
): Promise<TrainingRow> {
  return runMarglikTraining({
    spec,
    schedule: s,
    buildModel: () => buildCancerNet(data.numFeatures, seed),
    data: { xs: data.xTrain, ys: data.yTrain },
    likelihood: 'classification',
    progressLabelWidth: labelWidth,
    afterFinish: atTrainedNet,
    measure: (model, result, trainMs) => {
      const adapter = buildModelAdapter(model, { logits: true });
      const train = evaluate(adapter, 'classification', data.xTrain, data.yTrain) as ClassificationMetrics;
      const test = evaluate(adapter, 'classification', data.xTest, data.yTest) as ClassificationMetrics;
      const logMarglik = logMarginalLikelihoodTerms(result.laplace, result.prior);
      const last = result.history[result.history.length - 1];
      const row: TrainingRow = {
        name: spec.name,
        map: spec.map,
        hessian: spec.hessian,
        prior: spec.prior,
        train,
        test,
        logMarglik,
        precision: result.prior.summary(),
        precisionPerTensor: result.prior.summaryPerTensor(),
        logMarglikHistory: result.history
          .filter((h) => h.logMarglik !== undefined)
          .map((h) => ({ epoch: h.epoch, logMarglik: h.logMarglik! })),
        finalLoss: last.loss,
        trainMs,
      };
      return {
        row,
        status: `acc ${(test.accuracy * 100).toFixed(2)}% log Z ${logMarglik.logMarglik.toFixed(1)} ${(trainMs / 1000).toFixed(1)}s`,
      };
    },
  });
}

const NAN_METRICS: ClassificationMetrics = { accuracy: NaN, nll: NaN, brier: NaN, ece: NaN };

/** The row of a training that threw (NaN metrics, the error message). */
export function failedRow(spec: TrainingSpec, e: Error): TrainingRow {
  return {
    name: spec.name,
    map: spec.map,
    hessian: spec.hessian,
    prior: spec.prior,
    train: NAN_METRICS,
    test: NAN_METRICS,
    logMarglik: { logMarglik: NaN, logLikelihood: NaN, scatter: NaN, logDetPrior: NaN, logDetPosterior: NaN },
    precision: { min: NaN, max: NaN, geomean: NaN },
    precisionPerTensor: [],
    logMarglikHistory: [],
    finalLoss: NaN,
    trainMs: NaN,
    error: `${e.name}: ${e.message}`,
  };
}
