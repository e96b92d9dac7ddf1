/**
 * Diabetes: `diabetes_data_raw.csv.gz` + `diabetes_target.csv.gz`, split 354 / 88 by a seeded shuffle.
 * @packageDocumentation
 */
import { join } from 'node:path';
import { DATA_DIR } from '../data-dir.js';
import { mulberry32 } from '../random.js';
import {
  corruptFileError,
  type CorruptFileError,
  type ColumnStats,
  nonEmptyLines,
  gunzipText,
  columnStats,
  standardizeRows,
} from './common.js';

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
