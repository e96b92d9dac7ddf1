/**
 * The structured sweep of one trained net: for every unit criterion and unit fraction, remove the
 * weakest units of every layer but the last, check the smaller model against the unit-masked one,
 * evaluate it, and optionally fine-tune it for a few epochs.
 */
import * as tf from '@tensorflow/tfjs';
import { buildModelAdapter, evaluate, trainEpoch, type ClassificationMetrics } from '@spam/core';
import { countMacs, countParams, layerCosts, maskUnits, pruneUnits, unitMasks, type UnitScores } from '@spam/structured';
import type { DigitsTensors } from './data.js';
import type { Schedule, UnitCriterion } from './schedule.js';

/** One point of the sweep: a criterion at a unit fraction. */
export interface PrunePoint {
  criterion: UnitCriterion;
  /** Fraction of units removed from every layer but the last. */
  fraction: number;
  /** Units kept per Dense/Conv2D layer. */
  units: Record<string, number>;
  params: number;
  macs: number;
  /** Test metrics of the pruned model, no fine-tuning. */
  oneShot: ClassificationMetrics;
  /** Test metrics after `finetuneEpochs` epochs (absent when 0). */
  finetuned?: ClassificationMetrics;
  /** max |pruned(x) − masked(x)| over the test logits. */
  maxAbsDiff: number;
}

/** Test metrics of a logits model. */
export function testMetrics(model: tf.LayersModel, data: DigitsTensors): ClassificationMetrics {
  return evaluate(buildModelAdapter(model, { logits: true }), 'classification', data.xTest, data.yTest) as ClassificationMetrics;
}

/** max |a(x) − b(x)| over the outputs of two models on `x`. */
export function maxAbsDiff(a: tf.LayersModel, b: tf.LayersModel, x: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a.predict(x) as tf.Tensor, b.predict(x) as tf.Tensor))).dataSync()[0]);
}

/**
 * Fine-tunes `model` in place: `epochs` epochs of SpaM's `trainEpoch` (its own backward pass, so
 * Conv2D trains on wasm) with a fresh Adam at the schedule's learning rate, the MAP objective with
 * δ₀ (mean NLL + ½δ₀‖θ‖²/N), shuffled with a seeded permutation per epoch.
 */
export async function finetune(model: tf.LayersModel, data: DigitsTensors, s: Schedule, epochs: number, seed: number): Promise<void> {
  const optimizer = tf.train.adam(s.lr);
  const n = data.xTrain.shape[0];
  const adapter = buildModelAdapter(model, { logits: true });
  try {
    for (let e = 0; e < epochs; e++) {
      await trainEpoch(
        model,
        { xs: data.xTrain, ys: data.yTrain, batchSize: s.batchSize, shuffle: seed },
        {
          likelihood: 'classification',
          optimizer,
          adapter,
          epoch: e,
          extraGradients: (theta) => theta.map((t) => tf.mul(t, s.priorPrecision / n)),
        },
      );
    }
  } finally {
    optimizer.dispose();
  }
}

/** Called with each pruned model before it is fine-tuned (e.g. to measure its bytes and latency). */
export type OnPruned = (point: { criterion: UnitCriterion; fraction: number }, pruned: tf.LayersModel) => Promise<void> | void;

/**
 * The sweep over `s.criteria × s.fractions` (per layer, ⌊n_l·r⌋ units removed, the logits kept),
 * each point from the same trained weights; `model` is never modified.
 */
export async function structuredSweep(
  model: tf.LayersModel,
  scores: Record<UnitCriterion, UnitScores>,
  data: DigitsTensors,
  s: Schedule,
  seed: number,
  hooks: { onPruned?: OnPruned; onPoint?: (p: PrunePoint, done: number) => void } = {},
): Promise<PrunePoint[]> {
  const points: PrunePoint[] = [];
  for (const criterion of s.criteria) {
    for (const fraction of s.fractions) {
      const masks = unitMasks(scores[criterion], { sparsity: fraction });
      const pruned = pruneUnits(model, masks);
      try {
        const masked = maskUnits(model, masks);
        let diff: number;
        try {
          diff = maxAbsDiff(pruned, masked, data.xTest);
        } finally {
          masked.dispose();
        }
        const point: PrunePoint = {
          criterion,
          fraction,
          units: Object.fromEntries(layerCosts(pruned).map((l) => [l.name, l.units])),
          params: countParams(pruned),
          macs: countMacs(pruned),
          oneShot: testMetrics(pruned, data),
          maxAbsDiff: diff,
        };
        await hooks.onPruned?.({ criterion, fraction }, pruned);
        if (s.finetuneEpochs > 0) {
          await finetune(pruned, data, s, s.finetuneEpochs, seed + 1);
          point.finetuned = testMetrics(pruned, data);
        }
        points.push(point);
        hooks.onPoint?.(point, points.length);
      } finally {
        pruned.dispose();
      }
    }
  }
  return points;
}
