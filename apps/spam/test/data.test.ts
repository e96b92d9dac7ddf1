// The `spam` data sets: registry, tensor construction and the vendored sets (against the raw files).
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InvalidOptionError, SpamError } from '@spam/core';
import { DATASET_NAMES, describeDatasets, UnknownDatasetError, VENDORED_DATA_DIR } from '../src/data/index.js';
import { toDataset, type HostDataset } from '../src/data/build.js';
import { loadError, withDataset } from './data-fixtures.js';

const rawGzRows = (file: string, sep: RegExp | string) =>
  gunzipSync(readFileSync(join(VENDORED_DATA_DIR, file)))
    .toString('utf8')
    .trim()
    .split('\n')
    .map((l) => l.trim().split(sep).map(Number));

/**
 * Reference splits pinned from the loaders of `examples/digits-structured` and `examples/diabetes`
 * (both the examples and the CLI load through `@spam/harness`, so the test checks the CLI
 * against these fixed numbers and the raw files rather than against the examples).
 */
const DIGITS_TEST_HEAD = [10, 19, 33, 39, 42, 43, 49, 51, 54, 60, 61, 64];
const DIGITS_TEST_SUM = 324150;
const DIGITS_TEST_WEIGHTED_SUM = 77372359; // Σ (k + 1) · test[k]
const DIABETES_TEST = [
  2, 5, 12, 22, 23, 24, 26, 27, 36, 37, 39, 45, 46, 48, 55, 64, 65, 69, 72, 73, 78, 91, 101, 109, 114, 118, 122, 126, 127, 134, 135, 141,
  146, 147, 148, 167, 171, 174, 180, 181, 189, 210, 232, 233, 238, 241, 243, 251, 253, 254, 257, 273, 275, 286, 295, 302, 304, 306, 313,
  315, 318, 326, 327, 333, 335, 336, 341, 342, 343, 344, 348, 350, 359, 362, 374, 379, 387, 390, 395, 403, 406, 409, 420, 423, 426, 430,
  437, 438,
];

/** Mean and std (ddof 0) of the numbers, computed here in float64. */
const meanStd = (v: number[]) => {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return { m, s: Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length) };
};

const countClasses = (labels: ArrayLike<number>, k: number) => {
  const c = new Array<number>(k).fill(0);
  for (let i = 0; i < labels.length; i++) c[labels[i]]++;
  return c;
};

// ---------------------------------------------------------------------------------------------

describe('data registry', () => {
  it('lists the data sets, with descriptions and which need a data directory', () => {
    expect([...DATASET_NAMES]).toEqual(['mnist', 'breast-cancer', 'digits', 'diabetes', 'mnist-full', 'fashion-mnist', 'cifar10']);
    const rows = describeDatasets();
    expect(rows.map((r) => r.name)).toEqual([...DATASET_NAMES]);
    for (const r of rows) {
      expect(r.description.length).toBeGreaterThan(20);
      expect(r.source.length).toBeGreaterThan(10);
    }
    expect(rows.filter((r) => r.needsDataDir).map((r) => r.name)).toEqual(['mnist-full', 'fashion-mnist', 'cifar10']);
  });

  it('an unknown name is a typed error listing every valid name', async () => {
    const err = await loadError('mnsit');
    expect(err).toBeInstanceOf(UnknownDatasetError);
    expect(err).toBeInstanceOf(InvalidOptionError);
    expect(err).toBeInstanceOf(SpamError);
    expect((err as UnknownDatasetError).code).toBe('INVALID_OPTION');
    expect(err.message).toContain("'mnsit'");
    for (const n of DATASET_NAMES) expect(err.message).toContain(n);
    expect((err as UnknownDatasetError).validNames).toEqual(DATASET_NAMES);
  });

  it('bad option values are InvalidOptionErrors', async () => {
    for (const options of [
      { trainSize: 0 },
      { testSize: -3 },
      { trainSize: 1.5 },
      { layout: 'grid' as 'flat' },
      { standardize: 'yes' as unknown as boolean },
      { dataDir: '' },
    ]) {
      expect(await loadError('mnist', options)).toBeInstanceOf(InvalidOptionError);
    }
    const e = await loadError('breast-cancer', { layout: 'image' });
    expect(e).toBeInstanceOf(InvalidOptionError);
    expect(e.message).toContain('tabular');
    expect(await loadError('diabetes', { layout: 'image' })).toBeInstanceOf(InvalidOptionError);
  });
});

