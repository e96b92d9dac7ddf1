/**
 * Diabetes (Efron et al. 2004) loader: the vendored gzip files in `packages/harness/data/` (10 raw
 * baseline variables per line, space separated; the target, one per line), a fixed seeded 80/20
 * split, and standardisation of the inputs and the target with the training mean and std (ddof 0).
 */
import * as tf from '@tensorflow/tfjs';
import {
  DIABETES_FEATURE_FILE,
  DIABETES_SPLIT_SEED,
  DIABETES_TARGET_FILE,
  DIABETES_TEST_FRACTION,
  diabetesSplit,
  DATA_DIR,
  loadDiabetesHost,
  mulberry32,
  parseDiabetes,
  readDiabetes,
  type DiabetesTable,
} from '@spam/harness';

/** `packages/harness/data/`, where the vendored data lives. */
export const DEFAULT_DATA_DIR = DATA_DIR;

/** The raw features file (gzip, 10 space-separated values per line). */
export const FEATURE_FILE = DIABETES_FEATURE_FILE;
/** The target file (gzip, one value per line). */
export const TARGET_FILE = DIABETES_TARGET_FILE;

/** The variables of the raw file, in column order. */
export const FEATURE_NAMES = ['age', 'sex', 'bmi', 'bp', 's1 (tc)', 's2 (ldl)', 's3 (hdl)', 's4 (tch)', 's5 (ltg)', 's6 (glu)'] as const;

/** The parsed table: row-major features `[rows, cols]` and the target (from `@spam/harness`). */
export type { DiabetesTable };

/** Options of {@link loadDiabetes}. */
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
export const SPLIT_SEED = DIABETES_SPLIT_SEED;

/**
 * Parses the two (already decompressed) files; `readDiabetes(dataDir)` reads and decompresses the
 * vendored files (both from `@spam/harness`).
 */
export { parseDiabetes, readDiabetes };

/** Mulberry32, the seeded PRNG of the split (from `@spam/harness`). */
export { mulberry32 };

/**
 * The fixed split: a Fisher–Yates permutation of 0..n−1 from {@link mulberry32}(seed); the first
 * round(n·testFraction) indices are the test set, the rest the training set (both sorted).
 */
export function splitIndices(n: number, seed = SPLIT_SEED, testFraction = DIABETES_TEST_FRACTION): { train: Int32Array; test: Int32Array } {
  return diabetesSplit(n, seed, testFraction);
}

/** Loads the data, splits it and standardises inputs and target with the training statistics. */
export function loadDiabetes(options: LoadOptions = {}): DiabetesData {
  const host = loadDiabetesHost({
    dataDir: options.dataDir ?? DEFAULT_DATA_DIR,
    splitSeed: options.splitSeed ?? SPLIT_SEED,
    testFraction: options.testFraction ?? DIABETES_TEST_FRACTION,
  });
  const { train, test } = host;
  const d = host.table.numFeatures;
  const xStats = host.xStats!;
  const yStats = host.yStats!;
  const xTrain = tf.tensor2d(Float32Array.from(host.xTrain), [train.length, d]);
  const xTest = tf.tensor2d(Float32Array.from(host.xTest), [test.length, d]);
  const yTrain = tf.tensor2d(Float32Array.from(host.yTrain), [train.length, 1]);
  const yTest = tf.tensor2d(Float32Array.from(host.yTest), [test.length, 1]);
  return {
    xTrain,
    xTest,
    yTrain,
    yTest,
    trainIndices: train,
    testIndices: test,
    numFeatures: d,
    xMean: xStats.mean,
    xStd: xStats.std,
    yMean: yStats.mean[0],
    yStd: yStats.std[0],
    xTrainValues: host.xTrain,
    xTestValues: host.xTest,
    yTrainValues: host.yTrain,
    yTestValues: host.yTest,
    dispose: () => tf.dispose([xTrain, xTest, yTrain, yTest]),
  };
}

/**
 * Ordinary least squares with an intercept on (standardised) inputs, by the normal equations
 * (Gaussian elimination with partial pivoting, float64): a reference for the nets. Returns the
 * test mean squared error in the same (standardised) units and the residual std on the training set.
 */
export function leastSquaresReference(
  data: Pick<DiabetesData, 'xTrainValues' | 'yTrainValues' | 'xTestValues' | 'yTestValues' | 'numFeatures'>,
): {
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
