/**
 * CIFAR-10, binary version (`cifar-10-binary.tar.gz`): `data_batch_1.bin` … `data_batch_5.bin`
 * and `test_batch.bin`, each a sequence of 3,073-byte records: 1 label byte (0–9), then 3,072
 * pixel bytes, the 1,024 red values, the 1,024 green, the 1,024 blue, each plane row-major 32×32.
 * Converted to NHWC float32 in [0, 1] (pixel / 255).
 */
import { join, resolve } from 'node:path';
import type { LoadOptions } from '../types.js';
import type { HostDataset, HostPart } from './build.js';
import { CorruptDataError, DataNotFoundError } from './errors.js';
import { candidateDirs, findFiles, isDirectory, isFile, readMaybeGzip } from './files.js';

export const CIFAR_SIDE = 32;
export const CIFAR_CHANNELS = 3;
/** Pixels per plane (32 × 32). */
export const CIFAR_PLANE = CIFAR_SIDE * CIFAR_SIDE;
/** Bytes per record: 1 label + 3 × 1,024 pixels. */
export const CIFAR_RECORD_BYTES = 1 + CIFAR_CHANNELS * CIFAR_PLANE;
export const CIFAR_CLASS_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
export const CIFAR_TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
export const CIFAR_TEST_FILE = 'test_batch.bin';
/** The folder the tarball unpacks to; searched inside the data directory. */
export const CIFAR_SUBDIR = 'cifar-10-batches-bin';
export const CIFAR_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';

/**
 * Checks a batch file's bytes (whole records, labels 0–9) and returns its record count; throws
 * {@link CorruptDataError} naming `file`.
 */
export function checkCifarBatch(bytes: Uint8Array, file: string): number {
  if (bytes.length === 0) throw new CorruptDataError(file, 'is empty');
  if (bytes.length % CIFAR_RECORD_BYTES !== 0) {
    throw new CorruptDataError(
      file,
      `truncated or not a CIFAR-10 binary batch: ${bytes.length} bytes is not a whole number of ${CIFAR_RECORD_BYTES}-byte records (1 label + 3,072 pixels); ${Math.floor(bytes.length / CIFAR_RECORD_BYTES)} whole records and ${bytes.length % CIFAR_RECORD_BYTES} bytes left over`,
    );
  }
  const n = bytes.length / CIFAR_RECORD_BYTES;
  for (let r = 0; r < n; r++) {
    const label = bytes[r * CIFAR_RECORD_BYTES];
    if (label >= CIFAR_CLASS_NAMES.length) {
      throw new CorruptDataError(file, `record ${r}: label byte ${label} is not 0..9 (is this the CIFAR-100 or python version?)`);
    }
  }
  return n;
}

/**
 * Decodes records `[0, count)` of a checked batch into `x` (NHWC, pixel / 255) and `y`, starting
 * at example `offset`: `x[((offset + r)·32 + h)·32 + w)·3 + c] = byte[r·3073 + 1 + c·1024 + h·32 + w] / 255`.
 */
export function decodeCifarRecords(bytes: Uint8Array, count: number, x: Float32Array, y: Int32Array, offset: number): void {
  for (let r = 0; r < count; r++) {
    const base = r * CIFAR_RECORD_BYTES;
    y[offset + r] = bytes[base];
    const out = (offset + r) * CIFAR_PLANE * CIFAR_CHANNELS;
    for (let c = 0; c < CIFAR_CHANNELS; c++) {
      const plane = base + 1 + c * CIFAR_PLANE;
      for (let p = 0; p < CIFAR_PLANE; p++) x[out + p * CIFAR_CHANNELS + c] = bytes[plane + p] / 255;
    }
  }
}

/** Reads batches in order until `limit` examples (all when undefined); every file is read and checked. */
async function readPart(files: string[], limit: number | undefined): Promise<{ part: HostPart; total: number }> {
  const chunks: Array<{ bytes: Uint8Array; take: number }> = [];
  let total = 0;
  let taken = 0;
  for (const file of files) {
    const bytes = await readMaybeGzip(file);
    const n = checkCifarBatch(bytes, file);
    const take = Math.max(0, Math.min(n, (limit ?? Infinity) - taken));
    // Keep only the records needed, so unneeded batches can be garbage-collected.
    chunks.push({ bytes: take > 0 ? bytes.subarray(0, take * CIFAR_RECORD_BYTES) : new Uint8Array(0), take });
    total += n;
    taken += take;
  }
  const x = new Float32Array(taken * CIFAR_PLANE * CIFAR_CHANNELS);
  const y = new Int32Array(taken);
  let offset = 0;
  for (const { bytes, take } of chunks) {
    decodeCifarRecords(bytes, take, x, y, offset);
    offset += take;
  }
  return { part: { n: taken, x, y }, total };
}

/** Loads CIFAR-10 from `options.dataDir` or its `cifar-10-batches-bin/` subfolder. */
export async function loadCifar10(options: LoadOptions): Promise<HostDataset> {
  const expected = [...CIFAR_TRAIN_FILES, CIFAR_TEST_FILE];
  const details = {
    dataset: 'cifar10',
    dataDir: options.dataDir,
    expected,
    downloadUrls: [CIFAR_URL],
    howTo: `Unpack it (tar xzf cifar-10-binary.tar.gz) and pass the directory that holds ${CIFAR_SUBDIR}/ (or ${CIFAR_SUBDIR}/ itself) as the data directory.`,
  };
  if (options.dataDir === undefined) throw new DataNotFoundError({ ...details, searched: [], missing: expected });
  const dirs = candidateDirs(options.dataDir, [CIFAR_SUBDIR]);
  if (!isDirectory(dirs[0])) {
    throw new DataNotFoundError(
      { ...details, searched: dirs, missing: expected },
      `cifar10: the data directory ${dirs[0]} does not exist or is not a directory`,
    );
  }
  const found = findFiles(dirs, expected, (name) => [name]);
  const missing = expected.filter((_, i) => found.paths[i] === undefined);
  if (missing.length > 0) {
    const root = resolve(options.dataDir);
    const tarball = ['cifar-10-binary.tar.gz', 'cifar-10-binary.tar'].map((t) => join(root, t)).find(isFile);
    const searched = [...new Set([found.dir, ...dirs, join(root, CIFAR_SUBDIR)])];
    throw new DataNotFoundError({
      ...details,
      searched,
      missing,
      hint: tarball ? `Found ${tarball}, not unpacked: run  tar xzf ${tarball} -C ${root}` : undefined,
    });
  }
  const paths = found.paths as string[];
  const test = await readPart(paths.slice(5), options.testSize);
  const train = await readPart(paths.slice(0, 5), options.trainSize);
  return {
    name: 'cifar10',
    description: `CIFAR-10 (A. Krizhevsky 2009, "Learning Multiple Layers of Features from Tiny Images"): ${train.total} train / ${test.total} test 32×32 RGB images, 10 classes, pixels / 255, NHWC, read from ${found.dir}.`,
    likelihood: 'classification',
    sampleShape: [CIFAR_SIDE, CIFAR_SIDE, CIFAR_CHANNELS],
    defaultLayout: 'image',
    outputDim: CIFAR_CLASS_NAMES.length,
    train: train.part,
    test: test.part,
    info: {
      fullTrainSize: train.total,
      fullTestSize: test.total,
      split: 'the official data_batch_1..5 (train, in that order) and test_batch files',
      classNames: CIFAR_CLASS_NAMES,
      files: paths,
    },
  };
}
