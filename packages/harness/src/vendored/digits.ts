/**
 * Digits: `digits.csv.gz` (UCI 8×8 digits), split 1,437 / 360 by a stratified seeded rule.
 * @packageDocumentation
 */
import { join } from 'node:path';
import { DATA_DIR } from '../data-dir.js';
import { mulberry32 } from '../random.js';
import { corruptFileError, type CorruptFileError, nonEmptyLines, gunzipText } from './common.js';

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
