/** The MNIST digits (shared with the examples) and the bench's seeded subsets of them. */
import { mulberry32 } from '@spam/core';
import { selectRows, type MnistData } from '@spam/harness';

export { loadMnistDigits, MNIST_CLASSES, MNIST_PIXELS, type MnistData } from '@spam/harness';
/** Seeded PRNG (from @spam/core), so that permutations are the same on every machine. */
export { mulberry32 };

/** A seeded random subset of `take` digits (Fisher–Yates over all indices). */
export function shuffledSubset(data: MnistData, take: number, seed = 20240607): MnistData {
  const idx = Array.from({ length: data.n }, (_, i) => i);
  const rand = mulberry32(seed);
  for (let i = data.n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return selectRows(data, idx.slice(0, Math.min(take, data.n)));
}
