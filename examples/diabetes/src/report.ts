/** The printed report of the diabetes comparison: the run's setup, the tables and σ over the epochs. */
import { compact, fixed, formatTable, marglikStepCount } from '@spam/harness';
import type { DiabetesData } from './data.js';
import type { Activation } from './model.js';
import type { Schedule } from './schedule.js';
import type { TrainingRow } from './training.js';

/** The lines that describe a run before it trains: data, model and schedule. */
export function formatSetup(
  data: DiabetesData,
  splitSeed: number,
  activation: Activation,
  numParams: number,
  seed: number,
  s: Schedule,
): string[] {
  const k = marglikStepCount(s);
  return [
    `data: Diabetes (Efron et al. 2004), ${data.xTrain.shape[0]} train / ${data.xTest.shape[0]} test (seeded split, seed ${splitSeed}), ${data.numFeatures} inputs; ` +
      `inputs and target standardised with the training mean/std (target mean ${data.yMean.toFixed(2)}, std ${data.yStd.toFixed(2)})`,
    `model: MLP Dense ${data.numFeatures}-50-1 (${activation}), ${numParams} parameters, the same seeded initial weights (seed ${seed}) for every training`,
    `schedule: Adam lr ${s.lr} constant, batch ${s.batchSize}, ${s.epochs} epochs, Gaussian likelihood, δ₀ = ${s.priorPrecision}, σ₀ = ${s.sigma}; ` +
      `SpaM: a marglik step every F = ${s.marglikEvery} epochs (${k} steps), K = ${s.hyperSteps} Adam steps (lr ${s.hyperLr}) on log δ and log σ; MAP: σ fixed at ${s.sigma}, no marglik steps`,
  ];
}

/** The label of a row in the tables. */
const label = (r: TrainingRow) => (r.map ? 'MAP (σ = 1, δ₀)' : `SpaM ${r.name}`);

/** The result tables. */
export function formatRows(rows: TrainingRow[], yStd: number): string[] {
  const f = fixed;
  return [
    'Standardised target (z = (y − mean)/std of the training targets):',
    ...formatTable(
      ['training', 'σ', 'train MSE', 'test MSE', 'test NLL', 'log Z', 'δ min', 'δ geomean', 'δ max', 'time (s)'],
      rows.map((r) => [
        label(r),
        f(r.sigma, 4),
        f(r.train.mse, 4),
        f(r.test.mse, 4),
        f(r.test.nll, 4),
        f(r.logMarglik.logMarglik, 1),
        compact(r.precision.min),
        compact(r.precision.geomean),
        compact(r.precision.max),
        f(r.trainMs / 1000, 1),
      ]),
      1,
    ),
    '',
    `Original units (disease progression score; training std s_y = ${yStd.toFixed(2)}):`,
    ...formatTable(
      ['training', 'σ', 'test MSE', 'test RMSE', 'test NLL', 'log Z'],
      rows.map((r) => [
        label(r),
        f(r.sigmaOriginal, 2),
        f(r.test.mseOriginal, 1),
        f(r.test.rmseOriginal, 2),
        f(r.test.nllOriginal, 4),
        f(r.logMarglikOriginal, 1),
      ]),
      1,
    ),
    '',
    'log Z terms (standardised; log Z = log p(D|θ) − ½[log det P − Σ log δ + Σ δθ²]):',
    ...formatTable(
      ['training', 'log p(D|θ)', 'log det P', 'Σ log δ', 'Σ δθ²', 'log Z'],
      rows.map((r) => [
        label(r),
        f(r.logMarglik.logLikelihood, 2),
        f(r.logMarglik.logDetPosterior, 1),
        f(r.logMarglik.logDetPrior, 1),
        f(r.logMarglik.scatter, 2),
        f(r.logMarglik.logMarglik, 1),
      ]),
      1,
    ),
  ];
}

/** The lines after the trainings: the tables, the least-squares reference, σ over the epochs and the timings. */
export function formatResults(data: DiabetesData, rows: TrainingRow[], leastSquares: { trainMse: number; testMse: number }): string[] {
  const ls = leastSquares;
  const out = [
    '',
    `MAP vs SpaM on the ${data.xTest.shape[0]} test examples (log Z on the ${data.xTrain.shape[0]} training examples, from the Laplace refitted at the final weights with the final σ):`,
    ...formatRows(rows, data.yStd),
    '',
    `reference, ordinary least squares (linear, with intercept): test MSE ${ls.testMse.toFixed(4)} standardised = ${(ls.testMse * data.yStd ** 2).toFixed(1)} ` +
      `(RMSE ${Math.sqrt(ls.testMse * data.yStd ** 2).toFixed(2)}) in original units; residual std on the training set ${Math.sqrt(ls.trainMse).toFixed(4)} (${(Math.sqrt(ls.trainMse) * data.yStd).toFixed(2)})`,
  ];
  for (const r of rows.filter((x) => !x.map)) {
    const h = r.sigmaHistory;
    const pick = [0, Math.floor(h.length / 4), Math.floor(h.length / 2), Math.floor((3 * h.length) / 4), h.length - 1].filter(
      (i, j, a) => a.indexOf(i) === j,
    );
    out.push(`σ of SpaM ${r.name} after epochs ${pick.map((i) => `${i + 1}: ${h[i].toFixed(3)}`).join(', ')}`);
  }
  out.push(
    `timings: ${rows.map((r) => `${r.name} ${(r.trainMs / 1000).toFixed(1)} s`).join(', ')}; all ${(rows.reduce((a, r) => a + r.trainMs, 0) / 1000).toFixed(1)} s`,
  );
  return out;
}
