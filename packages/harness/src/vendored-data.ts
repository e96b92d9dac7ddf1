/**
 * Host-side loaders of the tabular and image sets vendored in `packages/harness/data/` (see its README for
 * sources and licences), with their fixed splits: one implementation shared by the examples
 * (`breast-cancer`, `diabetes`, `digits-structured`), which make tensors from it, and the `spam`
 * command, which makes its `HostDataset`s from it.
 * - Breast cancer: `breast_cancer.csv`, split 455 / 114 by `breast_cancer_split.json`.
 * - Diabetes: `diabetes_data_raw.csv.gz` + `diabetes_target.csv.gz`, split 354 / 88 by the seeded
 *   shuffle of {@link diabetesSplit}.
 * - Digits: `digits.csv.gz` (UCI 8×8 digits), split 1,437 / 360 by the stratified seeded rule of
 *   {@link digitsSplit}.
 *
 * Malformed files throw the error made by the `corrupt` factory the caller passes (default: a
 * plain `Error` whose message starts with the file name).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DATA_DIR } from './data-dir.js';
import { mulberry32 } from './random.js';

/** Makes the error thrown for a malformed file: `file` (as given to the parser) and what is wrong with it. */
export type CorruptFileError = (file: string, detail: string) => Error;

/** The default {@link CorruptFileError}: a plain `Error` with the message `<file>: <detail>`. */
export const corruptFileError: CorruptFileError = (file, detail) => new Error(`${file}: ${detail}`);

/** Per-column training statistics (ddof 0) for `z = (x − mean) / std`. */
export interface ColumnStats {
  mean: Float64Array;
  std: Float64Array;
}

/** The non-empty lines of a text file. */
const nonEmptyLines = (text: string) => text.split(/\r?\n/).filter((l) => l.trim().length > 0);

/** Reads a gzip file as UTF-8 text. */
const gunzipText = (file: string) => gunzipSync(readFileSync(file)).toString('utf8');

// ---------------------------------------------------------------------------------------------
// Shared: standardisation and fixed split files

/** Per-column mean and std (ddof 0) of the rows `rows` of a row-major `[*, cols]` table; a zero std becomes 1. */
export function columnStats(values: Float64Array, cols: number, rows: ArrayLike<number>): ColumnStats {
  const mean = new Float64Array(cols);
  const std = new Float64Array(cols);
  const n = rows.length;
  for (let i = 0; i < n; i++) for (let c = 0; c < cols; c++) mean[c] += values[rows[i] * cols + c];
  for (let c = 0; c < cols; c++) mean[c] /= n;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < cols; c++) {
      const z = values[rows[i] * cols + c] - mean[c];
      std[c] += z * z;
    }
  }
  for (let c = 0; c < cols; c++) std[c] = Math.sqrt(std[c] / n) || 1;
  return { mean, std };
}

/** The rows `rows` of a row-major `[*, cols]` float64 table, in float64, optionally `(x − mean) / std`. */
export function standardizeRows(values: Float64Array, cols: number, rows: ArrayLike<number>, stats?: ColumnStats): Float64Array {
  const out = new Float64Array(rows.length * cols);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    for (let c = 0; c < cols; c++) {
      const v = values[r * cols + c];
      out[i * cols + c] = stats ? (v - stats.mean[c]) / stats.std[c] : v;
    }
  }
  return out;
}

/** {@link standardizeRows} rounded to float32 (what the tensors hold). */
export function gatherRows(values: Float64Array, cols: number, rows: ArrayLike<number>, stats?: ColumnStats): Float32Array {
  return Float32Array.from(standardizeRows(values, cols, rows, stats));
}

