// The real-data loaders (full MNIST / Fashion-MNIST IDX, CIFAR-10 binary) on files the tests generate.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  CIFAR_URL,
  CorruptDataError,
  DataNotFoundError,
  IDX_FILES,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  parseIdx,
} from '../src/data/index.js';
import { loadError, useTempDirs, withDataset } from './data-fixtures.js';

const freshDir = useTempDirs('spam-data-test-');

const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v);
  return b;
};

/** The test's pixel pattern for IDX image i, row r, column c. */
const idxPixel = (i: number, r: number, c: number) => (i * 37 + r * 11 + c * 5) % 256;

function idxImages(n: number, rows = 28, cols = 28): Buffer {
  const data = Buffer.alloc(n * rows * cols);
  for (let i = 0; i < n; i++)
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[(i * rows + r) * cols + c] = idxPixel(i, r, c);
  return Buffer.concat([u32(IDX_IMAGES_MAGIC), u32(n), u32(rows), u32(cols), data]);
}

function idxLabels(labels: number[]): Buffer {
  return Buffer.concat([u32(IDX_LABELS_MAGIC), u32(labels.length), Buffer.from(labels)]);
}

const TRAIN_LABELS = [3, 1, 4, 1, 5];
const TEST_LABELS = [9, 2, 6];

/** The four IDX files of 5 train + 3 test examples; `gz` gzips all of them or the named ones. */
function writeIdx(dir: string, gz: boolean | string[] = false, rename: (f: string) => string = (f) => f): Record<string, string> {
  const contents: Record<string, Buffer> = {
    'train-images-idx3-ubyte': idxImages(5),
    'train-labels-idx1-ubyte': idxLabels(TRAIN_LABELS),
    't10k-images-idx3-ubyte': idxImages(3),
    't10k-labels-idx1-ubyte': idxLabels(TEST_LABELS),
  };
  mkdirSync(dir, { recursive: true });
  const paths: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(contents)) {
    const zip = gz === true || (Array.isArray(gz) && gz.includes(name));
    const path = join(dir, rename(name) + (zip ? '.gz' : ''));
    writeFileSync(path, zip ? gzipSync(bytes) : bytes);
    paths[name] = path;
  }
  return paths;
}

/** Expected flat pixels (float32 of byte / 255) of IDX images 0..n−1. */
function expectedIdxPixels(n: number): Float32Array {
  const out = new Float32Array(n * 784);
  for (let i = 0; i < n; i++) for (let r = 0; r < 28; r++) for (let c = 0; c < 28; c++) out[i * 784 + r * 28 + c] = idxPixel(i, r, c) / 255;
  return out;
}

/** The test's CIFAR byte for record `rec` (global index), channel ch, row y, column x. */
const cifarByte = (rec: number, ch: number, y: number, x: number) => (rec * 7 + ch * 50 + y * 5 + x * 3) % 256;
const cifarLabel = (rec: number) => (rec * 3) % 10;

/** A CIFAR-10 binary batch of records `first .. first + n − 1` (1 label byte, then R, G, B planes). */
function cifarBatch(first: number, n: number): Buffer {
  const b = Buffer.alloc(n * 3073);
  for (let k = 0; k < n; k++) {
    const rec = first + k;
    b[k * 3073] = cifarLabel(rec);
    for (let ch = 0; ch < 3; ch++)
      for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) b[k * 3073 + 1 + ch * 1024 + y * 32 + x] = cifarByte(rec, ch, y, x);
  }
  return b;
}

const CIFAR_PER_BATCH = 2;
const CIFAR_TEST_N = 3;
const TEST_OFFSET = 1000;

/** Five train batches of 2 records (global records 0..9) and a test batch of 3 (records 1000..1002). */
function writeCifar(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (let b = 0; b < 5; b++) writeFileSync(join(dir, `data_batch_${b + 1}.bin`), cifarBatch(b * CIFAR_PER_BATCH, CIFAR_PER_BATCH));
  writeFileSync(join(dir, 'test_batch.bin'), cifarBatch(TEST_OFFSET, CIFAR_TEST_N));
}

