/**
 * One training of the diabetes comparison: the MLP from the seeded initial weights, trained by
 * `marglikTraining` with a Gaussian likelihood (MAP with σ fixed, or SpaM learning σ) and
 * measured on both splits, in standardised and original target units.
 */
import { buildModelAdapter, evaluate, type RegressionMetrics } from '@spam/core';
import { logMarginalLikelihoodTerms, type LogMarglikTerms } from '@spam/laplace';
import { runMarglikTraining, type TrainingSpec } from '@spam/harness';
import type { DiabetesData } from './data.js';
import { buildNet, type Activation } from './model.js';
import type { Schedule } from './schedule.js';

/** Metrics on one split, in standardised and original target units. */
export interface SplitMetrics {
  /** Mean squared error, standardised target. */
  mse: number;
  /** Mean Gaussian NLL per example with the training's σ, standardised target. */
  nll: number;
  /** The same in the original units (disease progression score): MSE·s_y², NLL + log s_y. */
  mseOriginal: number;
  rmseOriginal: number;
  nllOriginal: number;
}

/** The result of one training. */
export interface TrainingRow extends TrainingSpec {
  train: SplitMetrics;
  test: SplitMetrics;
  /** Final σ: learned (SpaM) or fixed at 1 (MAP), standardised units. */
  sigma: number;
  /** σ in the original units (σ · s_y). */
  sigmaOriginal: number;
  /** σ after each epoch (standardised). */
  sigmaHistory: number[];
  /** log Z and its terms (standardised targets), from the final Laplace and prior. */
  logMarglik: LogMarglikTerms;
  /** log Z of the original-unit targets: log Z − N·log s_y. */
  logMarglikOriginal: number;
  precision: { min: number; max: number; geomean: number };
  trainMs: number;
}

function splitMetrics(m: RegressionMetrics, yStd: number): SplitMetrics {
  const mseOriginal = m.mse * yStd * yStd;
  return { mse: m.mse, nll: m.nll, mseOriginal, rmseOriginal: Math.sqrt(mseOriginal), nllOriginal: m.nll + Math.log(yStd) };
}

/** Trains one net from the seeded initial weights and measures it. `labelWidth` undefined: no progress bar. */
export async function runTraining(
  spec: TrainingSpec,
  data: DiabetesData,
  s: Schedule,
  seed: number,
  activation: Activation,
  labelWidth: number | undefined,
): Promise<TrainingRow> {
  return runMarglikTraining({
    spec,
    schedule: s,
    buildModel: () => buildNet(data.numFeatures, seed, activation),
    data: { xs: data.xTrain, ys: data.yTrain },
    likelihood: 'regression',
    options: { sigma: s.sigma, learnSigma: !spec.map },
    progressLabelWidth: labelWidth,
    measure: (model, result, trainMs) => {
      const sigmaHistory = result.history.map((h) => h.sigma ?? s.sigma);
      const adapter = buildModelAdapter(model);
      const sigma = result.sigma;
      const train = evaluate(adapter, 'regression', data.xTrain, data.yTrain, { sigma }) as RegressionMetrics;
      const test = evaluate(adapter, 'regression', data.xTest, data.yTest, { sigma }) as RegressionMetrics;
      const logMarglik = logMarginalLikelihoodTerms(result.laplace, result.prior);
      const row: TrainingRow = {
        name: spec.name,
        map: spec.map,
        hessian: spec.hessian,
        prior: spec.prior,
        train: splitMetrics(train, data.yStd),
        test: splitMetrics(test, data.yStd),
        sigma,
        sigmaOriginal: sigma * data.yStd,
        sigmaHistory,
        logMarglik,
        logMarglikOriginal: logMarglik.logMarglik - data.xTrain.shape[0] * Math.log(data.yStd),
        precision: result.prior.summary(),
        trainMs,
      };
      return {
        row,
        status: `test MSE ${test.mse.toFixed(3)} σ ${sigma.toFixed(3)} log Z ${logMarglik.logMarglik.toFixed(1)} ${(trainMs / 1000).toFixed(1)}s`,
      };
    },
  });
}
