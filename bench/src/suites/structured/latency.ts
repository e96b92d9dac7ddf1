/** Measured latency of dense and pruned nets (paired, interleaved) and test accuracy. */
import * as tf from '@tensorflow/tfjs';
import { buildModelAdapter, evaluate, type ClassificationMetrics } from '@spam/core';
import { median } from '../../lib/stats.js';
import { WARMUP } from './rows.js';

/** A fixed batch of `n` examples: the test inputs, repeated cyclically when there are fewer. */
export function latencyBatch(xTest: tf.Tensor, n: number): tf.Tensor {
  return tf.tidy(() =>
    tf.gather(
      xTest,
      tf.tensor1d(
        Array.from({ length: n }, (_, i) => i % xTest.shape[0]),
        'int32',
      ),
    ),
  );
}

/**
 * Paired latency of two models on one batch: `WARMUP` untimed calls of each, then `repeats`
 * rounds timing one call of each (order alternating per round), so that load changes hit both
 * alike. One call = `predict(x, {batchSize: n})` (the whole batch at once; predict's default
 * batchSize 32 would slice it) + `dataSync()`. Returns the medians (ms).
 */
export function pairedLatencyMs(a: tf.LayersModel, b: tf.LayersModel, x: tf.Tensor, repeats: number): [number, number] {
  const once = (m: tf.LayersModel) => {
    const t0 = performance.now();
    tf.tidy(() => void (m.predict(x, { batchSize: x.shape[0] }) as tf.Tensor).dataSync());
    return performance.now() - t0;
  };
  for (let i = 0; i < WARMUP; i++) {
    once(a);
    once(b);
  }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let r = 0; r < repeats; r++) {
    if (r % 2 === 0) {
      ta.push(once(a));
      tb.push(once(b));
    } else {
      tb.push(once(b));
      ta.push(once(a));
    }
  }
  return [median(ta), median(tb)];
}

/** Test accuracy of a logits model. */
export const accuracyOf = (m: tf.LayersModel, xTest: tf.Tensor, yTest: tf.Tensor): number =>
  (evaluate(buildModelAdapter(m, { logits: true }), 'classification', xTest, yTest) as ClassificationMetrics).accuracy;