/** Expected NHWC float32 pixels of the given global records, computed straight from the byte formula. */
function expectedCifar(records: number[]): Float32Array {
  const out = new Float32Array(records.length * 3072);
  records.forEach((rec, i) => {
    for (let y = 0; y < 32; y++)
      for (let x = 0; x < 32; x++) for (let ch = 0; ch < 3; ch++) out[((i * 32 + y) * 32 + x) * 3 + ch] = cifarByte(rec, ch, y, x) / 255;
  });
  return out;
}

/** The lines of a vendored gzip text file, each split into numbers (`sep`: the column separator). */
describe('IDX loaders (mnist-full, fashion-mnist) on generated files', () => {
  it('parseIdx reads the header big-endian and rejects bad magic, short and long files', () => {
    const img = idxImages(2, 3, 4);
    const a = parseIdx(img, 'x', IDX_IMAGES_MAGIC);
    expect(a.dims).toEqual([2, 3, 4]);
    expect(Array.from(a.data.subarray(0, 3))).toEqual([idxPixel(0, 0, 0), idxPixel(0, 0, 1), idxPixel(0, 0, 2)]);
    expect(() => parseIdx(img, 'f.idx', IDX_LABELS_MAGIC)).toThrow(/f\.idx: bad magic number 0x00000803, expected 0x00000801/);
    expect(() => parseIdx(img.subarray(0, img.length - 1), 'f.idx', IDX_IMAGES_MAGIC)).toThrow(
      /f\.idx: truncated.*2×3×4 = 24 bytes.*has 23/,
    );
    expect(() => parseIdx(img.subarray(0, 10), 'f.idx', IDX_IMAGES_MAGIC)).toThrow(/truncated: 10 bytes/);
    expect(() => parseIdx(img.subarray(0, 2), 'f.idx', IDX_IMAGES_MAGIC)).toThrow(CorruptDataError);
    expect(() => parseIdx(Buffer.concat([img, Buffer.from([1])]), 'f.idx', IDX_IMAGES_MAGIC)).toThrow(/1 bytes after/);
  });

  it('loads uncompressed files: shapes, dtypes, pixels / 255 exactly, labels; flat by default', async () => {
    const dir = freshDir('idx-raw');
    writeIdx(dir);
    await withDataset('mnist-full', { dataDir: dir }, async (d) => {
      expect(d.name).toBe('mnist-full');
      expect(d.likelihood).toBe('classification');
      expect(d.inputShape).toEqual([784]);
      expect(d.outputDim).toBe(10);
      expect(d.xTrain.shape).toEqual([5, 784]);
      expect(d.xTest.shape).toEqual([3, 784]);
      expect(d.xTrain.dtype).toBe('float32');
      expect(d.yTrain.dtype).toBe('int32');
      expect(d.yTrain.shape).toEqual([5]);
      expect(Array.from(await d.yTrain.data())).toEqual(TRAIN_LABELS);
      expect(Array.from(await d.yTest.data())).toEqual(TEST_LABELS);
      expect(await d.xTrain.data()).toEqual(expectedIdxPixels(5));
      expect(await d.xTest.data()).toEqual(expectedIdxPixels(3));
      expect(d.info.fullTrainSize).toBe(5);
      expect(d.info.files).toHaveLength(4);
      expect(d.description).toContain(dir);
    });
  });

  it('gzipped, mixed and dotted file names, the image layout, subfolders, and first-N subsets', async () => {
    const gzDir = freshDir('idx-gz');
    writeIdx(join(gzDir, 'fashion'), true);
    const mixed = freshDir('idx-mixed');
    writeIdx(mixed, ['train-images-idx3-ubyte', 't10k-labels-idx1-ubyte'], (f) => f.replace('-idx', '.idx'));
    const expected = expectedIdxPixels(5);
    await withDataset('fashion-mnist', { dataDir: gzDir }, async (d) => {
      expect(await d.xTrain.data()).toEqual(expected);
      expect(Array.from(await d.yTest.data())).toEqual(TEST_LABELS);
      expect(d.info.classNames?.[9]).toBe('Ankle boot');
      expect(d.info.files.every((f) => f.endsWith('.gz') && f.includes('fashion'))).toBe(true);
    });
    await withDataset('mnist-full', { dataDir: mixed, layout: 'image', trainSize: 2, testSize: 1 }, async (d) => {
      expect(d.inputShape).toEqual([28, 28, 1]);
      expect(d.xTrain.shape).toEqual([2, 28, 28, 1]);
      expect(d.xTest.shape).toEqual([1, 28, 28, 1]);
      expect(await d.xTrain.data()).toEqual(expected.subarray(0, 2 * 784));
      // Row-major: [i, r, c, 0] is pixel (r, c) of image i.
      const px = (await d.xTrain.array()) as number[][][][];
      expect(px[1][3][7][0]).toBe(Math.fround(idxPixel(1, 3, 7) / 255));
      expect(Array.from(await d.yTrain.data())).toEqual(TRAIN_LABELS.slice(0, 2));
      expect(d.info.fullTrainSize).toBe(5);
      expect(d.description).toContain('first 2 / 1');
    });
    // A size larger than the part keeps the whole part.
    await withDataset('mnist-full', { dataDir: mixed, trainSize: 100 }, (d) => {
      expect(d.xTrain.shape).toEqual([5, 784]);
    });
  });

  it('missing files: the error names the directory, the missing files and the download URL', async () => {
    const none = await loadError('mnist-full');
    expect(none).toBeInstanceOf(DataNotFoundError);
    expect((none as DataNotFoundError).code).toBe('DATA_NOT_FOUND');
    expect(none.message).toContain('https://storage.googleapis.com/cvdf-datasets/mnist/');
    for (const f of IDX_FILES) expect(none.message).toContain(f);
    expect(none.message).toMatch(/none was given/);

    const fashion = await loadError('fashion-mnist');
    expect(fashion.message).toContain('http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/');
    expect(fashion.message).toContain('https://github.com/zalandoresearch/fashion-mnist');

    const partial = freshDir('idx-partial');
    const paths = writeIdx(partial);
    rmSync(paths['t10k-images-idx3-ubyte']);
    rmSync(paths['t10k-labels-idx1-ubyte']);
    const e = await loadError('mnist-full', { dataDir: partial });
    expect(e).toBeInstanceOf(DataNotFoundError);
    expect(e.message).toContain(`not found in ${partial}`);
    expect(e.message).toMatch(/Missing: t10k-images-idx3-ubyte\[\.gz\], t10k-labels-idx1-ubyte\[\.gz\]\./);
    expect((e as DataNotFoundError).missing).toHaveLength(2);

    const nowhere = join(freshDir('gone'), 'does-not-exist');
    const n = await loadError('fashion-mnist', { dataDir: nowhere });
    expect(n).toBeInstanceOf(DataNotFoundError);
    expect(n.message).toContain(`${nowhere} does not exist`);
  });

  it('corrupt files: bad magic, truncated, broken gzip, label/image count mismatch, bad label, wrong size', async () => {
    const cases: Array<{ what: string; file: string; mutate: (paths: Record<string, string>) => void; message: RegExp }> = [
      {
        what: 'labels file where the images should be',
        file: 'train-images-idx3-ubyte',
        mutate: (p) => copyFileSync(p['train-labels-idx1-ubyte'], p['train-images-idx3-ubyte']),
        message: /bad magic number 0x00000801, expected 0x00000803/,
      },
      {
        what: 'truncated images',
        file: 't10k-images-idx3-ubyte',
        mutate: (p) => writeFileSync(p['t10k-images-idx3-ubyte'], idxImages(3).subarray(0, 16 + 2 * 784 + 100)),
        message: /truncated: the header says 3×28×28 = 2352 bytes of data, the file has 1668/,
      },
      {
        what: 'truncated gzip',
        file: 'train-labels-idx1-ubyte',
        mutate: (p) => {
          const gz = gzipSync(idxLabels(TRAIN_LABELS));
          rmSync(p['train-labels-idx1-ubyte']);
          writeFileSync(`${p['train-labels-idx1-ubyte']}.gz`, gz.subarray(0, gz.length - 6));
        },
        message: /gzip data is corrupt or truncated/,
      },
      {
        what: 'fewer labels than images',
        file: 'train-labels-idx1-ubyte',
        mutate: (p) => writeFileSync(p['train-labels-idx1-ubyte'], idxLabels(TRAIN_LABELS.slice(0, 4))),
        message: /holds 4 labels but .*train-images-idx3-ubyte holds 5 images/,
      },
      {
        what: 'label out of range',
        file: 't10k-labels-idx1-ubyte',
        mutate: (p) => writeFileSync(p['t10k-labels-idx1-ubyte'], idxLabels([9, 10, 6])),
        message: /label 10 at index 1 is not 0..9/,
      },
      {
        what: '27×27 images',
        file: 'train-images-idx3-ubyte',
        mutate: (p) => writeFileSync(p['train-images-idx3-ubyte'], idxImages(5, 27, 27)),
        message: /images are 27×27, expected 28×28/,
      },
    ];
    for (const c of cases) {
      const dir = freshDir('idx-corrupt');
      c.mutate(writeIdx(dir));
      const e = await loadError('mnist-full', { dataDir: dir });
      expect(e, c.what).toBeInstanceOf(CorruptDataError);
      expect((e as CorruptDataError).code).toBe('CORRUPT_DATA');
      expect(e.message, c.what).toMatch(c.message);
      expect((e as CorruptDataError).file, c.what).toContain(join(dir, c.file));
      expect(e.message.startsWith(join(dir, c.file)), c.what).toBe(true);
    }
  });
});

