/**
 * Breast Cancer Wisconsin (Diagnostic) loader: the vendored CSV in `packages/harness/data/`, the fixed
 * 455/114 split of the SpaM paper, and optional standardisation with the training mean and std
 * (ddof 0).
 */
import * as tf from '@tensorflow/tfjs';
import {
  BREAST_CANCER_SPLIT_FILE,
  columnStats,
  DATA_DIR,
  loadBreastCancerHost,
  parseBreastCancerCsv,
  parseSplitJson,
  type BreastCancerTable,
} from '@spam/harness';

/** `packages/harness/data/`, where the vendored data lives. */
export const DEFAULT_DATA_DIR = DATA_DIR;

/** Parsed CSV: row-major features `[rows, cols]` in float64 and integer labels (from `@spam/harness`). */
export type { BreastCancerTable };

/** Parses the CSV text: header `rows,cols,class0,class1`, then `cols` features and the label per line (from `@spam/harness`). */
export { parseBreastCancerCsv };

/** The fixed split: 0-based indices into the CSV data rows. */
export interface BreastCancerSplit {
  trainIndices: number[];
  testIndices: number[];
}

/** Options of {@link loadBreastCancer}. */
export interface LoadOptions {
  /** Standardise features with the training mean/std (ddof 0). Default true. */
  standardize?: boolean;
  /** Directory holding `breast_cancer.csv` and `breast_cancer_split.json`. Default {@link DEFAULT_DATA_DIR}. */
  dataDir?: string;
}

/** Train/test tensors. Labels are one-hot float32 `[N, 2]`; the caller disposes via {@link BreastCancerData.dispose}. */
export interface BreastCancerData {
  xTrain: tf.Tensor2D;
  yTrain: tf.Tensor2D;
  xTest: tf.Tensor2D;
  yTest: tf.Tensor2D;
  /** Integer labels of the training rows (0 = malignant, 1 = benign). */
  trainLabels: Int32Array;
  /** Integer labels of the test rows. */
  testLabels: Int32Array;
  numFeatures: number;
  classNames: [string, string];
  standardized: boolean;
  /** Training-set feature mean (ddof 0) when standardised. */
  mean?: Float64Array;
  /** Training-set feature std (ddof 0) when standardised (zeros replaced by 1). */
  std?: Float64Array;
  /** Disposes the four tensors. */
  dispose(): void;
}

/** Parses and checks the split JSON (`train_indices`, `test_indices`: disjoint, no repeats, in range). */
export function parseSplit(json: string, rows: number): BreastCancerSplit {
  const { train, test } = parseSplitJson(json, rows, BREAST_CANCER_SPLIT_FILE);
  return { trainIndices: train, testIndices: test };
}

/** Per-feature mean and std (ddof 0) of the given rows; a zero std becomes 1. */
export function featureStats(table: BreastCancerTable, indices: readonly number[]): { mean: Float64Array; std: Float64Array } {
  return columnStats(table.features, table.numFeatures, indices);
}

/** Loads the data set with its fixed split and returns train/test tensors. */
export function loadBreastCancer(options: LoadOptions = {}): BreastCancerData {
  const standardized = options.standardize ?? true;
  const host = loadBreastCancerHost({ dataDir: options.dataDir ?? DEFAULT_DATA_DIR, standardize: standardized });
  const d = host.table.numFeatures;
  const { trainLabels, testLabels, stats } = host;
  const oneHot = (labels: Int32Array) => {
    const out = new Float32Array(labels.length * 2);
    labels.forEach((y, i) => (out[i * 2 + y] = 1));
    return tf.tensor2d(out, [labels.length, 2]);
  };
  const xTrain = tf.tensor2d(host.xTrain, [trainLabels.length, d]);
  const xTest = tf.tensor2d(host.xTest, [testLabels.length, d]);
  const yTrain = oneHot(trainLabels);
  const yTest = oneHot(testLabels);
  return {
    xTrain,
    yTrain,
    xTest,
    yTest,
    trainLabels,
    testLabels,
    numFeatures: d,
    classNames: host.table.classNames,
    standardized,
    mean: stats?.mean,
    std: stats?.std,
    dispose: () => tf.dispose([xTrain, yTrain, xTest, yTest]),
  };
}