/** Parses a split file `{train_indices, test_indices}`: integer row indices in [0, rows), disjoint, no repeats. */
export function parseSplitJson(
  text: string,
  rows: number,
  file: string,
  corrupt: CorruptFileError = corruptFileError,
): { train: number[]; test: number[] } {
  let raw: { train_indices?: unknown; test_indices?: unknown };
  try {
    raw = JSON.parse(text) as typeof raw;
  } catch (e) {
    throw corrupt(file, `not valid JSON (${(e as Error).message})`);
  }
  const check = (v: unknown, key: string): number[] => {
    if (!Array.isArray(v) || v.some((i) => !Number.isInteger(i) || i < 0 || i >= rows)) {
      throw corrupt(file, `${key} must be an array of row indices in [0, ${rows})`);
    }
    return v as number[];
  };
  const train = check(raw.train_indices, 'train_indices');
  const test = check(raw.test_indices, 'test_indices');
  const seen = new Set(train);
  if (seen.size !== train.length || test.some((i) => seen.has(i)) || new Set(test).size !== test.length) {
    throw corrupt(file, 'train and test indices overlap or repeat');
  }
  return { train, test };
}

// ---------------------------------------------------------------------------------------------
// Breast cancer

/** The breast-cancer CSV in `packages/harness/data/`. */
export const BREAST_CANCER_FILE = 'breast_cancer.csv';
/** The fixed breast-cancer split (scikit-learn `train_test_split(test_size=0.2, random_state=42)`). */
export const BREAST_CANCER_SPLIT_FILE = 'breast_cancer_split.json';

/** The parsed breast-cancer CSV: row-major features `[rows, cols]` in float64 and the 0/1 labels. */
export interface BreastCancerTable {
  rows: number;
  numFeatures: number;
  classNames: [string, string];
  features: Float64Array;
  labels: Int32Array;
}

/** Parses the breast-cancer CSV: header `rows,cols,class0,class1`, then `cols` features and the 0/1 label per line. */
export function parseBreastCancerCsv(
  text: string,
  file = BREAST_CANCER_FILE,
  corrupt: CorruptFileError = corruptFileError,
): BreastCancerTable {
  const lines = nonEmptyLines(text);
  if (lines.length === 0) throw corrupt(file, 'is empty');
  const header = lines[0].split(',');
  const rows = Number(header[0]);
  const numFeatures = Number(header[1]);
  if (header.length < 4 || !Number.isInteger(rows) || !Number.isInteger(numFeatures)) {
    throw corrupt(file, `unexpected header '${lines[0]}', expected 'rows,cols,class0,class1'`);
  }
  if (lines.length - 1 !== rows) throw corrupt(file, `header says ${rows} rows but the file has ${lines.length - 1}`);
  const features = new Float64Array(rows * numFeatures);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const cells = lines[r + 1].split(',');
    if (cells.length !== numFeatures + 1) throw corrupt(file, `row ${r} has ${cells.length} cells, expected ${numFeatures + 1}`);
    for (let c = 0; c < numFeatures; c++) {
      const v = Number(cells[c]);
      if (!Number.isFinite(v)) throw corrupt(file, `row ${r}, column ${c}: '${cells[c]}' is not a number`);
      features[r * numFeatures + c] = v;
    }
    const y = Number(cells[numFeatures]);
    if (y !== 0 && y !== 1) throw corrupt(file, `row ${r}: label '${cells[numFeatures]}' is not 0 or 1`);
    labels[r] = y;
  }
  return { rows, numFeatures, classNames: [header[2], header[3]], features, labels };
}

/** Breast cancer in host memory: the table, its fixed split and the two parts (float32 features). */
export interface BreastCancerHost {
  table: BreastCancerTable;
  /** Row indices of the two parts, in the split file's order. */
  split: { train: number[]; test: number[] };
  /** Training statistics of the features when standardised. */
  stats?: ColumnStats;
  /** Features `[n·cols]` of the two parts, standardised with {@link BreastCancerHost.stats} when given. */
  xTrain: Float32Array;
  xTest: Float32Array;
  /** Labels of the two parts (0 = malignant, 1 = benign). */
  trainLabels: Int32Array;
  testLabels: Int32Array;
  /** The CSV and split file read. */
  files: [string, string];
}