describe('tensor construction', () => {
  it('disposes the tensors already made when a later one cannot be made', () => {
    const host: HostDataset = {
      name: 'broken',
      description: 'x',
      likelihood: 'classification',
      sampleShape: [2, 2, 1],
      defaultLayout: 'image',
      outputDim: 2,
      train: { n: 2, x: new Float32Array(8), y: new Int32Array([0, 1]) },
      // 3 examples announced, data for 2: the test input tensor cannot be made.
      test: { n: 3, x: new Float32Array(8), y: new Int32Array([0, 1, 1]) },
      info: { fullTrainSize: 2, fullTestSize: 3, split: 'none', files: [] },
    };
    const before = tf.memory().numTensors;
    expect(() => toDataset(host)).toThrow();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('vendored data sets', () => {
  it('mnist: 8,000 / 2,000 by mnist_split.json, pixels in [0, 1], class counts, flat and image layouts', async () => {
    // Independent of the loader: label of global index i = the digit file whose range holds i.
    const require = createRequire(import.meta.url);
    const digitsDir = join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
    const files = Array.from(
      { length: 10 },
      (_, dgt) => (JSON.parse(readFileSync(join(digitsDir, `${dgt}.json`), 'utf8')) as { data: number[] }).data,
    );
    const bounds = files.reduce<number[]>((acc, f) => [...acc, acc[acc.length - 1] + f.length / 784], [0]);
    const labelOf = (i: number) => bounds.findIndex((b) => b > i) - 1;
    const split = JSON.parse(readFileSync(join(VENDORED_DATA_DIR, 'mnist_split.json'), 'utf8')) as {
      train_indices: number[];
      test_indices: number[];
    };

    await withDataset('mnist', {}, async (d) => {
      expect(d.inputShape).toEqual([784]);
      expect(d.xTrain.shape).toEqual([8000, 784]);
      expect(d.xTest.shape).toEqual([2000, 784]);
      const [lo, hi] = tf.tidy(() => [tf.min(d.xTrain).dataSync()[0], tf.max(d.xTrain).dataSync()[0]]);
      expect(lo).toBe(0);
      expect(hi).toBeLessThanOrEqual(1);
      expect(hi).toBeGreaterThan(0.99);
      expect(countClasses(await d.yTrain.data(), 10)).toEqual(countClasses(split.train_indices.map(labelOf), 10));
      expect(countClasses(await d.yTest.data(), 10)).toEqual(countClasses(split.test_indices.map(labelOf), 10));
      // Row 0 of each part is the package digit at the split's first index, pixel for pixel.
      const first = split.test_indices[0];
      const dgt = labelOf(first);
      const row = files[dgt].slice((first - bounds[dgt]) * 784, (first - bounds[dgt] + 1) * 784);
      expect(Array.from((await d.xTest.data()).subarray(0, 784))).toEqual(Array.from(Float32Array.from(row)));
    });
    await withDataset('mnist', { layout: 'image', trainSize: 100, testSize: 50 }, (d) => {
      expect(d.inputShape).toEqual([28, 28, 1]);
      expect(d.xTrain.shape).toEqual([100, 28, 28, 1]);
      expect(d.xTest.shape).toEqual([50, 28, 28, 1]);
      expect(d.info.fullTrainSize).toBe(8000);
    });
  });

  it('breast-cancer: 455 / 114 by the split file, standardised with training stats; raw = the CSV', async () => {
    const lines = readFileSync(join(VENDORED_DATA_DIR, 'breast_cancer.csv'), 'utf8').trim().split('\n').slice(1);
    const csv = lines.map((l) => l.split(',').map(Number));
    const split = JSON.parse(readFileSync(join(VENDORED_DATA_DIR, 'breast_cancer_split.json'), 'utf8')) as {
      train_indices: number[];
      test_indices: number[];
    };
    expect(csv).toHaveLength(569);

    await withDataset('breast-cancer', {}, async (d) => {
      expect(d.inputShape).toEqual([30]);
      expect(d.outputDim).toBe(2);
      expect(d.xTrain.shape).toEqual([455, 30]);
      expect(d.xTest.shape).toEqual([114, 30]);
      expect(d.yTrain.dtype).toBe('int32');
      expect(d.info.standardized).toBe(true);
      expect(countClasses(await d.yTrain.data(), 2)).toEqual(
        countClasses(
          split.train_indices.map((r) => csv[r][30]),
          2,
        ),
      );
      expect(countClasses(await d.yTest.data(), 2)).toEqual(
        countClasses(
          split.test_indices.map((r) => csv[r][30]),
          2,
        ),
      );
      const [mean, variance] = tf.tidy(() => {
        const m = tf.moments(d.xTrain, 0);
        return [m.mean.dataSync(), m.variance.dataSync()];
      });
      for (let c = 0; c < 30; c++) {
        expect(Math.abs(mean[c])).toBeLessThan(1e-5);
        expect(Math.abs(variance[c] - 1)).toBeLessThan(1e-4);
      }
      // The test rows use the training statistics.
      const r = split.test_indices[7];
      const z = Array.from((await d.xTest.data()).subarray(7 * 30, 8 * 30));
      z.forEach((v, c) => expect(v).toBeCloseTo((csv[r][c] - d.info.featureMean![c]) / d.info.featureStd![c], 5));
    });
    await withDataset('breast-cancer', { standardize: false }, async (d) => {
      expect(d.info.standardized).toBe(false);
      expect(d.info.featureMean).toBeUndefined();
      const x = await d.xTrain.data();
      split.train_indices
        .slice(0, 20)
        .forEach((r, i) => expect(Array.from(x.subarray(i * 30, (i + 1) * 30))).toEqual(csv[r].slice(0, 30).map(Math.fround)));
      expect(Array.from(await d.yTest.data())).toEqual(split.test_indices.map((r) => csv[r][30]));
    });
  });

  it('digits: the stratified 1,437 / 360 split of examples/digits-structured, pixels / 16, image and flat layouts', async () => {
    // Independent of the loader: the raw file, 64 pixels 0..16 and the label per line.
    const raw = rawGzRows('digits.csv.gz', ',');
    expect(raw).toHaveLength(1797);
    const labels = raw.map((r) => r[64]);
    const pixels = raw.map((row) => Float32Array.from(row.slice(0, 64), (v) => v / 16));
    await withDataset('digits', {}, async (d) => {
      expect(d.inputShape).toEqual([8, 8, 1]);
      expect(d.xTrain.shape).toEqual([1437, 8, 8, 1]);
      expect(d.xTest.shape).toEqual([360, 8, 8, 1]);
      const yTrain = Array.from(await d.yTrain.data());
      const yTest = Array.from(await d.yTest.data());
      const xTrain = await d.xTrain.data();
      const xTest = await d.xTest.data();
      // Both parts keep the file order and together are the file: walk the raw rows once and
      // assign each to the part whose next row it is (test first), pixel for pixel and label.
      const rowOf = (x: Float32Array | Int32Array | Uint8Array, y: number[], k: number, r: number) =>
        y[k] === labels[r] && x.subarray(k * 64, (k + 1) * 64).every((v, j) => v === pixels[r][j]);
      const testRows: number[] = [];
      let a = 0;
      for (let r = 0; r < 1797; r++) {
        if (testRows.length < 360 && rowOf(xTest, yTest, testRows.length, r)) testRows.push(r);
        else {
          expect(rowOf(xTrain, yTrain, a, r), `raw row ${r}`).toBe(true);
          a++;
        }
      }
      expect([testRows.length, a]).toEqual([360, 1437]);
      // The split itself: pinned from examples/digits-structured.
      expect(testRows.slice(0, DIGITS_TEST_HEAD.length)).toEqual(DIGITS_TEST_HEAD);
      expect(testRows.reduce((s, r) => s + r, 0)).toBe(DIGITS_TEST_SUM);
      expect(testRows.reduce((s, r, k) => s + (k + 1) * r, 0)).toBe(DIGITS_TEST_WEIGHTED_SUM);
      // Pixels are k/16, k = 0..16, and both ends occur.
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of xTrain) {
        expect(Number.isInteger(v * 16)).toBe(true);
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      expect([lo, hi]).toEqual([0, 1]);
      // Stratified: every class's test share is within one image of 20 %.
      const total = countClasses(labels, 10);
      const testCounts = countClasses(yTest, 10);
      testCounts.forEach((t, c) => expect(Math.abs(t - (total[c] * 360) / 1797)).toBeLessThan(1));
      expect(countClasses(yTrain, 10).map((t, c) => t + testCounts[c])).toEqual(total);
    });
    await withDataset('digits', { layout: 'flat', testSize: 10 }, (d) => {
      expect(d.inputShape).toEqual([64]);
      expect(d.xTrain.shape).toEqual([1437, 64]);
      expect(d.xTest.shape).toEqual([10, 64]);
    });
  });

  it('diabetes: the seeded 354 / 88 split and standardisation of examples/diabetes; raw on request', async () => {
    // Independent of the loader: the raw files, the pinned split, the statistics computed here.
    const rawX = rawGzRows('diabetes_data_raw.csv.gz', /\s+/);
    const rawY = rawGzRows('diabetes_target.csv.gz', /\s+/).map((r) => r[0]);
    expect([rawX.length, rawY.length]).toEqual([442, 442]);
    const inTest = new Set(DIABETES_TEST);
    const train = rawY.map((_, r) => r).filter((r) => !inTest.has(r));
    const xStats = Array.from({ length: 10 }, (_, c) => meanStd(train.map((r) => rawX[r][c])));
    const yStats = meanStd(train.map((r) => rawY[r]));
    const zx = (rows: number[]) => rows.flatMap((r) => rawX[r].map((v, c) => (v - xStats[c].m) / xStats[c].s));
    const zy = (rows: number[]) => rows.map((r) => (rawY[r] - yStats.m) / yStats.s);
    const expectClose = (got: Float32Array | Int32Array | Uint8Array, want: number[]) => {
      expect(got).toHaveLength(want.length);
      let worst = 0;
      want.forEach((w, i) => (worst = Math.max(worst, Math.abs(got[i] - w))));
      expect(worst).toBeLessThan(1e-5);
    };
    await withDataset('diabetes', {}, async (d) => {
      expect(d.likelihood).toBe('regression');
      expect(d.inputShape).toEqual([10]);
      expect(d.outputDim).toBe(1);
      expect(d.xTrain.shape).toEqual([354, 10]);
      expect(d.yTrain.shape).toEqual([354, 1]);
      expect(d.xTest.shape).toEqual([88, 10]);
      expect(d.yTest.shape).toEqual([88, 1]);
      expect(d.yTrain.dtype).toBe('float32');
      expectClose(await d.xTrain.data(), zx(train));
      expectClose(await d.xTest.data(), zx(DIABETES_TEST));
      expectClose(await d.yTrain.data(), zy(train));
      expectClose(await d.yTest.data(), zy(DIABETES_TEST));
      expect(d.info.targetMean).toBeCloseTo(yStats.m, 10);
      expect(d.info.targetStd).toBeCloseTo(yStats.s, 10);
      xStats.forEach(({ m, s }, c) => {
        expect(d.info.featureMean![c]).toBeCloseTo(m, 10);
        expect(d.info.featureStd![c]).toBeCloseTo(s, 10);
      });
      const [m, v] = tf.tidy(() => {
        const mo = tf.moments(d.yTrain);
        return [mo.mean.dataSync()[0], mo.variance.dataSync()[0]];
      });
      expect(Math.abs(m)).toBeLessThan(1e-5);
      expect(Math.abs(v - 1)).toBeLessThan(1e-4);
    });
    await withDataset('diabetes', { standardize: false }, async (d) => {
      expect(Array.from(await d.yTrain.data())).toEqual(train.map((r) => Math.fround(rawY[r])));
      expect(Array.from(await d.yTest.data())).toEqual(DIABETES_TEST.map((r) => Math.fround(rawY[r])));
      expect(Array.from(await d.xTest.data())).toEqual(DIABETES_TEST.flatMap((r) => rawX[r].map(Math.fround)));
      expect(d.info.standardized).toBe(false);
      expect(d.info.targetMean).toBeUndefined();
    });
  });
});