describe('CIFAR-10 loader on generated binary batches', () => {
  it('decodes label + R, G, B planes to NHWC float32 pixel-exactly, train batches in order', async () => {
    const dir = freshDir('cifar');
    writeCifar(join(dir, 'cifar-10-batches-bin'));
    await withDataset('cifar10', { dataDir: dir }, async (d) => {
      expect(d.inputShape).toEqual([32, 32, 3]);
      expect(d.xTrain.shape).toEqual([10, 32, 32, 3]);
      expect(d.xTest.shape).toEqual([3, 32, 32, 3]);
      expect(d.yTrain.dtype).toBe('int32');
      const train = Array.from({ length: 10 }, (_, i) => i);
      const test = [TEST_OFFSET, TEST_OFFSET + 1, TEST_OFFSET + 2];
      expect(await d.xTrain.data()).toEqual(expectedCifar(train));
      expect(await d.xTest.data()).toEqual(expectedCifar(test));
      expect(Array.from(await d.yTrain.data())).toEqual(train.map(cifarLabel));
      expect(Array.from(await d.yTest.data())).toEqual(test.map(cifarLabel));
      expect(d.info.classNames?.[0]).toBe('airplane');
      expect(d.info.fullTrainSize).toBe(10);
    });
  });

  it('channel order: a pixel that is pure red, green or blue in the planes lands in channel 0, 1 or 2', async () => {
    const dir = freshDir('cifar-rgb');
    writeCifar(dir);
    // Record 0 of batch 1: all planes zero except R(0, 1) = 255, G(2, 3) = 128, B(31, 30) = 51.
    const b = readFileSync(join(dir, 'data_batch_1.bin'));
    b.fill(0, 1, 3073);
    b[1 + 0 * 1024 + 0 * 32 + 1] = 255;
    b[1 + 1 * 1024 + 2 * 32 + 3] = 128;
    b[1 + 2 * 1024 + 31 * 32 + 30] = 51;
    writeFileSync(join(dir, 'data_batch_1.bin'), b);
    await withDataset('cifar10', { dataDir: dir, trainSize: 1 }, async (d) => {
      const img = ((await d.xTrain.array()) as number[][][][])[0];
      expect(img[0][1]).toEqual([1, 0, 0]);
      expect(img[2][3]).toEqual([0, Math.fround(128 / 255), 0]);
      expect(img[31][30]).toEqual([0, 0, Math.fround(51 / 255)]);
      const sum = tf.tidy(() => d.xTrain.sum().dataSync()[0]);
      expect(sum).toBeCloseTo(1 + 128 / 255 + 51 / 255, 5);
    });
  });

  it('first-N subsets span batches; flat layout is HWC order', async () => {
    const dir = freshDir('cifar-sub');
    writeCifar(dir);
    await withDataset('cifar10', { dataDir: dir, trainSize: 5, testSize: 2, layout: 'flat' }, async (d) => {
      expect(d.inputShape).toEqual([3072]);
      expect(d.xTrain.shape).toEqual([5, 3072]);
      expect(await d.xTrain.data()).toEqual(expectedCifar([0, 1, 2, 3, 4]));
      expect(await d.xTest.data()).toEqual(expectedCifar([TEST_OFFSET, TEST_OFFSET + 1]));
      expect(d.info.fullTrainSize).toBe(10);
      expect(d.info.fullTestSize).toBe(3);
    });
  });

  it('missing, truncated and bad-label batches are typed errors naming the file; the tarball gets a hint', async () => {
    const none = await loadError('cifar10');
    expect(none).toBeInstanceOf(DataNotFoundError);
    expect(none.message).toContain(CIFAR_URL);
    expect(none.message).toContain('https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz');
    expect(none.message).toMatch(/unpack/i);
    for (const f of ['data_batch_1.bin', 'data_batch_5.bin', 'test_batch.bin']) expect(none.message).toContain(f);

    const tarOnly = freshDir('cifar-tar');
    writeFileSync(join(tarOnly, 'cifar-10-binary.tar.gz'), gzipSync(Buffer.from('not really a tarball')));
    const t = await loadError('cifar10', { dataDir: tarOnly });
    expect(t).toBeInstanceOf(DataNotFoundError);
    expect(t.message).toContain(`not found in ${tarOnly}`);
    expect(t.message).toContain(join(tarOnly, 'cifar-10-batches-bin'));
    expect(t.message).toContain('tar xzf');

    const partial = freshDir('cifar-partial');
    writeCifar(partial);
    rmSync(join(partial, 'data_batch_4.bin'));
    const p = await loadError('cifar10', { dataDir: partial });
    expect(p).toBeInstanceOf(DataNotFoundError);
    expect(p.message).toContain('Missing: data_batch_4.bin.');

    const truncated = freshDir('cifar-trunc');
    writeCifar(truncated);
    writeFileSync(join(truncated, 'data_batch_3.bin'), cifarBatch(4, 2).subarray(0, 3073 + 1000));
    const tr = await loadError('cifar10', { dataDir: truncated, trainSize: 1 });
    expect(tr).toBeInstanceOf(CorruptDataError);
    expect((tr as CorruptDataError).file).toBe(join(truncated, 'data_batch_3.bin'));
    expect(tr.message).toMatch(/truncated.*4073 bytes.*1 whole records and 1000 bytes left over/);

    const badLabel = freshDir('cifar-label');
    writeCifar(badLabel);
    const tb = cifarBatch(TEST_OFFSET, 2);
    tb[3073] = 57;
    writeFileSync(join(badLabel, 'test_batch.bin'), tb);
    const bl = await loadError('cifar10', { dataDir: badLabel });
    expect(bl).toBeInstanceOf(CorruptDataError);
    expect(bl.message).toContain(join(badLabel, 'test_batch.bin'));
    expect(bl.message).toMatch(/record 1: label byte 57 is not 0..9/);
  });
});
