/**
 * Shared parts of the vendored-data loaders: the corrupt-file error factory, column standardisation
 * and the fixed split files.
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

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
export const nonEmptyLines = (text: string) => text.split(/\r?\n/).filter((l) => l.trim().length > 0);

/** Reads a gzip file as UTF-8 text. */
export const gunzipText = (file: string) => gunzipSync(readFileSync(file)).toString('utf8');

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
