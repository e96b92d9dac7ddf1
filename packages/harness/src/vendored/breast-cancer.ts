/**
 * Breast cancer: `breast_cancer.csv`, split 455 / 114 by `breast_cancer_split.json`.
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_DIR } from '../data-dir.js';
import {
  corruptFileError,
  type CorruptFileError,
  type ColumnStats,
  nonEmptyLines,
  columnStats,
  gatherRows,
  parseSplitJson,
} from './common.js';

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
