/** The net of the diabetes example: a one-hidden-layer MLP. */
import * as tf from '@tensorflow/tfjs';

export type Activation = 'tanh' | 'relu';

/** MLP 10-50-1 with seeded Glorot-uniform kernels and zero biases (the same seed, the same weights). */
export function buildNet(inputDim: number, seed: number, activation: Activation = 'tanh', hidden = 50): tf.Sequential {
  const init = (i: number) => tf.initializers.glorotUniform({ seed: seed * 1000 + i });
  return tf.sequential({
    name: 'DiabetesMLP',
    layers: [
      tf.layers.dense({ name: 'fc1', inputShape: [inputDim], units: hidden, activation, kernelInitializer: init(1) }),
      tf.layers.dense({ name: 'fc2', units: 1, activation: 'linear', kernelInitializer: init(2) }),
    ],
  });
}
