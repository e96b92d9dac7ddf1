/**
 * One training of the experiment: MNIST_FC from the seeded initial weights, trained by
 * `marglikTraining` (MAP or SpaM), then scored by every criterion and pruned one-shot over the
 * sparsity grid, each point from the same trained weights.
 */
import * as tf from '@tensorflow/tfjs';
import { buildModelAdapter, evaluate, type ClassificationMetrics } from '@spam/core';
import { sparsitySweep, type ParamScores } from '@spam/prune';
import { ProgressBar, runMarglikTraining, type TrainingSpec } from '@spam/harness';
import type { MnistTensors } from './data.js';
import { buildMnistFc } from './model.js';
import type { Schedule } from './schedule.js';
import { scoreModel } from './scores.js';

/** One sweep point of a training. */
export interface SweepPoint extends ClassificationMetrics {
  criterion: string;
  sparsity: number;
  /** Pruned kernel entries. */
  pruned: number;
}

/** The result of one training. */
export interface TrainingRow extends TrainingSpec {
  /** Test metrics of the unpruned net. */
  dense: ClassificationMetrics;
  /** One row per criterion × sparsity. */
  sweep: SweepPoint[];
  /** Wall time per criterion's scores (ms). */
  scoreMs: Record<string, number>;
  /** δ summary after training. */
  precision: { min: number; max: number; geomean: number };
  /** Wall time of `marglikTraining` (ms) and of the sweep (ms). */
  trainMs: number;
  sweepMs: number;
}

/** Trains, scores and sweeps one net. `labelWidth` undefined: no progress bars. */
export async function runTraining(
  spec: TrainingSpec,
  data: MnistTensors,
  s: Schedule,
  seed: number,
  labelWidth: number | undefined,
): Promise<TrainingRow> {
  const all: ParamScores[] = [];
  let row: TrainingRow | undefined;
  try {
    return await runMarglikTraining({
      spec,
      schedule: s,
      buildModel: () => buildMnistFc(seed, 256, s.init),
      data: { xs: data.xTrain, ys: data.yTrain },
      likelihood: 'classification',
      progressLabelWidth: labelWidth,
      // While the Laplace and the prior are alive: the dense metrics and every criterion's scores.
      measure: async (model, result, trainMs) => {
        const dense = evaluate(
          buildModelAdapter(model, { logits: true }),
          'classification',
          data.xTest,
          data.yTest,
        ) as ClassificationMetrics;
        const scoreXs = tf.slice(data.xTrain, 0, s.scoreExamples);
        const scoreYs = tf.slice(data.yTrain, 0, s.scoreExamples);
        const scoreMs: Record<string, number> = {};
        try {
          for (const c of s.criteria) {
            const { scores, ms } = await scoreModel(model, c, {
              laplace: result.laplace,
              prior: result.prior,
              xs: scoreXs,
              ys: scoreYs,
              seed,
              kronDiagonal: s.kronDiagonal,
            });
            all.push(scores);
            scoreMs[c] = ms;
          }
        } finally {
          tf.dispose([scoreXs, scoreYs]);
        }
        row = { ...spec, dense, sweep: [], scoreMs, precision: result.prior.summary(), trainMs, sweepMs: 0 };
        const scoring = Object.values(scoreMs).reduce((a, b) => a + b, 0);
        return {
          row,
          status: `test acc ${(dense.accuracy * 100).toFixed(2)}%, trained in ${(trainMs / 1000).toFixed(1)} s, scored in ${(scoring / 1000).toFixed(1)} s`,
        };
      },
      // After the training's bar: the one-shot sweep over criteria × sparsities.
      afterFinish: async (model) => {
        const t0 = performance.now();
        const bar =
          labelWidth !== undefined
            ? new ProgressBar({ total: all.length * s.sparsities.length, label: 'sweep'.padEnd(labelWidth), plainSteps: 2, width: 24 })
            : null;
        try {
          row!.sweep = sparsitySweep(model, all, {
            likelihood: 'classification',
            data: { xs: data.xTest, ys: data.yTest },
            sparsities: s.sparsities,
            includeBias: s.includeBias,
            onProgress: (p) => bar?.update(p.done, `${p.row.criterion} ${(p.row.sparsity * 100).toFixed(0)}%`),
          }) as SweepPoint[];
          row!.sweepMs = performance.now() - t0;
          bar?.finish(`${row!.sweep.length} points in ${(row!.sweepMs / 1000).toFixed(1)} s`);
        } finally {
          bar?.finish();
        }
      },
    });
  } finally {
    all.forEach((x) => x.dispose());
  }
}
