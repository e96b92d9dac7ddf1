/**
 * One training of one architecture: the net from its seeded initial weights (BatchNormalization
 * statistics set from the training digits), `marglikTraining` (MAP or SpaM) with the time split
 * into training epochs, curvature fits and hyper steps, then the criteria's scores and the one-shot
 * sweep over the sparsities, each point from the same trained weights.
 */
import * as tf from '@tensorflow/tfjs';
import { buildModelAdapter, evaluate, type ClassificationMetrics } from '@spam/core';
import { marglikTraining, type MarglikProgress, type MarglikTrainingResult } from '@spam/laplace';
import { criterionScores, sparsitySweep, type ParamScores } from '@spam/prune';
import {
  buildArchitecture,
  calibrateBatchNorm,
  marglikOptions,
  ProgressBar,
  trainingProgress,
  type ArchitectureName,
  type TrainingSpec,
} from '@spam/harness';
import type { MnistTensors } from './data.js';
import type { ModelSchedule, Schedule } from './schedule.js';

/** One sweep point. */
export interface SweepPoint extends ClassificationMetrics {
  criterion: string;
  sparsity: number;
  /** Pruned kernel entries. */
  pruned: number;
}

/** Wall times (ms) of one training, split by what `marglikTraining` was doing. */
export interface TrainingTimes {
  /** Everything: `marglikTraining` from call to return (epochs, marglik steps, final refit). */
  totalMs: number;
  /** The training epochs alone (batches: forward, backward, Adam). */
  epochsMs: number;
  /** Mean time per epoch. */
  perEpochMs: number;
  /** The curvature fits of the marglik steps (0 for MAP). */
  curvatureMs: number;
  /** The hyper steps of the marglik steps. */
  hyperMs: number;
  /** Criteria scores (ms per criterion) and the sweep. */
  scoreMs: Record<string, number>;
  sweepMs: number;
}

/** The result of one training. */
export interface TrainingRow extends TrainingSpec {
  model: ArchitectureName;
  params: number;
  dense: ClassificationMetrics;
  sweep: SweepPoint[];
  times: TrainingTimes;
  /** Learned δ summary (δ₀ for MAP). */
  precision: { min: number; max: number; geomean: number };
}

/** Splits the wall time of a `marglikTraining` call by stage from its progress events. */
function stageClock() {
  let last = performance.now();
  const ms = { batch: 0, curvature: 0, hyper: 0 };
  return {
    ms,
    tick(p: MarglikProgress) {
      const now = performance.now();
      if (p.stage === 'batch' || p.stage === 'curvature' || p.stage === 'hyper') ms[p.stage] += now - last;
      last = now;
    },
  };
}

/** Trains, scores and sweeps one net. `labelWidth` undefined: no progress bars. */
export async function runTraining(
  modelName: ArchitectureName,
  spec: TrainingSpec,
  data: MnistTensors,
  s: ModelSchedule,
  run: Schedule,
  seed: number,
  labelWidth: number | undefined,
): Promise<TrainingRow> {
  const model = buildArchitecture(modelName, data.xTrain.shape.slice(1), 10, seed);
  const scores: ParamScores[] = [];
  let result: MarglikTrainingResult | undefined;
  const batches = Math.ceil(data.xTrain.shape[0] / s.batchSize);
  const label = `${modelName} ${spec.name}`;
  const progress = labelWidth !== undefined ? trainingProgress({ ...spec, name: label }, s, batches, labelWidth) : null;
  try {
    calibrateBatchNorm(model, data.xTrain);
    const clock = stageClock();
    const t0 = performance.now();
    result = await marglikTraining(
      model,
      { xs: data.xTrain, ys: data.yTrain, batchSize: s.batchSize },
      {
        likelihood: 'classification',
        ...marglikOptions(spec, s),
        seed: seed + 1,
        onProgress: (p) => {
          clock.tick(p);
          progress?.onProgress(p);
        },
      },
    );
    const totalMs = performance.now() - t0;
    const dense = evaluate(buildModelAdapter(model, { logits: true }), 'classification', data.xTest, data.yTest) as ClassificationMetrics;
    const times: TrainingTimes = {
      totalMs,
      epochsMs: clock.ms.batch,
      perEpochMs: clock.ms.batch / s.epochs,
      curvatureMs: clock.ms.curvature,
      hyperMs: clock.ms.hyper,
      scoreMs: {},
      sweepMs: 0,
    };
    progress?.bar.finish(
      `test acc ${(dense.accuracy * 100).toFixed(2)}% in ${(totalMs / 1000).toFixed(1)} s (${(times.perEpochMs / 1000).toFixed(1)} s/epoch)`,
    );
    const n = Math.min(s.scoreExamples, data.xTrain.shape[0]);
    const xs = tf.slice(data.xTrain, 0, n);
    const ys = tf.slice(data.yTrain, 0, n);
    try {
      for (const c of run.criteria) {
        const t1 = performance.now();
        scores.push(
          await criterionScores(c, {
            model,
            likelihood: 'classification',
            laplace: result.laplace,
            prior: result.prior,
            data: { xs, ys, batchSize: 100 },
            seed,
          }),
        );
        times.scoreMs[c] = performance.now() - t1;
      }
    } finally {
      tf.dispose([xs, ys]);
    }
    const t2 = performance.now();
    const bar =
      labelWidth !== undefined
        ? new ProgressBar({ total: scores.length * run.sparsities.length, label: 'sweep'.padEnd(labelWidth), plainSteps: 2, width: 24 })
        : null;
    let sweep: SweepPoint[];
    try {
      sweep = sparsitySweep(model, scores, {
        likelihood: 'classification',
        data: { xs: data.xTest, ys: data.yTest },
        sparsities: run.sparsities,
        batchSize: 500,
        onProgress: (p) => bar?.update(p.done, `${p.row.criterion} ${(p.row.sparsity * 100).toFixed(0)}%`),
      }) as SweepPoint[];
      times.sweepMs = performance.now() - t2;
      bar?.finish(`${sweep.length} points in ${(times.sweepMs / 1000).toFixed(1)} s`);
    } finally {
      bar?.finish();
    }
    const params = model.trainableWeights.reduce((a, w) => a + w.shape.reduce<number>((x, y) => x * (y ?? 1), 1), 0);
    return { ...spec, model: modelName, params, dense, sweep, times, precision: result.prior.summary() };
  } finally {
    progress?.bar.finish();
    scores.forEach((x) => x.dispose());
    result?.laplace.dispose();
    result?.prior.dispose();
    model.dispose();
  }
}
