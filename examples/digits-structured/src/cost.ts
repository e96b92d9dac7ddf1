/**
 * What a (pruned) model costs: parameters, multiply-accumulates, bytes on disk and measured
 * latency of `model.predict` on a fixed batch.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countMacs, countParams, layerCosts } from '@spam/structured';
import { fileSystem } from '@spam/structured/node';

/** The cost of one architecture. */
export interface ModelCost {
  /** Units per Dense/Conv2D layer, by layer name. */
  units: Record<string, number>;
  params: number;
  /** Multiply-accumulates per example. */
  macs: number;
  /** Bytes of `model.json` + `weights.bin` written by `@spam/structured/node`'s `fileSystem`. */
  bytes: number;
  /** Median milliseconds of one `model.predict` on the latency batch (including the read-back). */
  latencyMs: number;
}

/** Bytes of the model saved with the Node file-system handler to a temporary folder (deleted after). */
export async function modelBytes(model: tf.LayersModel): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'spam-digits-structured-'));
  try {
    await model.save(fileSystem(dir));
    return statSync(join(dir, 'model.json')).size + statSync(join(dir, 'weights.bin')).size;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Median of a non-empty list. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Latency (ms) of `model.predict(batch, {batchSize: n})` (the whole batch in one call: predict's
 * default batchSize of 32 would cut it into slices) followed by `dataSync()` (so the work is done,
 * whatever the backend), for several models measured together: `warmup` untimed calls of each, then
 * `repeats` rounds that time one call of every model in turn (round robin, so that a change of
 * machine load during the measurement hits every model alike). Returns the median per model.
 */
export function predictLatenciesMs(models: tf.LayersModel[], batch: tf.Tensor, warmup: number, repeats: number): number[] {
  const once = (m: tf.LayersModel) => tf.tidy(() => void (m.predict(batch, { batchSize: batch.shape[0] }) as tf.Tensor).dataSync());
  for (const m of models) for (let i = 0; i < warmup; i++) once(m);
  const times = models.map(() => [] as number[]);
  for (let r = 0; r < repeats; r++) {
    models.forEach((m, i) => {
      const t0 = performance.now();
      once(m);
      times[i].push(performance.now() - t0);
    });
  }
  return times.map(median);
}

/** Units, params, MACs and bytes of `model` (latency NaN: see {@link predictLatenciesMs}). */
export async function measureSize(model: tf.LayersModel): Promise<ModelCost> {
  const units = Object.fromEntries(layerCosts(model).map((l) => [l.name, l.units]));
  return { units, params: countParams(model), macs: countMacs(model), bytes: await modelBytes(model), latencyMs: NaN };
}
