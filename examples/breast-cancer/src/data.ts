/**
 * Breast Cancer Wisconsin (Diagnostic) loader: the vendored CSV in `examples/data/`, the fixed
 * 455/114 split of the SpaM paper, and optional standardisation with the training mean and std
 * (ddof 0).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { EXAMPLES_DATA_DIR } from '@spam/examples-common';

/** `examples/data/`, where the vendored data lives. */
export const DEFAULT_DATA_DIR = EXAMPLES_DATA_DIR;

/** Parsed CSV: row-major features `[rows, cols]` in float64 and integer labels. */
export interface BreastCancerTable {
  rows: number;
  numFeatures: number;
  classNames: [string, string];
  features: Float64Array;
  labels: Int32Array;
}

/** The fixed split: 0-based indices into the CSV data rows. */
export interface BreastCancerSplit {
  trainIndices: number[];
  testIndices: number[];
}

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

/** Parses the CSV text: header `rows,cols,class0,class1`, then `cols` features and the label per line. */
export function parseBreastCancerCsv(text: string): BreastCancerTable {
  const lines = text.split(/\r?\n/).filter((l) => l.trim().length > 0);
  if (lines.length === 0) throw new Error('breast_cancer.csv is empty');
  const header = lines[0].split(',');
  const rows = Number(header[0]);
  const numFeatures = Number(header[1]);
  if (header.length < 4 || !Number.isInteger(rows) || !Number.isInteger(numFeatures)) {
    throw new Error(`unexpected header '${lines[0]}', expected 'rows,cols,class0,class1'`);
  }
  if (lines.length - 1 !== rows) throw new Error(`header says ${rows} rows but the file has ${lines.length - 1}`);
  const features = new Float64Array(rows * numFeatures);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const cells = lines[r + 1].split(',');
    if (cells.length !== numFeatures + 1) throw new Error(`row ${r} has ${cells.length} cells, expected ${numFeatures + 1}`);
    for (let c = 0; c < numFeatures; c++) {
      const v = Number(cells[c]);
      if (!Number.isFinite(v)) throw new Error(`row ${r}, column ${c}: '${cells[c]}' is not a number`);
      features[r * numFeatures + c] = v;
    }
    const y = Number(cells[numFeatures]);
    if (y !== 0 && y !== 1) throw new Error(`row ${r}: label '${cells[numFeatures]}' is not 0 or 1`);
    labels[r] = y;
  }
  return { rows, numFeatures, classNames: [header[2], header[3]], features, labels };
}

/** Parses and checks the split JSON (`train_indices`, `test_indices`: disjoint, in range). */
export function parseSplit(json: string, rows: number): BreastCancerSplit {
  const raw = JSON.parse(json) as { train_indices?: unknown; test_indices?: unknown };
  const check = (v: unknown, what: string): number[] => {
    if (!Array.isArray(v) || v.some((i) => !Number.isInteger(i) || i < 0 || i >= rows)) {
      throw new Error(`${what} must be an array of row indices in [0, ${rows})`);
    }
    return v as number[];
  };
  const trainIndices = check(raw.train_indices, 'train_indices');
  const testIndices = check(raw.test_indices, 'test_indices');
  const seen = new Set(trainIndices);
  if (seen.size !== trainIndices.length || testIndices.some((i) => seen.has(i))) throw new Error('train/test indices overlap or repeat');
  return { trainIndices, testIndices };
}

/** Per-feature mean and std (ddof 0) of the given rows; a zero std becomes 1. */
export function featureStats(table: BreastCancerTable, indices: readonly number[]): { mean: Float64Array; std: Float64Array } {
  const d = table.numFeatures;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (const r of indices) for (let c = 0; c < d; c++) mean[c] += table.features[r * d + c];
  for (let c = 0; c < d; c++) mean[c] /= indices.length;
  for (const r of indices) {
    for (let c = 0; c < d; c++) {
      const z = table.features[r * d + c] - mean[c];
      std[c] += z * z;
    }
  }
  for (let c = 0; c < d; c++) std[c] = Math.sqrt(std[c] / indices.length) || 1;
  return { mean, std };
}

function gatherRows(table: BreastCancerTable, indices: readonly number[], stats?: { mean: Float64Array; std: Float64Array }): Float32Array {
  const d = table.numFeatures;
  const out = new Float32Array(indices.length * d);
  indices.forEach((r, i) => {
    for (let c = 0; c < d; c++) {
      const v = table.features[r * d + c];
      out[i * d + c] = stats ? (v - stats.mean[c]) / stats.std[c] : v;
    }
  });
  return out;
}

/** Loads the data set with its fixed split and returns train/test tensors. */
export function loadBreastCancer(options: LoadOptions = {}): BreastCancerData {
  const dir = options.dataDir ?? DEFAULT_DATA_DIR;
  const standardized = options.standardize ?? true;
  const table = parseBreastCancerCsv(readFileSync(join(dir, 'breast_cancer.csv'), 'utf8'));
  const split = parseSplit(readFileSync(join(dir, 'breast_cancer_split.json'), 'utf8'), table.rows);
  const stats = standardized ? featureStats(table, split.trainIndices) : undefined;
  const d = table.numFeatures;
  const trainLabels = Int32Array.from(split.trainIndices, (r) => table.labels[r]);
  const testLabels = Int32Array.from(split.testIndices, (r) => table.labels[r]);
  const oneHot = (labels: Int32Array) => {
    const out = new Float32Array(labels.length * 2);
    labels.forEach((y, i) => (out[i * 2 + y] = 1));
    return tf.tensor2d(out, [labels.length, 2]);
  };
  const xTrain = tf.tensor2d(gatherRows(table, split.trainIndices, stats), [split.trainIndices.length, d]);
  const xTest = tf.tensor2d(gatherRows(table, split.testIndices, stats), [split.testIndices.length, d]);
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
    classNames: table.classNames,
    standardized,
    mean: stats?.mean,
    std: stats?.std,
    dispose: () => tf.dispose([xTrain, yTrain, xTest, yTest]),
  };
}
