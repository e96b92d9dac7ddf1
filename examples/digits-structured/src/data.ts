/**
 * The UCI optical-recognition digits (1,797 real 8×8 images, pixels 0..16) vendored as
 * `packages/harness/data/digits.csv.gz`, scaled to [0, 1] and split into 1,437 training and 360 test
 * images by a fixed, seeded, stratified rule.
 */
import * as tf from '@tensorflow/tfjs';
import {
  DIGITS_CLASSES,
  DIGITS_PIXELS,
  DIGITS_ROWS,
  DIGITS_SPLIT_SEED,
  DIGITS_TEST_SIZE,
  digitsSplit,
  loadDigitsCsv,
  selectDigits,
  type DigitsData,
} from '@spam/harness';

/**
 * The digits constants (rows 1,797, 64 pixels, 10 classes, 360 test images, split seed 0), the
 * host-memory type `DigitsData`, the reader `loadDigitsCsv(dataDir)` and the stratified seeded
 * `digitsSplit(labels)`: all from `@spam/harness` (shared with the `spam` command).
 */
export { DIGITS_CLASSES, DIGITS_PIXELS, DIGITS_ROWS, DIGITS_SPLIT_SEED, DIGITS_TEST_SIZE, digitsSplit, loadDigitsCsv, type DigitsData };

/** Train and test tensors: images `[n, 8, 8, 1]` in [0, 1], labels `[n]` int32. Dispose when done. */
export interface DigitsTensors {
  xTrain: tf.Tensor4D;
  yTrain: tf.Tensor1D;
  xTest: tf.Tensor4D;
  yTest: tf.Tensor1D;
  dispose(): void;
}

function rows(d: DigitsData, idx: number[]): [tf.Tensor4D, tf.Tensor1D] {
  const part = selectDigits(d, idx);
  return [tf.tensor4d(part.images, [idx.length, 8, 8, 1]), tf.tensor1d(part.labels, 'int32')];
}

/**
 * The split as tensors; `trainSize` / `testSize` keep the first rows of each part (for smoke
 * tests; the parts are in file order, which cycles through the classes, so heads stay mixed).
 */
export function loadDigits(options: { trainSize?: number; testSize?: number; dataDir?: string } = {}): DigitsTensors {
  const data = loadDigitsCsv(options.dataDir);
  const split = digitsSplit(data.labels);
  const head = (idx: number[], k?: number) => (k === undefined ? idx : idx.slice(0, k));
  const [xTrain, yTrain] = rows(data, head(split.train, options.trainSize));
  const [xTest, yTest] = rows(data, head(split.test, options.testSize));
  return { xTrain, yTrain, xTest, yTest, dispose: () => tf.dispose([xTrain, yTrain, xTest, yTest]) };
}
