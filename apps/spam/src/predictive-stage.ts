/**
 * Calibration of the unstructured OPD sweep (issue 15): for each OPD sparsity (and the unpruned
 * network) the reliability bins of the point estimate and, for SpaM trainings (classification),
 * the GLM predictive with probit link of the pruned network — pruned weights fixed at zero, so
 * without posterior variance — as sweep rows with criterion `'opd-glm'` (NLL, ECE, Brier,
 * accuracy). The posterior is a diagonal GGN Laplace with the learned prior: exact for a pruning
 * mask and cheap (the training's own Laplace when it is diagonal, else one diagonal fit).
 */
import * as tf from '@tensorflow/tfjs';
import { buildModelAdapter } from '@spam/core';
import { fitLaplace, predictive, type MarglikTrainingResult } from '@spam/laplace';
import { scoreMask, type ParamScores } from '@spam/prune';
import type { Dataset, ResultRow } from './types.js';
import { GLM_CRITERION, probabilityMetrics } from './report/calibration.js';

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
  /** `opd-glm` sweep rows (SpaM trainings only). */
  glm: ResultRow[];
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
  const la =
    a.map || result.laplace.structure === 'diag'
      ? null
      : await fitLaplace(
          model,
          { xs: data.xTrain, ys: data.yTrain, batchSize: a.batchSize },
          { likelihood: 'classification', structure: 'diag', curvature: a.curvature },
        );
  const out: PredictiveStageResult = { point: [], glm: [] };
  try {
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
      if (!a.map) {
        const pred = await predictive(la ?? result.laplace, model, data.xTest, {
          prior: result.prior,
          link: 'probit',
          mask: mask ?? undefined,
          batchSize: a.batchSize,
        });
        const p = 'probs' in pred ? pred.probs.dataSync() : new Float32Array();
        tf.dispose(Object.values(pred) as tf.Tensor[]);
        out.glm.push({
          dataset: data.name,
          training: a.training,
          criterion: GLM_CRITERION,
          sparsity,
          seed: a.seed,
          ...probabilityMetrics(p, labels, k),
        });
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    adapter.params.forEach((p, i) => p.variable.write(originals[i]));
    tf.dispose(originals);
    la?.dispose();
  }
  return out;
}
