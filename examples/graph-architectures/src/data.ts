/** The MNIST digits of the example: the fixed 8,000 / 2,000 split, as images or flat vectors. */
import * as tf from '@tensorflow/tfjs';
import { loadMnistSplit, MNIST_PIXELS, selectRows, type MnistData } from '@spam/harness';

/** Train and test tensors: images `[n, 28, 28, 1]` or vectors `[n, 784]` in [0, 1], labels `[n]` int32. */
export interface MnistTensors {
  xTrain: tf.Tensor;
  yTrain: tf.Tensor1D;
  xTest: tf.Tensor;
  yTest: tf.Tensor1D;
  dispose(): void;
}

/** Training digits in the split file (all of them: 8,000) and test digits (2,000). */
export const MNIST_TRAIN = 8000;
export const MNIST_TEST = 2000;

/**
 * The split of `mnist_split.json` (a random permutation already), its first `trainSize` /
 * `testSize` rows, in `layout` `'image'` `[28, 28, 1]` (ResNet, ViT) or `'flat'` `[784]` (Mixer).
 */
export function loadMnist(
  layout: 'image' | 'flat',
  options: { trainSize?: number; testSize?: number; dataDir?: string } = {},
): MnistTensors {
  const { train, test } = loadMnistSplit(options.dataDir);
  const head = (d: MnistData, n?: number) =>
    n === undefined || n >= d.n
      ? d
      : selectRows(
          d,
          Array.from({ length: n }, (_, i) => i),
        );
  const shape = layout === 'image' ? [28, 28, 1] : [MNIST_PIXELS];
  const toTensors = (d: MnistData): [tf.Tensor, tf.Tensor1D] => [tf.tensor(d.images, [d.n, ...shape]), tf.tensor1d(d.labels, 'int32')];
  const [xTrain, yTrain] = toTensors(head(train, options.trainSize));
  const [xTest, yTest] = toTensors(head(test, options.testSize));
  return { xTrain, yTrain, xTest, yTest, dispose: () => tf.dispose([xTrain, yTrain, xTest, yTest]) };
}
