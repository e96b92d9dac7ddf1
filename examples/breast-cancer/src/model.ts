/** CancerNet, the net of the SpaM paper's breast-cancer experiments. */
import * as tf from '@tensorflow/tfjs';

/**
 * CancerNet of the SpaM paper: Dense 30-100-100-2, ReLU, linear (logits) output, seeded
 * Glorot-uniform kernels and zero biases: the same seed gives the same initial weights.
 */
export function buildCancerNet(inputDim: number, seed: number, numClasses = 2): tf.Sequential {
  const init = (i: number) => tf.initializers.glorotUniform({ seed: seed * 1000 + i });
  return tf.sequential({
    name: 'CancerNet',
    layers: [
      tf.layers.dense({ name: 'fc1', inputShape: [inputDim], units: 100, activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.dense({ name: 'fc2', units: 100, activation: 'relu', kernelInitializer: init(2) }),
      tf.layers.dense({ name: 'fc3', units: numClasses, activation: 'linear', kernelInitializer: init(3) }),
    ],
  });
}
