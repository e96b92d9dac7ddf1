/**
 * Diabetes (Efron et al. 2004) loader: the vendored gzip files in `examples/data/` (10 raw
 * baseline variables per line, space separated; the target, one per line), a fixed seeded 80/20
 * split, and standardisation of the inputs and the target with the training mean and std (ddof 0).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { EXAMPLES_DATA_DIR, mulberry32 } from '@spam/examples-common';

/** `examples/data/`, where the vendored data lives. */
export const DEFAULT_DATA_DIR = EXAMPLES_DATA_DIR;

export const FEATURE_FILE = 'diabetes_data_raw.csv.gz';
export const TARGET_FILE = 'diabetes_target.csv.gz';

/** The variables of the raw file, in column order. */
export const FEATURE_NAMES = ['age', 'sex', 'bmi', 'bp', 's1 (tc)', 's2 (ldl)', 's3 (hdl)', 's4 (tch)', 's5 (ltg)', 's6 (glu)'] as const;

/** The parsed table: row-major features `[rows, cols]` and the target. */
export interface DiabetesTable {
  rows: number;
  numFeatures: number;
  features: Float64Array;
  target: Float64Array;
}

export interface LoadOptions {
  /** Directory holding the two gzip files. Default {@link DEFAULT_DATA_DIR}. */
  dataDir?: string;
  /** Seed of the 80/20 split. Default {@link SPLIT_SEED}. */
  splitSeed?: number;
  /** Fraction of rows in the test set. Default 0.2. */
  testFraction?: number;
}

/** Train/test tensors (standardised) plus what is needed to map back to the original units. */
export interface DiabetesData {
  /** Standardised inputs `[n, 10]`. */
  xTrain: tf.Tensor2D;
  xTest: tf.Tensor2D;
  /** Standardised targets `[n, 1]`. */
  yTrain: tf.Tensor2D;
  yTest: tf.Tensor2D;
  /** Row indices (into the files) of the two sets. */
  trainIndices: Int32Array;
  testIndices: Int32Array;
  numFeatures: number;
  /** Training mean / std (ddof 0) of the inputs. */
  xMean: Float64Array;
  xStd: Float64Array;
  /** Training mean / std (ddof 0) of the target: y = yMean + yStd · z. */
  yMean: number;
  yStd: number;
  /** Standardised inputs and targets as float64 arrays (for the least-squares reference). */
  xTrainValues: Float64Array;
  xTestValues: Float64Array;
  yTrainValues: Float64Array;
  yTestValues: Float64Array;
  /** Disposes the four tensors. */
  dispose(): void;
}

/** The default split seed. */
export const SPLIT_SEED = 42;

function numbersOf(line: string): number[] {
  return line
    .trim()
    .split(/\s+/)
    .map((c) => Number(c));
}

/** Parses the two (already decompressed) files. */
export function parseDiabetes(featureText: string, targetText: string): DiabetesTable {
  const xl = featureText.split(/\r?\n/).filter((l) => l.trim().length > 0);
  const yl = targetText.split(/\r?\n/).filter((l) => l.trim().length > 0);
  if (xl.length === 0) throw new Error(`${FEATURE_FILE} is empty`);
  if (xl.length !== yl.length) throw new Error(`${FEATURE_FILE} has ${xl.length} rows but ${TARGET_FILE} has ${yl.length}`);
  const rows = xl.length;
  const numFeatures = numbersOf(xl[0]).length;
  const features = new Float64Array(rows * numFeatures);
  const target = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const cells = numbersOf(xl[r]);
    if (cells.length !== numFeatures) throw new Error(`${FEATURE_FILE} row ${r} has ${cells.length} values, expected ${numFeatures}`);
    cells.forEach((v, c) => {
      if (!Number.isFinite(v)) throw new Error(`${FEATURE_FILE} row ${r}, column ${c} is not a number`);
      features[r * numFeatures + c] = v;
    });
    const y = numbersOf(yl[r]);
    if (y.length !== 1 || !Number.isFinite(y[0])) throw new Error(`${TARGET_FILE} row ${r}: '${yl[r]}' is not one number`);
    target[r] = y[0];
  }
  return { rows, numFeatures, features, target };
}

/** Reads and decompresses the vendored files. */
export function readDiabetes(dataDir = DEFAULT_DATA_DIR): DiabetesTable {
  const text = (f: string) => gunzipSync(readFileSync(join(dataDir, f))).toString('utf8');
  return parseDiabetes(text(FEATURE_FILE), text(TARGET_FILE));
}

/** Mulberry32, the seeded PRNG of the split (from `@spam/examples-common`). */
export { mulberry32 };