/**
 * Reads `breast_cancer.csv` and `breast_cancer_split.json` from `dataDir` (default
 * {@link DATA_DIR}): the fixed 455 / 114 split, the features standardised with the
 * training mean / std (ddof 0) unless `standardize: false`.
 */
export function loadBreastCancerHost(
  options: { dataDir?: string; standardize?: boolean; corrupt?: CorruptFileError } = {},
): BreastCancerHost {
  const dir = options.dataDir ?? DATA_DIR;
  const csv = join(dir, BREAST_CANCER_FILE);
  const splitFile = join(dir, BREAST_CANCER_SPLIT_FILE);
  const table = parseBreastCancerCsv(readFileSync(csv, 'utf8'), csv, options.corrupt);
  const split = parseSplitJson(readFileSync(splitFile, 'utf8'), table.rows, splitFile, options.corrupt);
  const d = table.numFeatures;
  const stats = (options.standardize ?? true) ? columnStats(table.features, d, split.train) : undefined;
  const labels = (idx: number[]) => Int32Array.from(idx, (r) => table.labels[r]);
  return {
    table,
    split,
    stats,
    xTrain: gatherRows(table.features, d, split.train, stats),
    xTest: gatherRows(table.features, d, split.test, stats),
    trainLabels: labels(split.train),
    testLabels: labels(split.test),
    files: [csv, splitFile],
  };
}

// ---------------------------------------------------------------------------------------------
// Diabetes

/** The diabetes features: 10 raw baseline variables per line, space separated (gzip). */
export const DIABETES_FEATURE_FILE = 'diabetes_data_raw.csv.gz';
/** The diabetes target, one number per line (gzip). */
export const DIABETES_TARGET_FILE = 'diabetes_target.csv.gz';
/** Seed of the diabetes split (mulberry32). */
export const DIABETES_SPLIT_SEED = 42;
/** Fraction of the diabetes rows in the test part. */
export const DIABETES_TEST_FRACTION = 0.2;

/** The parsed diabetes files: row-major features `[rows, cols]` and the target. */
export interface DiabetesTable {
  rows: number;
  numFeatures: number;
  features: Float64Array;
  target: Float64Array;
}

const numbersOf = (line: string) => line.trim().split(/\s+/).map(Number);

/** Parses the two (already decompressed) diabetes files → row-major features `[rows, 10]` and the target. */
export function parseDiabetes(
  featureText: string,
  targetText: string,
  featureFile = DIABETES_FEATURE_FILE,
  targetFile = DIABETES_TARGET_FILE,
  corrupt: CorruptFileError = corruptFileError,
): DiabetesTable {
  const xl = nonEmptyLines(featureText);
  const yl = nonEmptyLines(targetText);
  if (xl.length === 0) throw corrupt(featureFile, 'is empty');
  if (xl.length !== yl.length) throw corrupt(targetFile, `has ${yl.length} rows but ${featureFile} has ${xl.length}`);
  const rows = xl.length;
  const numFeatures = numbersOf(xl[0]).length;
  const features = new Float64Array(rows * numFeatures);
  const target = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const cells = numbersOf(xl[r]);
    if (cells.length !== numFeatures) throw corrupt(featureFile, `row ${r} has ${cells.length} values, expected ${numFeatures}`);
    cells.forEach((v, c) => {
      if (!Number.isFinite(v)) throw corrupt(featureFile, `row ${r}, column ${c} is not a number`);
      features[r * numFeatures + c] = v;
    });
    const y = numbersOf(yl[r]);
    if (y.length !== 1 || !Number.isFinite(y[0])) throw corrupt(targetFile, `row ${r}: '${yl[r]}' is not one number`);
    target[r] = y[0];
  }
  return { rows, numFeatures, features, target };
}

