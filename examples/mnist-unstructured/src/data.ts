/** The MNIST digits of the example as tensors: the fixed 8,000 / 2,000 split, optionally subsampled. */
import * as tf from '@tensorflow/tfjs';
import { loadMnistSplit, MNIST_PIXELS, selectRows, type MnistData } from '@spam/harness';

/** Train and test tensors: images `[n, 784]` in [0, 1], labels `[n]` int32. Dispose when done. */
export interface MnistTensors {
  xTrain: tf.Tensor2D;
  yTrain: tf.Tensor1D;
  xTest: tf.Tensor2D;
  yTest: tf.Tensor1D;
  dispose(): void;
}

function toTensors(d: MnistData): [tf.Tensor2D, tf.Tensor1D] {
  return [tf.tensor2d(d.images, [d.n, MNIST_PIXELS]), tf.tensor1d(d.labels, 'int32')];
}

/**
 * The split of `mnist_split.json`; `trainSize` / `testSize` keep the first rows of each part
 * (the split is already a random permutation), for smoke tests.
 */
export function loadMnist(options: { trainSize?: number; testSize?: number; dataDir?: string } = {}): MnistTensors {
  const { train, test } = loadMnistSplit(options.dataDir);
  const head = (d: MnistData, n?: number) =>
    n === undefined || n >= d.n
      ? d
      : selectRows(
          d,
          Array.from({ length: n }, (_, i) => i),
        );
  const [xTrain, yTrain] = toTensors(head(train, options.trainSize));
  const [xTest, yTest] = toTensors(head(test, options.testSize));
  return { xTrain, yTrain, xTest, yTest, dispose: () => tf.dispose([xTrain, yTrain, xTest, yTest]) };
}
