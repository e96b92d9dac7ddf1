/** The playground's net: a seeded MLP (Dense + ReLU, linear logits), as the paper's MNIST_FC. */
import * as tf from '@tensorflow/tfjs';

/**
 * Dense `inputs`-`hidden…`-`classes`, ReLU, logits output, Glorot-uniform kernels seeded per layer
 * (`seed·1000 + i`, as examples/mnist-unstructured) and zero biases: the same seed gives the same
 * weights on every backend and in Node.
 */
export function buildMlp(inputs: number, hidden: readonly number[], classes: number, seed: number): tf.Sequential {
  const widths = [...hidden, classes];
  return tf.sequential({
    name: 'playground_mlp',
    layers: widths.map((units, i) =>
      tf.layers.dense({
        name: `fc${i + 1}`,
        units,
        activation: i === widths.length - 1 ? 'linear' : 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 1000 + i + 1 }),
        ...(i === 0 ? { inputShape: [inputs] } : {}),
      }),
    ),
  });
}
