/** MNIST_FC, the MLP of the SpaM paper's unstructured MNIST experiment. */
import * as tf from '@tensorflow/tfjs';

/**
 * MNIST_FC of the SpaM paper: Dense 784-256-10, ReLU, linear (logits) output, seeded
 * Glorot-uniform kernels and zero biases: the same seed gives the same initial weights.
 */
export function buildMnistFc(seed: number, hidden = 256): tf.Sequential {
  const init = (i: number) => tf.initializers.glorotUniform({ seed: seed * 1000 + i });
  return tf.sequential({
    name: 'MNIST_FC',
    layers: [
      tf.layers.dense({ name: 'fc1', inputShape: [784], units: hidden, activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.dense({ name: 'fc2', units: 10, activation: 'linear', kernelInitializer: init(2) }),
    ],
  });
}
