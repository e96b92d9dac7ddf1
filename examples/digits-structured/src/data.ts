/**
 * The UCI optical-recognition digits (1,797 real 8×8 images, pixels 0..16) vendored as
 * `examples/data/digits.csv.gz`, scaled to [0, 1] and split into 1,437 training and 360 test
 * images by a fixed, seeded, stratified rule.
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { EXAMPLES_DATA_DIR, mulberry32 } from '@spam/examples-common';

/** Rows in `digits.csv.gz`. */
export const DIGITS_ROWS = 1797;
/** Pixels per image (8×8). */
export const DIGITS_PIXELS = 64;
export const DIGITS_CLASSES = 10;
/** Images in the test part of the split (20 %, as scikit-learn's `test_size=0.2` would give). */
export const DIGITS_TEST_SIZE = 360;
/** Seed of the split (mulberry32). */
export const DIGITS_SPLIT_SEED = 0;

/** The digits in host memory: `images` `[n·64]` in [0, 1] (row-major 8×8), `labels` 0–9. */
export interface DigitsData {
  n: number;
  images: Float32Array;
  labels: Int32Array;
}

/**
 * Reads `digits.csv.gz` (gzip text, no header, 1,797 lines of 64 pixel values 0..16 and the label
 * 0..9) and scales the pixels by 1/16 to [0, 1]. Throws on a malformed file.
 */
export function loadDigitsCsv(dataDir = EXAMPLES_DATA_DIR): DigitsData {
  const text = gunzipSync(readFileSync(join(dataDir, 'digits.csv.gz'))).toString('utf8');
  const lines = text.split('\n').filter((l) => l.trim().length > 0);
  if (lines.length !== DIGITS_ROWS) throw new Error(`digits.csv.gz: expected ${DIGITS_ROWS} rows, got ${lines.length}`);
  const images = new Float32Array(DIGITS_ROWS * DIGITS_PIXELS);
  const labels = new Int32Array(DIGITS_ROWS);
  lines.forEach((line, r) => {
    const v = line.split(',').map(Number);
    if (v.length !== DIGITS_PIXELS + 1) throw new Error(`digits.csv.gz row ${r + 1}: expected ${DIGITS_PIXELS + 1} columns, got ${v.length}`);
    for (let j = 0; j < DIGITS_PIXELS; j++) {
      if (!(v[j] >= 0 && v[j] <= 16)) throw new Error(`digits.csv.gz row ${r + 1}: pixel ${v[j]} outside 0..16`);
      images[r * DIGITS_PIXELS + j] = v[j] / 16;
    }
    const y = v[DIGITS_PIXELS];
    if (!(Number.isInteger(y) && y >= 0 && y < DIGITS_CLASSES)) throw new Error(`digits.csv.gz row ${r + 1}: label ${y} is not 0..9`);
    labels[r] = y;
  });
  return { n: DIGITS_ROWS, images, labels };
}

/**
 * The fixed stratified split: class c gets t_c test images, t_c = ⌊n_c·360/1797⌋ plus one for the
 * classes with the largest remainders (ties: lower class) until Σ t_c = 360; within each class the
 * rows are shuffled by Fisher–Yates with mulberry32(seed + c) and the first t_c go to the test
 * part. Both parts keep the original row order (ascending indices). Returns 0-based row indices.
 */
export function digitsSplit(labels: Int32Array, testSize = DIGITS_TEST_SIZE, seed = DIGITS_SPLIT_SEED): { train: number[]; test: number[] } {
  const n = labels.length;
  if (!Number.isInteger(testSize) || testSize < 1 || testSize >= n) throw new Error(`testSize must be an integer in [1, ${n}), got ${testSize}`);
  const byClass: number[][] = Array.from({ length: DIGITS_CLASSES }, () => []);
  labels.forEach((y, i) => byClass[y].push(i));
  const exact = byClass.map((rows) => (rows.length * testSize) / n);
  const take = exact.map(Math.floor);
  const order = exact.map((e, c) => ({ c, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.c - b.c);
  for (let k = 0, left = testSize - take.reduce((a, b) => a + b, 0); k < left; k++) take[order[k].c]++;
  const test: number[] = [];
  byClass.forEach((rows, c) => {
    const idx = [...rows];
    const rand = mulberry32(seed + c);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    test.push(...idx.slice(0, take[c]));
  });
  test.sort((a, b) => a - b);
  const inTest = new Set(test);
  const train = Array.from({ length: n }, (_, i) => i).filter((i) => !inTest.has(i));
  return { train, test };
}

/** Train and test tensors: images `[n, 8, 8, 1]` in [0, 1], labels `[n]` int32. Dispose when done. */
export interface DigitsTensors {
  xTrain: tf.Tensor4D;
  yTrain: tf.Tensor1D;
  xTest: tf.Tensor4D;
  yTest: tf.Tensor1D;
  dispose(): void;
}

function rows(d: DigitsData, idx: number[]): [tf.Tensor4D, tf.Tensor1D] {
  const images = new Float32Array(idx.length * DIGITS_PIXELS);
  const labels = new Int32Array(idx.length);
  idx.forEach((src, r) => {
    images.set(d.images.subarray(src * DIGITS_PIXELS, (src + 1) * DIGITS_PIXELS), r * DIGITS_PIXELS);
    labels[r] = d.labels[src];
  });
  return [tf.tensor4d(images, [idx.length, 8, 8, 1]), tf.tensor1d(labels, 'int32')];
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
