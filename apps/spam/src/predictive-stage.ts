/**
 * Calibration of the unstructured OPD sweep (issue 15): for each OPD sparsity (and the unpruned
 * network) the reliability bins of the point estimate and, for SpaM trainings (classification),
 * the GLM predictive with probit link of the pruned network — pruned weights fixed at zero, so
 * without posterior variance — as sweep rows with criterion `'opd-glm'` (NLL, ECE, Brier,
 * accuracy), plus rows `'opd-glm-tuned'`: the same posterior with a temperature T (Σ → T·Σ)
 * chosen by NLL on the last examples of the training split (never the test split; the training saw them). The posterior
 * is a diagonal GGN Laplace with the learned prior: exact for a pruning mask and cheap (the
 * training's own Laplace when it is diagonal, else one diagonal fit).
 */
import * as tf from '@tensorflow/tfjs';
import { buildModelAdapter } from '@spam/core';
import { fitLaplace, glmPredictiveDistribution, probitLink, type BaseLaplace, type MarglikTrainingResult } from '@spam/laplace';
import type { Prior } from '@spam/priors';
import { scoreMask, type Mask, type ParamScores } from '@spam/prune';
import type { Dataset, ResultRow } from './types.js';
import { GLM_CRITERION, GLM_TUNED_CRITERION, probabilityMetrics } from './report/calibration.js';

/** What the stage needs from the training. */
export interface PredictiveStageArgs {
  data: Dataset;
  model: tf.LayersModel;
  training: string;
  /** MAP training: point-estimate bins only. */
  map: boolean;
  result: MarglikTrainingResult;
  opd: ParamScores;
  sparsities: readonly number[];
  seed: number;
  batchSize: number;
  curvature: 'ggn' | 'mc' | 'ef';
  /** Throws when the run was interrupted. */
  checkpoint: () => void;
}

/** Reliability bins of the point estimate (added to the matching sweep rows by the caller) and the GLM rows. */
export interface PredictiveStageResult {
  /** Point-estimate bins and metrics per sparsity (0 = unpruned). */
  point: Array<{ sparsity: number } & ReturnType<typeof probabilityMetrics>>;
  /** `opd-glm` and `opd-glm-tuned` sweep rows (SpaM trainings only). */
  glm: ResultRow[];
}

/** Temperatures the tuned rows choose from: 10^(−4 … 1) in quarter decades (T → 0 is the point estimate, T = 1 the posterior). */
export const TEMPERATURE_GRID: readonly number[] = Array.from({ length: 21 }, (_, i) => 10 ** (-4 + i / 4));

/** Training examples held out for the temperature: the last min(500, ⌊N/10⌋) of the training split (none below 10). */
export function tuningSplitSize(nTrain: number): number {
  const n = Math.min(500, Math.floor(nTrain / 10));
  return n >= 10 ? n : 0;
}

/** Mean NLL of integer labels under class probabilities `[M, K]`. */
function meanNll(probs: ArrayLike<number>, labels: ArrayLike<number>, k: number): number {
  let s = 0;
  for (let i = 0; i < labels.length; i++) s -= Math.log(Math.max(probs[i * k + labels[i]], 1e-12));
  return s / labels.length;
}

/**
 * The temperature T of `grid` whose probit predictive softmax(f_mu/√(1 + π/8·T·f_var_kk)) has the
 * lowest mean NLL on the labels (the first on ties): f_var scales linearly in T, so one GLM
 * distribution serves every candidate.
 */
export function tuneTemperature(
  fMu: tf.Tensor,
  fVar: tf.Tensor,
  labels: ArrayLike<number>,
  grid: readonly number[] = TEMPERATURE_GRID,
): number {
  const k = fMu.shape[1] as number;
  let best = { t: grid[0], nll: Infinity };
  for (const t of grid) {
    const p = tf.tidy(() => probitLink(fMu, tf.mul(fVar, t)).dataSync());
    const nll = meanNll(p, labels, k);
    if (nll < best.nll) best = { t, nll };
  }
  return best.t;
}

/** GLM distribution of `x` under the posterior (learned prior, mask). */
function glm(la: BaseLaplace, model: tf.LayersModel, x: tf.Tensor, prior: Prior, mask: Mask | null, batchSize: number) {
  return glmPredictiveDistribution(la, model, x, { prior, mask: mask ?? undefined, batchSize });
}

