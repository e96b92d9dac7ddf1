/** MNIST_FC, the MLP of the SpaM paper's unstructured MNIST experiment. */
import * as tf from '@tensorflow/tfjs';

/** Initial weights: tfjs's default (Glorot-uniform kernels, zero biases) or PyTorch's `nn.Linear` default. */
export type InitName = 'glorot' | 'torch';

/**
 * MNIST_FC of the SpaM paper: Dense 784-256-10, ReLU, linear (logits) output, seeded initial
 * weights (the same seed gives the same weights): `'glorot'` (default) Glorot-uniform kernels and
 * zero biases; `'torch'` PyTorch's `nn.Linear` default, kernels and biases U(±1/√fan_in)
 * (Kaiming-uniform with a = √5), as the paper's code starts from.
 */
export function buildMnistFc(seed: number, hidden = 256, init: InitName = 'glorot'): tf.Sequential {
  const layer = (i: number, fanIn: number) =>
    init === 'torch'
      ? {
          kernelInitializer: tf.initializers.varianceScaling({
            scale: 1 / 3,
            mode: 'fanIn',
            distribution: 'uniform',
            seed: seed * 1000 + i,
          }),
          biasInitializer: tf.initializers.randomUniform({
            minval: -1 / Math.sqrt(fanIn),
            maxval: 1 / Math.sqrt(fanIn),
            seed: seed * 1000 + 100 + i,
          }),
        }
      : { kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 1000 + i }) };
  return tf.sequential({
    name: 'MNIST_FC',
    layers: [
      tf.layers.dense({ name: 'fc1', inputShape: [784], units: hidden, activation: 'relu', ...layer(1, 784) }),
      tf.layers.dense({ name: 'fc2', units: 10, activation: 'linear', ...layer(2, hidden) }),
    ],
  });
}
