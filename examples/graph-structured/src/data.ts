/** The MNIST digits of the example: the first rows of the fixed 8,000 / 2,000 split of `@spam/harness`, as images. */
import * as tf from '@tensorflow/tfjs';
import { loadMnistSplit, MNIST_PIXELS, type MnistData } from '@spam/harness';

/** Train and test images `[n, 28, 28, 1]` in [0, 1] and int32 labels `[n]`; `dispose()` frees all four. */
export interface DigitTensors {
  xTrain: tf.Tensor4D;
  yTrain: tf.Tensor1D;
  xTest: tf.Tensor4D;
  yTest: tf.Tensor1D;
  dispose(): void;
}

/** The first `trainSize` training and `testSize` test digits (the split is a random permutation already). */
export function loadDigits(trainSize: number, testSize: number, dataDir?: string): DigitTensors {
  const { train, test } = loadMnistSplit(dataDir);
  const cut = (d: MnistData, n: number): [tf.Tensor4D, tf.Tensor1D] => {
    const rows = Math.min(n, d.n);
    return [tf.tensor4d(d.images.subarray(0, rows * MNIST_PIXELS), [rows, 28, 28, 1]), tf.tensor1d(d.labels.subarray(0, rows), 'int32')];
  };
  const [xTrain, yTrain] = cut(train, trainSize);
  const [xTest, yTest] = cut(test, testSize);
  return { xTrain, yTrain, xTest, yTest, dispose: () => tf.dispose([xTrain, yTrain, xTest, yTest]) };
}
