/**
 * Host-side data (typed arrays) → the {@link Dataset} tensor contract, plus the option checks and
 * the helpers every loader shares (first-N subsetting, standardisation with training statistics).
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidOptionError } from '@spam/core';
import type { Dataset, Likelihood, LoadOptions } from '../types.js';

/** Extra facts about a loaded data set, beyond the shared {@link Dataset} contract. */
export interface DatasetInfo {
  /** Examples in the full train / test parts, before `trainSize` / `testSize`. */
  fullTrainSize: number;
  fullTestSize: number;
  /** How train and test were split, in words. */
  split: string;
  /** The layout of `xTrain` / `xTest` (image data); undefined for tabular data. */
  layout?: 'flat' | 'image';
  /** Tabular data: whether the features (and, for regression, the target) were standardised. */
  standardized?: boolean;
  /** Training mean / std (ddof 0) of the features when standardised: `z = (x − mean) / std`. */
  featureMean?: Float64Array;
  featureStd?: Float64Array;
  /** Regression, standardised: training mean / std (ddof 0) of the target, `y = targetMean + targetStd · z`. */
  targetMean?: number;
  targetStd?: number;
  /** Class names (classification), index = label. */
  classNames?: string[];
  /** Files read (absolute paths). */
  files: string[];
}

/** A {@link Dataset} with {@link DatasetInfo} attached (what {@link loadDataset} returns). */
export interface LoadedDataset extends Dataset {
  info: DatasetInfo;
}

/** One part (train or test) in host memory: `x` `[n · prod(sampleShape)]` row-major, `y` `[n · outputDim]` or `[n]` labels. */
export interface HostPart {
  n: number;
  x: Float32Array;
  y: Int32Array | Float32Array;
}

/** A data set in host memory, before tensors are made. */
export interface HostDataset {
  name: string;
  description: string;
  likelihood: Likelihood;
  /** Per-example shape: `[H, W, C]` for images, `[d]` for tabular data. */
  sampleShape: number[];
  /** Image data: the layout used when the caller does not choose one. Undefined: tabular (flat only). */
  defaultLayout?: 'flat' | 'image';
  outputDim: number;
  train: HostPart;
  test: HostPart;
  info: Omit<DatasetInfo, 'layout'>;
}

/** Checks the options that do not depend on the data set; throws {@link InvalidOptionError}. */
export function checkLoadOptions(options: LoadOptions): void {
  for (const key of ['trainSize', 'testSize'] as const) {
    const v = options[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) {
      throw new InvalidOptionError(`${key} must be a positive integer, got ${String(v)}`);
    }
  }
  if (options.layout !== undefined && options.layout !== 'flat' && options.layout !== 'image') {
    throw new InvalidOptionError(`layout must be 'flat' or 'image', got '${String(options.layout)}'`);
  }
  if (options.standardize !== undefined && typeof options.standardize !== 'boolean') {
    throw new InvalidOptionError(`standardize must be true or false, got ${String(options.standardize)}`);
  }
  if (options.dataDir !== undefined && (typeof options.dataDir !== 'string' || options.dataDir.length === 0)) {
    throw new InvalidOptionError(`dataDir must be a non-empty path, got '${String(options.dataDir)}'`);
  }
}

/** Tabular data sets have no image layout. */
export function checkTabularLayout(name: string, options: LoadOptions): void {
  if (options.layout === 'image') {
    throw new InvalidOptionError(`${name} is tabular: layout 'image' is not available (use 'flat' or leave it unset)`);
  }
}

/** `min(n, limit)`: `trainSize` / `testSize` larger than the part keep the whole part. */
export function headCount(n: number, limit: number | undefined): number {
  return limit === undefined ? n : Math.min(n, limit);
}

/** The first `k` rows of a part. */
export function headOf(part: HostPart, k: number): HostPart {
  if (k >= part.n) return part;
  const xw = part.x.length / part.n;
  const yw = part.y.length / part.n;
  return { n: k, x: part.x.subarray(0, k * xw), y: part.y.subarray(0, k * yw) };
}

/**
 * Standardisation with training statistics: `columnStats(values, cols, rows)` (per-column mean /
 * std, ddof 0, a zero std becomes 1) and `gatherRows(values, cols, rows, stats?)` (the rows as
 * float32, optionally `(x − mean) / std`), shared with the examples via `@spam/harness`.
 */
export { columnStats, gatherRows } from '@spam/harness';

/**
 * Makes the tensors: inputs `[n, ...inputShape]` float32 (`'flat'` → `[n, prod(sampleShape)]`),
 * labels int32 `[n]` or targets float32 `[n, outputDim]`, keeping the first `trainSize` /
 * `testSize` rows. If a tensor cannot be made, the ones already made are disposed.
 */
export function toDataset(host: HostDataset, options: LoadOptions = {}): LoadedDataset {
  const layout = host.defaultLayout === undefined ? undefined : (options.layout ?? host.defaultLayout);
  const inputShape = layout === 'image' ? [...host.sampleShape] : [host.sampleShape.reduce((a, b) => a * b, 1)];
  const train = headOf(host.train, headCount(host.train.n, options.trainSize));
  const test = headOf(host.test, headCount(host.test.n, options.testSize));
  const made: tf.Tensor[] = [];
  const make = (part: HostPart): [tf.Tensor, tf.Tensor] => {
    const x = tf.tensor(part.x, [part.n, ...inputShape], 'float32');
    made.push(x);
    const y =
      host.likelihood === 'classification'
        ? tf.tensor1d(part.y instanceof Int32Array ? part.y : Int32Array.from(part.y), 'int32')
        : tf.tensor2d(part.y instanceof Float32Array ? part.y : Float32Array.from(part.y), [part.n, host.outputDim], 'float32');
    made.push(y);
    return [x, y];
  };
  try {
    const [xTrain, yTrain] = make(train);
    const [xTest, yTest] = make(test);
    const subset = train.n < host.info.fullTrainSize || test.n < host.info.fullTestSize ? ` Using the first ${train.n} / ${test.n}.` : '';
    return {
      name: host.name,
      description: host.description + subset,
      likelihood: host.likelihood,
      inputShape,
      outputDim: host.outputDim,
      xTrain,
      yTrain,
      xTest,
      yTest,
      info: { ...host.info, ...(layout === undefined ? {} : { layout }) },
      dispose: () => tf.dispose([xTrain, yTrain, xTest, yTest]),
    };
  } catch (e) {
    tf.dispose(made);
    throw e;
  }
}