/** Reads and decompresses the two diabetes files in `dataDir` (default {@link DATA_DIR}). */
export function readDiabetes(dataDir = DATA_DIR, corrupt: CorruptFileError = corruptFileError): DiabetesTable {
  const xFile = join(dataDir, DIABETES_FEATURE_FILE);
  const yFile = join(dataDir, DIABETES_TARGET_FILE);
  return parseDiabetes(gunzipText(xFile), gunzipText(yFile), xFile, yFile, corrupt);
}

/**
 * The diabetes split: a Fisher–Yates permutation of 0..n−1 drawn with mulberry32(seed); the first
 * round(n·testFraction) indices are the test set, the rest the training set, both sorted ascending
 * (442 rows → 354 / 88 with the defaults).
 */
export function diabetesSplit(
  n: number,
  seed = DIABETES_SPLIT_SEED,
  testFraction = DIABETES_TEST_FRACTION,
): { train: Int32Array; test: Int32Array } {
  if (!(testFraction > 0 && testFraction < 1)) throw new Error(`testFraction must be in (0, 1), got ${testFraction}`);
  const rand = mulberry32(seed);
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  const nTest = Math.round(n * testFraction);
  return { train: p.slice(nTest).sort(), test: p.slice(0, nTest).sort() };
}

/** Diabetes in host memory: the table, the split and the two parts in float64. */
export interface DiabetesHost {
  table: DiabetesTable;
  /** Row indices of the two parts (ascending). */
  train: Int32Array;
  test: Int32Array;
  /** Training statistics of the features and of the target (one column) when standardised. */
  xStats?: ColumnStats;
  yStats?: ColumnStats;
  /** Features `[n·cols]` and targets `[n]` of the two parts, standardised when the stats are given. */
  xTrain: Float64Array;
  xTest: Float64Array;
  yTrain: Float64Array;
  yTest: Float64Array;
  /** The feature and target files read. */
  files: [string, string];
}

/**
 * Reads the diabetes files from `dataDir` (default {@link DATA_DIR}), splits them by
 * {@link diabetesSplit}(rows, splitSeed, testFraction) and standardises the features and the target
 * with the training mean / std (ddof 0) unless `standardize: false`.
 */
export function loadDiabetesHost(
  options: { dataDir?: string; standardize?: boolean; splitSeed?: number; testFraction?: number; corrupt?: CorruptFileError } = {},
): DiabetesHost {
  const dir = options.dataDir ?? DATA_DIR;
  const table = readDiabetes(dir, options.corrupt);
  const { train, test } = diabetesSplit(
    table.rows,
    options.splitSeed ?? DIABETES_SPLIT_SEED,
    options.testFraction ?? DIABETES_TEST_FRACTION,
  );
  const standardized = options.standardize ?? true;
  const d = table.numFeatures;
  const xStats = standardized ? columnStats(table.features, d, train) : undefined;
  const yStats = standardized ? columnStats(table.target, 1, train) : undefined;
  return {
    table,
    train,
    test,
    xStats,
    yStats,
    xTrain: standardizeRows(table.features, d, train, xStats),
    xTest: standardizeRows(table.features, d, test, xStats),
    yTrain: standardizeRows(table.target, 1, train, yStats),
    yTest: standardizeRows(table.target, 1, test, yStats),
    files: [join(dir, DIABETES_FEATURE_FILE), join(dir, DIABETES_TARGET_FILE)],
  };
}

// ---------------------------------------------------------------------------------------------
// Digits

/** The UCI 8×8 digits in `packages/harness/data/` (gzip CSV, no header). */
export const DIGITS_FILE = 'digits.csv.gz';
/** Rows in `digits.csv.gz`. */
export const DIGITS_ROWS = 1797;
/** Pixels per image (8×8). */
export const DIGITS_PIXELS = 64;
/** Digit classes 0–9. */
export const DIGITS_CLASSES = 10;
/** Images in the test part of the split (20 %, as scikit-learn's `test_size=0.2` would give). */
export const DIGITS_TEST_SIZE = 360;
/** Seed of the digits split (mulberry32). */
export const DIGITS_SPLIT_SEED = 0;

