/**
 * BatchNormalization's moving statistics from data. SpaM runs every model in inference mode
 * (training included: `trainEpoch` and the curvature use the adapter's forward), so a BN layer
 * normalises with its moving mean and variance, which tfjs initialises to 0 and 1 and only
 * `model.fit` updates. Setting them once from the training data before training (a data-dependent
 * initialisation) makes BN normalise; they then stay fixed through training and the Laplace fit.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidOptionError } from '@spam/core';

/** Options of {@link calibrateBatchNorm}. */
export interface CalibrationOptions {
  /** Examples used (the first ones). Default 2,000. */
  examples?: number;
  /** Batch size of the passes. Default 250. */
  batchSize?: number;
}

const weightName = (v: tf.LayerVariable) => (v as unknown as { originalName?: string }).originalName ?? v.name;

/**
 * Sets the moving mean and variance of every `BatchNormalization` layer of `model` (in model
 * order, each with the statistics of its input after the earlier layers were set) to the mean and
 * biased variance over all axes but the last of its input on the first `examples` rows of `xs`.
 * Returns the number of layers set (0 when the model has none; nothing changes then).
 */
export function calibrateBatchNorm(model: tf.LayersModel, xs: tf.Tensor, options: CalibrationOptions = {}): number {
  const { examples = 2000, batchSize = 250 } = options;
  for (const [k, v] of Object.entries({ examples, batchSize })) {
    if (!Number.isSafeInteger(v) || v < 1) throw new InvalidOptionError(`calibrateBatchNorm: ${k} must be a positive integer, got ${v}`);
  }
  const layers = model.layers.filter((l) => l.getClassName() === 'BatchNormalization');
  const n = Math.min(examples, xs.shape[0]);
  for (const layer of layers) {
    const cfg = layer.getConfig() as { axis?: number | number[] };
    const axis = Array.isArray(cfg.axis) ? cfg.axis : [cfg.axis ?? -1];
    if (axis.length !== 1 || (axis[0] !== -1 && axis[0] !== (layer.inputSpec?.[0]?.ndim ?? 0) - 1)) {
      throw new InvalidOptionError(
        `calibrateBatchNorm: layer '${layer.name}' normalises axis ${JSON.stringify(cfg.axis)}; only the last axis is supported`,
      );
    }
    const byName = (suffix: string) => layer.weights.find((w) => weightName(w).endsWith(suffix));
    const movingMean = byName('moving_mean');
    const movingVar = byName('moving_variance');
    if (!movingMean || !movingVar) throw new InvalidOptionError(`calibrateBatchNorm: layer '${layer.name}' has no moving statistics`);
    // The sub-model shares the layers (and their weights); it is not disposed, which would dispose them.
    const probe = tf.model({ inputs: model.inputs, outputs: layer.input });
    const c = Number(movingMean.shape[0]);
    const sum = new Float64Array(c);
    const sumSq = new Float64Array(c);
    let count = 0;
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      const h = tf.tidy(() => {
        const y = probe.predict(tf.slice(xs, start, size)) as tf.Tensor;
        return tf.reshape(y, [-1, c]);
      });
      const data = h.dataSync();
      count += h.shape[0];
      h.dispose();
      for (let i = 0; i < data.length; i++) {
        const v = data[i];
        sum[i % c] += v;
        sumSq[i % c] += v * v;
      }
    }
    const mean = Float32Array.from(sum, (s) => s / count);
    const variance = Float32Array.from(sumSq, (s, j) => Math.max(s / count - (sum[j] / count) ** 2, 0));
    tf.tidy(() => {
      movingMean.write(tf.tensor1d(mean));
      movingVar.write(tf.tensor1d(variance));
    });
  }
  return layers.length;
}
