import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { marglikTraining } from '@spam/laplace';

function model(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: 6, inputShape: [4], activation: 'tanh', kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }) }),
      tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }) }),
    ],
  });
}

describe('marglikTraining uses the full N for the prior penalty with any data source', () => {
  it('tensor data and the same batches as an array train identically from the first epoch', async () => {
    const xs = tf.randomNormal([40, 4], 0, 1, 'float32', 5);
    const ys = tf.tidy(() => tf.cast(tf.greater(tf.sum(xs, 1), 0), 'int32'));
    const batches = [0, 10, 20, 30].map((s) => ({ xs: xs.slice(s, 10), ys: ys.slice(s, 10) }));
    const weights: number[][] = [];
    for (const data of [{ xs, ys, batchSize: 10 }, batches]) {
      const m = model();
      const r = await marglikTraining(m, data, { likelihood: 'classification', epochs: 1, map: true, priorPrecision: 50, lr: 0.05 });
      weights.push(Array.from(m.getWeights()[0].dataSync()));
      r.laplace.dispose();
      r.prior.dispose();
    }
    weights[1].forEach((w, i) => expect(Math.abs(w - weights[0][i])).toBeLessThan(1e-6));
    tf.dispose([xs, ys, ...batches.flatMap((b) => [b.xs, b.ys])]);
  });
});