/** The digits in host memory: `images` `[n·64]` in [0, 1] (row-major 8×8), `labels` 0–9. */
export interface DigitsData {
  n: number;
  images: Float32Array;
  labels: Int32Array;
}

/** Parses the decompressed digits CSV (no header, 64 pixels 0..16 then the label per line) → pixels / 16 and labels. */
export function parseDigitsCsv(text: string, file = DIGITS_FILE, corrupt: CorruptFileError = corruptFileError): DigitsData {
  const lines = nonEmptyLines(text);
  const n = lines.length;
  if (n === 0) throw corrupt(file, 'is empty');
  const images = new Float32Array(n * DIGITS_PIXELS);
  const labels = new Int32Array(n);
  lines.forEach((line, r) => {
    const v = line.split(',').map(Number);
    if (v.length !== DIGITS_PIXELS + 1) throw corrupt(file, `row ${r + 1}: expected ${DIGITS_PIXELS + 1} columns, got ${v.length}`);
    for (let j = 0; j < DIGITS_PIXELS; j++) {
      if (!(v[j] >= 0 && v[j] <= 16)) throw corrupt(file, `row ${r + 1}: pixel ${v[j]} outside 0..16`);
      images[r * DIGITS_PIXELS + j] = v[j] / 16;
    }
    const y = v[DIGITS_PIXELS];
    if (!(Number.isInteger(y) && y >= 0 && y < DIGITS_CLASSES)) throw corrupt(file, `row ${r + 1}: label ${y} is not 0..9`);
    labels[r] = y;
  });
  return { n, images, labels };
}

/**
 * Reads `digits.csv.gz` from `dataDir` (default {@link DATA_DIR}; gzip text, 1,797 lines
 * of 64 pixel values 0..16 and the label 0..9) and scales the pixels by 1/16 to [0, 1]. Throws on
 * a malformed file or a row count other than {@link DIGITS_ROWS}.
 */
export function loadDigitsCsv(dataDir = DATA_DIR, corrupt: CorruptFileError = corruptFileError): DigitsData {
  const file = join(dataDir, DIGITS_FILE);
  const data = parseDigitsCsv(gunzipText(file), file, corrupt);
  if (data.n !== DIGITS_ROWS) throw corrupt(file, `expected ${DIGITS_ROWS} rows, got ${data.n}`);
  return data;
}

/**
 * The fixed stratified split of the digits: class c gets t_c test images, t_c = ⌊n_c·testSize/n⌋
 * plus one for the classes with the largest remainders (ties: lower class) until Σ t_c = testSize;
 * within each class the rows are shuffled by Fisher–Yates with mulberry32(seed + c) and the first
 * t_c go to the test part. Both parts keep the file order (ascending 0-based row indices). With the
 * defaults: 1,437 train / 360 test.
 */
export function digitsSplit(
  labels: Int32Array,
  testSize = DIGITS_TEST_SIZE,
  seed = DIGITS_SPLIT_SEED,
): { train: number[]; test: number[] } {
  const n = labels.length;
  if (!Number.isInteger(testSize) || testSize < 1 || testSize >= n)
    throw new Error(`testSize must be an integer in [1, ${n}), got ${testSize}`);
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

/** The rows `idx` of the digits, in that order: images `[k·64]` and labels `[k]`. */
export function selectDigits(data: DigitsData, idx: readonly number[]): DigitsData {
  const images = new Float32Array(idx.length * DIGITS_PIXELS);
  const labels = new Int32Array(idx.length);
  idx.forEach((src, r) => {
    images.set(data.images.subarray(src * DIGITS_PIXELS, (src + 1) * DIGITS_PIXELS), r * DIGITS_PIXELS);
    labels[r] = data.labels[src];
  });
  return { n: idx.length, images, labels };
}
