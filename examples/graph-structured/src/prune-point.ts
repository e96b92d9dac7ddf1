/**
 * One point of the sweep: a model's dependency groups scored from unit scores, the lowest fraction
 * of each family removed (`groupMasks` → `pruneUnits`), checked against the unit-masked model,
 * BatchNormalization statistics re-estimated, fine-tuned, saved to disk, reloaded, checked against
 * the in-memory model and measured (the reloaded one: what a user would deploy).
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { calibrateBatchNorm, registerVitLayers } from '@spam/harness';
import {
  fineTune,
  groupMasks,
  groupScores,
  maskUnits,
  measureModel,
  pruneUnits,
  type StructuredMeasurement,
  type UnitMasks,
  type UnitScores,
} from '@spam/structured';
import { fileSystem } from '@spam/structured/node';
import type { DigitTensors } from './data.js';
import type { Schedule } from './schedule.js';

/** Removed groups by kind at one point. */
export interface RemovedGroups {
  channels: number;
  heads: number;
  /** Prunable groups of the model (channels + heads). */
  prunable: number;
}

/** One measured point: the reloaded pruned model after fine-tuning (`latencyMs`: see {@link latenciesMs}), plus the checks. */
export interface PrunePoint extends StructuredMeasurement {
  criterion: string;
  sparsity: number;
  removed: RemovedGroups;
  /** Test accuracy right after removal (before fine-tuning). */
  oneShotAccuracy: number;
  /** max |pruned − masked| over the logits of the check batch, before fine-tuning (exact removal: ≈ 0). */
  maskedDelta: number;
  /** max |reloaded − in-memory| over the logits of the check batch, after fine-tuning and the save. */
  reloadDelta: number;
  /** Median latency (ms) of the unpruned model, timed interleaved with this point's (same load). */
  denseLatencyMs: number;
  /** Where the pruned model was saved (`model.json` + `weights.bin`). */
  savedTo: string;
  /** Wall times (ms): the fine-tune, the save + reload. */
  finetuneMs: number;
  saveLoadMs: number;
}

/** max |f(x) − g(x)| of two models' outputs on `x` (no tensor left behind). */
export function maxAbsDiff(a: tf.LayersModel, b: tf.LayersModel, x: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a.predict(x) as tf.Tensor, b.predict(x) as tf.Tensor))).dataSync()[0]);
}

/**
 * Median wall times (ms) of `predict(x)` as one batch (`batchSize` = all rows of `x`; tfjs's
 * default of 32 would time 8 chunks of a 256 batch) + read-back, for each model, timed
 * round-robin (a, b, a, b, …) after 2 warm-up calls each, so that all see the same machine load.
 */
export function latenciesMs(models: readonly tf.LayersModel[], x: tf.Tensor, repeats: number): number[] {
  const times: number[][] = models.map(() => []);
  for (let i = 0; i < repeats + 2; i++) {
    models.forEach((m, j) => {
      const t0 = performance.now();
      const y = m.predict(x, { batchSize: x.shape[0] }) as tf.Tensor;
      try {
        y.dataSync();
      } finally {
        y.dispose();
      }
      if (i >= 2) times[j].push(performance.now() - t0);
    });
  }
  return times.map((t) => {
    const v = [...t].sort((p, q) => p - q);
    const m = v.length >> 1;
    return v.length % 2 === 1 ? v[m] : (v[m - 1] + v[m]) / 2;
  });
}

/** Counts the removed prunable groups of each kind (a group is removed when its units are masked out). */
function countRemoved(g: ReturnType<typeof groupScores>, masks: UnitMasks): RemovedGroups {
  const out: RemovedGroups = { channels: 0, heads: 0, prunable: g.groups.length };
  for (const group of g.groups) {
    const u = group.units[0];
    if (u && masks[u.layer]?.[u.index] === false) out[group.kind === 'head' ? 'heads' : 'channels']++;
  }
  return out;
}

/**
 * Prunes `model` (not modified) at `sparsity` by `scores`, fine-tunes the smaller model, saves it
 * to `dir`, reloads it and measures the reloaded model (metrics with `measureModel`; latency timed
 * interleaved with `model`'s on the first `latencyBatch` test digits). Every tensor and model
 * created is disposed, except the in-memory pruned model with `keepModel` (returned as `model`;
 * the caller disposes it).
 */
export async function prunePoint(
  model: tf.LayersModel,
  scores: UnitScores,
  sparsity: number,
  data: DigitTensors,
  s: Schedule,
  seed: number,
  dir: string,
  options: { keepModel?: boolean } = {},
): Promise<PrunePoint & { model?: tf.LayersModel }> {
  const g = groupScores(model, scores);
  const masks = groupMasks(g, { sparsity });
  const check = tf.slice(data.xTest, 0, Math.min(256, data.xTest.shape[0]));
  const test = { xs: data.xTest, ys: data.yTest };
  let pruned: tf.LayersModel | undefined;
  let reloaded: tf.LayersModel | undefined;
  try {
    pruned = pruneUnits(model, masks);
    const masked = maskUnits(model, masks);
    let maskedDelta: number;
    try {
      maskedDelta = maxAbsDiff(pruned, masked, check);
    } finally {
      masked.dispose();
    }
    const oneShotAccuracy = measureModel(pruned, test, { latencyRepeats: 0 }).accuracy!;
    // The surviving channels now see fewer inputs: set BN's moving statistics anew before fine-tuning.
    calibrateBatchNorm(pruned, data.xTrain);
    const t0 = performance.now();
    await fineTune(
      pruned,
      { xs: data.xTrain, ys: data.yTrain },
      {
        epochs: s.finetuneEpochs,
        lr: s.lr,
        batchSize: s.batchSize,
        seed: seed + 3,
        priorPrecision: s.priorPrecision,
      },
    );
    const finetuneMs = performance.now() - t0;
    const savedTo = join(dir, `${model.name}-${scores.criterion}-${Math.round(sparsity * 100)}`);
    const t1 = performance.now();
    await pruned.save(fileSystem(savedTo));
    registerVitLayers(); // the ViT's custom layers must be known to tfjs serialization before a load
    reloaded = await tf.loadLayersModel(fileSystem(savedTo));
    const saveLoadMs = performance.now() - t1;
    const reloadDelta = maxAbsDiff(reloaded, pruned, check);
    const m = measureModel(reloaded, test, { latencyRepeats: 0 });
    const batch = tf.slice(data.xTest, 0, Math.min(s.latencyBatch, data.xTest.shape[0]));
    let denseLatencyMs: number;
    try {
      [denseLatencyMs, m.latencyMs] = latenciesMs([model, reloaded], batch, s.latencyRepeats);
    } finally {
      batch.dispose();
    }
    return {
      criterion: scores.criterion,
      sparsity,
      ...m,
      removed: countRemoved(g, masks),
      oneShotAccuracy,
      maskedDelta,
      reloadDelta,
      denseLatencyMs,
      savedTo,
      finetuneMs,
      saveLoadMs,
      ...(options.keepModel ? { model: pruned } : {}),
    };
  } finally {
    check.dispose();
    if (!options.keepModel) pruned?.dispose();
    reloaded?.dispose();
  }
}