/**
 * The fixed split: a Fisher–Yates permutation of 0..n−1 from {@link mulberry32}(seed); the first
 * round(n·testFraction) indices are the test set, the rest the training set (both sorted).
 */
export function splitIndices(n: number, seed = SPLIT_SEED, testFraction = 0.2): { train: Int32Array; test: Int32Array } {
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

/** Loads the data, splits it and standardises inputs and target with the training statistics. */
export function loadDiabetes(options: LoadOptions = {}): DiabetesData {
  const table = readDiabetes(options.dataDir);
  const { train, test } = splitIndices(table.rows, options.splitSeed ?? SPLIT_SEED, options.testFraction ?? 0.2);
  const d = table.numFeatures;
  const xMean = new Float64Array(d);
  const xStd = new Float64Array(d);
  for (const r of train) for (let c = 0; c < d; c++) xMean[c] += table.features[r * d + c];
  for (let c = 0; c < d; c++) xMean[c] /= train.length;
  for (const r of train) for (let c = 0; c < d; c++) xStd[c] += (table.features[r * d + c] - xMean[c]) ** 2;
  for (let c = 0; c < d; c++) xStd[c] = Math.sqrt(xStd[c] / train.length) || 1;
  let yMean = 0;
  for (const r of train) yMean += table.target[r];
  yMean /= train.length;
  let yVar = 0;
  for (const r of train) yVar += (table.target[r] - yMean) ** 2;
  const yStd = Math.sqrt(yVar / train.length) || 1;

  const xs = (idx: Int32Array) => {
    const out = new Float64Array(idx.length * d);
    idx.forEach((r, i) => {
      for (let c = 0; c < d; c++) out[i * d + c] = (table.features[r * d + c] - xMean[c]) / xStd[c];
    });
    return out;
  };
  const ys = (idx: Int32Array) => Float64Array.from(idx, (r) => (table.target[r] - yMean) / yStd);
  const xTrainValues = xs(train);
  const xTestValues = xs(test);
  const yTrainValues = ys(train);
  const yTestValues = ys(test);
  const xTrain = tf.tensor2d(Float32Array.from(xTrainValues), [train.length, d]);
  const xTest = tf.tensor2d(Float32Array.from(xTestValues), [test.length, d]);
  const yTrain = tf.tensor2d(Float32Array.from(yTrainValues), [train.length, 1]);
  const yTest = tf.tensor2d(Float32Array.from(yTestValues), [test.length, 1]);
  return {
    xTrain,
    xTest,
    yTrain,
    yTest,
    trainIndices: train,
    testIndices: test,
    numFeatures: d,
    xMean,
    xStd,
    yMean,
    yStd,
    xTrainValues,
    xTestValues,
    yTrainValues,
    yTestValues,
    dispose: () => tf.dispose([xTrain, xTest, yTrain, yTest]),
  };
}

/**
 * Ordinary least squares with an intercept on (standardised) inputs, by the normal equations
 * (Gaussian elimination with partial pivoting, float64): a reference for the nets. Returns the
 * test mean squared error in the same (standardised) units and the residual std on the training set.
 */
export function leastSquaresReference(data: Pick<DiabetesData, 'xTrainValues' | 'yTrainValues' | 'xTestValues' | 'yTestValues' | 'numFeatures'>): {
  testMse: number;
  trainMse: number;
} {
  const d = data.numFeatures + 1;
  const nTrain = data.yTrainValues.length;
  const row = (x: Float64Array, i: number) => [1, ...Array.from(x.subarray(i * (d - 1), (i + 1) * (d - 1)))];
  const m = Array.from({ length: d }, () => new Float64Array(d + 1));
  for (let i = 0; i < nTrain; i++) {
    const r = row(data.xTrainValues, i);
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) m[a][b] += r[a] * r[b];
      m[a][d] += r[a] * data.yTrainValues[i];
    }
  }
  for (let c = 0; c < d; c++) {
    let piv = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(m[r][c]) > Math.abs(m[piv][c])) piv = r;
    [m[c], m[piv]] = [m[piv], m[c]];
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= d; k++) m[r][k] -= f * m[c][k];
    }
  }
  const w = m.map((r, i) => r[d] / r[i]);
  const mse = (x: Float64Array, y: Float64Array) => {
    let s = 0;
    for (let i = 0; i < y.length; i++) {
      const r = row(x, i);
      let f = 0;
      for (let a = 0; a < d; a++) f += w[a] * r[a];
      s += (f - y[i]) ** 2;
    }
    return s / y.length;
  };
  return { testMse: mse(data.xTestValues, data.yTestValues), trainMse: mse(data.xTrainValues, data.yTrainValues) };
}
