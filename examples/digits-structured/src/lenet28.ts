/**
 * The paper's LeNet for 28×28 inputs and the 10,000 real MNIST digits of `@spam/harness` (the fixed
 * 8,000 / 2,000 split), for the structured-protocol reproduction (`src/lenet-mnist.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import { loadMnistSplit, MNIST_CLASSES, type MnistData } from '@spam/harness';

/** Multiply-accumulates of {@link buildPaperLeNet} per 28×28 image (the paper's count). */
export const PAPER_LENET_MACS = 231_720;

const glorot = (seed: number, i: number) => ({ kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 1000 + i }) });

/**
 * The paper's LeNet for 28×28×1 inputs, 'valid' padding, ReLU, logits:
 * Conv 6@5×5 (24×24) → MaxPool 2 (12×12) → Conv 16@3×3 (10×10) → MaxPool 2 (5×5) → Conv 120@5×5
 * (1×1) → Flatten → Dense 84 → Dense 10. MACs: 86,400 + 86,400 + 48,000 + 10,080 + 840 = 231,720.
 * Seeded Glorot-uniform kernels (seed ≥ 1; tfjs treats 0 as unseeded).
 */
export function buildPaperLeNet(seed: number): tf.Sequential {
  return tf.sequential({
    name: 'LeNet5',
    layers: [
      tf.layers.conv2d({ name: 'conv1', inputShape: [28, 28, 1], filters: 6, kernelSize: 5, activation: 'relu', ...glorot(seed, 1) }),
      tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }),
      tf.layers.conv2d({ name: 'conv2', filters: 16, kernelSize: 3, activation: 'relu', ...glorot(seed, 2) }),
      tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2 }),
      tf.layers.conv2d({ name: 'conv3', filters: 120, kernelSize: 5, activation: 'relu', ...glorot(seed, 3) }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ name: 'fc1', units: 84, activation: 'relu', ...glorot(seed, 4) }),
      tf.layers.dense({ name: 'logits', units: MNIST_CLASSES, ...glorot(seed, 5) }),
    ],
  });
}

/** MNIST digits as image tensors (owned by the caller). */
export interface MnistTensors {
  xTrain: tf.Tensor4D;
  yTrain: tf.Tensor1D;
  xTest: tf.Tensor4D;
  yTest: tf.Tensor1D;
}

/** The fixed 8,000 / 2,000 split as `[N, 28, 28, 1]` images in [0, 1] and int32 labels; `trainSize` keeps the first rows. */
export function loadMnistImages(trainSize?: number, testSize?: number): MnistTensors {
  const { train, test } = loadMnistSplit();
  const cut = (d: MnistData, n: number | undefined): [tf.Tensor4D, tf.Tensor1D] => {
    const rows = Math.min(n ?? d.n, d.n);
    return [tf.tensor4d(d.images.subarray(0, rows * 784), [rows, 28, 28, 1]), tf.tensor1d(d.labels.subarray(0, rows), 'int32')];
  };
  const [xTrain, yTrain] = cut(train, trainSize);
  const [xTest, yTest] = cut(test, testSize);
  return { xTrain, yTrain, xTest, yTest };
}