/**
 * Runs the stage for one training: restores the trained weights afterwards (also on errors) and
 * disposes the diagonal Laplace it fitted; throws what `checkpoint` throws when interrupted.
 */
export async function runPredictiveStage(a: PredictiveStageArgs): Promise<PredictiveStageResult> {
  const { data, model, result } = a;
  const k = data.outputDim;
  const labels = data.yTest.dataSync();
  const adapter = buildModelAdapter(model, { logits: true });
  const originals = adapter.params.map((p) => tf.clone(p.variable.read()));
  const nTrain = data.xTrain.shape[0];
  const nTune = a.map ? 0 : tuningSplitSize(nTrain);
  // The last examples of the training split tune the temperature (the training itself used them too).
  const xTune = nTune > 0 ? tf.slice(data.xTrain, nTrain - nTune, nTune) : null;
  const yTune = nTune > 0 ? tf.tidy(() => tf.slice(data.yTrain, nTrain - nTune, nTune).dataSync()) : null;
  const out: PredictiveStageResult = { point: [], glm: [] };
  let la: BaseLaplace | null = null;
  try {
    la =
      a.map || result.laplace.structure === 'diag'
        ? null
        : await fitLaplace(
            model,
            { xs: data.xTrain, ys: data.yTrain, batchSize: a.batchSize },
            { likelihood: 'classification', structure: 'diag', curvature: a.curvature },
          );
    for (const sparsity of [0, ...a.sparsities.filter((s) => s > 0)]) {
      a.checkpoint();
      const mask = sparsity > 0 ? scoreMask(a.opd, { sparsity }) : null;
      if (mask) {
        const keep = mask.toTensors();
        adapter.params.forEach((p, i) => {
          const next = tf.mul(originals[i], keep[i]);
          p.variable.write(next);
          next.dispose();
        });
        tf.dispose(keep);
      }
      const probs = tf.tidy(() => {
        const parts: tf.Tensor[] = [];
        for (let s = 0; s < data.xTest.shape[0]; s += a.batchSize) {
          const n = Math.min(a.batchSize, data.xTest.shape[0] - s);
          parts.push(tf.softmax(adapter.predict(tf.slice(data.xTest, s, n))));
        }
        return tf.concat(parts).dataSync();
      });
      out.point.push({ sparsity, ...probabilityMetrics(probs, labels, k) });
      if (!a.map) out.glm.push(...(await glmRows(a, la ?? result.laplace, mask, sparsity, labels, xTune, yTune)));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    adapter.params.forEach((p, i) => p.variable.write(originals[i]));
    tf.dispose(originals);
    xTune?.dispose();
    la?.dispose();
  }
  return out;
}

/** The `opd-glm` row (T = 1) and, with a tuning split, the `opd-glm-tuned` row of one sparsity. */
async function glmRows(
  a: PredictiveStageArgs,
  la: BaseLaplace,
  mask: Mask | null,
  sparsity: number,
  labels: ArrayLike<number>,
  xTune: tf.Tensor | null,
  yTune: ArrayLike<number> | null,
): Promise<ResultRow[]> {
  const k = a.data.outputDim;
  const row = (criterion: string, p: ArrayLike<number>, temperature?: number): ResultRow => ({
    dataset: a.data.name,
    training: a.training,
    criterion,
    sparsity,
    seed: a.seed,
    ...probabilityMetrics(p, labels, k),
    ...(temperature === undefined ? {} : { temperature }),
  });
  const test = await glm(la, a.model, a.data.xTest, a.result.prior, mask, a.batchSize);
  try {
    const rows = [
      row(
        GLM_CRITERION,
        tf.tidy(() => probitLink(test.fMu, test.fVar).dataSync()),
      ),
    ];
    if (xTune && yTune) {
      const tune = await glm(la, a.model, xTune, a.result.prior, mask, a.batchSize);
      let t: number;
      try {
        t = tuneTemperature(tune.fMu, tune.fVar, yTune);
      } finally {
        tf.dispose([tune.fMu, tune.fVar]);
      }
      rows.push(
        row(
          GLM_TUNED_CRITERION,
          tf.tidy(() => probitLink(test.fMu, tf.mul(test.fVar, t)).dataSync()),
          t,
        ),
      );
    }
    return rows;
  } finally {
    tf.dispose([test.fMu, test.fVar]);
  }
}
