/** Elementwise work per example that `countMacs` leaves out: the values every layer writes. */
import type * as tf from '@tensorflow/tfjs';

/**
 * Values written per example by all layers of `model` but its inputs: Σ over layers of the
 * product of the output shape without the batch axis (every output of a multi-output layer).
 * Each is at least one write and, for the elementwise layers (BatchNormalization, ReLU, Add,
 * LayerNormalization, Softmax, pooling), about all the work the layer does.
 */
export function activationCount(model: tf.LayersModel): number {
  let total = 0;
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    const shape = layer.outputShape;
    const shapes = (Array.isArray(shape[0]) ? shape : [shape]) as (number | null)[][];
    for (const s of shapes) total += s.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1);
  }
  return total;
}
