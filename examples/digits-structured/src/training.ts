/**
 * One training of the experiment: the digits LeNet from its seeded initial weights, trained by
 * `marglikTraining` (MAP or SpaM), scored per unit by each criterion, then swept over the unit
 * fractions.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ClassificationMetrics } from '@spam/core';
import { ProgressBar, runMarglikTraining, type TrainingSpec } from '@spam/harness';
import type { Laplace } from '@spam/laplace';
import type { Prior } from '@spam/priors';
import { opdScores } from '@spam/prune';
import { magnitudeUnitScores, randomUnitScores, unitScores, type UnitScores } from '@spam/structured';
import type { DigitsTensors } from './data.js';
import { buildDigitsLeNet } from './model.js';
import type { Schedule, UnitCriterion } from './schedule.js';
import { structuredSweep, testMetrics, type OnPruned, type PrunePoint } from './sweep.js';

/** The result of one training. */
export interface TrainingRow extends TrainingSpec {
  /** Test metrics of the unpruned net. */
  dense: ClassificationMetrics;
  /** One point per criterion × fraction. */
  sweep: PrunePoint[];
  /** δ summary after training. */
  precision: { min: number; max: number; geomean: number };
  /** Wall times (ms): `marglikTraining`, the unit scores of all criteria, the sweep (with fine-tuning). */
  trainMs: number;
  scoreMs: number;
  sweepMs: number;
}

/**
 * Unit scores of every criterion: OPD θ²·diag(P) from the training's final Laplace and (learned)
 * prior, summed per unit (kernel slice + bias); the L1 norm per unit; seeded U(0, 1) per unit.
 */
export function criterionScores(
  model: tf.LayersModel,
  criteria: readonly UnitCriterion[],
  laplace: Laplace,
  prior: Prior,
  seed: number,
): Record<UnitCriterion, UnitScores> {
  const out = {} as Record<UnitCriterion, UnitScores>;
  for (const c of criteria) {
    if (c === 'opd') {
      const opd = opdScores(laplace, prior);
      try {
        out.opd = unitScores(opd);
      } finally {
        opd.dispose();
      }
    } else if (c === 'magnitude') {
      out.magnitude = magnitudeUnitScores(model);
    } else {
      out.random = randomUnitScores(model, { seed });
    }
  }
  return out;
}

/** Trains, scores and sweeps one net. `labelWidth` undefined: no progress bars. */
export async function runTraining(
  spec: TrainingSpec,
  data: DigitsTensors,
  s: Schedule,
  seed: number,
  labelWidth: number | undefined,
  onPruned?: OnPruned,
): Promise<TrainingRow> {
  let row: TrainingRow | undefined;
  let scores: Record<UnitCriterion, UnitScores> | undefined;
  return runMarglikTraining({
    spec,
    schedule: s,
    buildModel: () => buildDigitsLeNet(seed),
    data: { xs: data.xTrain, ys: data.yTrain },
    likelihood: 'classification',
    progressLabelWidth: labelWidth,
    // While the Laplace and the prior are alive: the dense metrics and the unit scores.
    measure: (model, result, trainMs) => {
      const dense = testMetrics(model, data);
      const t0 = performance.now();
      scores = criterionScores(model, s.criteria, result.laplace, result.prior, seed);
      const scoreMs = performance.now() - t0;
      row = { ...spec, dense, sweep: [], precision: result.prior.summary(), trainMs, scoreMs, sweepMs: 0 };
      return { row, status: `test acc ${(dense.accuracy * 100).toFixed(2)}%, trained in ${(trainMs / 1000).toFixed(1)} s` };
    },
    // After the training's bar: the sweep over criteria × fractions.
    afterFinish: async (model) => {
      const t0 = performance.now();
      const total = s.criteria.length * s.fractions.length;
      const label = (s.finetuneEpochs > 0 ? `prune+ft${s.finetuneEpochs}` : 'prune').padEnd(labelWidth ?? 0);
      const bar = labelWidth !== undefined ? new ProgressBar({ total, label, plainSteps: 3, width: 24 }) : null;
      try {
        row!.sweep = await structuredSweep(model, scores!, data, s, seed, {
          onPruned,
          onPoint: (p, done) => bar?.update(done, `${p.criterion} ${(p.fraction * 100).toFixed(0)}%`),
        });
        row!.sweepMs = performance.now() - t0;
        bar?.finish(`${row!.sweep.length} pruned models in ${(row!.sweepMs / 1000).toFixed(1)} s`);
      } finally {
        bar?.finish();
      }
    },
  });
}
