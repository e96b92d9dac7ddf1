import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { DisposedError, InvalidDataError, InvalidOptionError, ShapeMismatchError, SpamError } from './errors.js';
import { permutation } from './random.js';

export { permutation };

/** One batch of inputs and labels. */
export interface Batch {
  xs: Tensor;
  ys: Tensor;
}

/** In-memory data: all examples as two tensors, cut into batches of `batchSize` (default 256). */
export interface TensorData {
  xs: Tensor;
  ys: Tensor;
  batchSize?: number;
  /**
   * Shuffle the examples for training: `true` or a seed. Each epoch uses its own seeded
   * permutation (seed + epoch). Curvature fits ignore it (H is a sum over all examples).
   */
  shuffle?: boolean | number;
}

/** Options of {@link iterateBatches}. */
export interface IterateOptions {
  /** Epoch index for the shuffle permutation of `TensorData`. Default 0. */
  epoch?: number;
  /** Ignore `TensorData.shuffle` (order-independent consumers). Default false. */
  ordered?: boolean;
}

/** The parts of a `tf.data.Dataset` SpaM uses: elements `{xs, ys}` or `[xs, ys]`, already batched. */
export interface DatasetLike {
  iterator(): Promise<{ next(): Promise<IteratorResult<unknown>> }>;
}

/**
 * Training data in any of the forms SpaM accepts: tensors with a batch size, a (async) iterable
 * of batches, or a batched `tf.data.Dataset`. Batches from iterables stay owned by the caller;
 * tensors that SpaM slices or a Dataset yields are disposed by SpaM.
 */
export type DataSource = TensorData | Iterable<Batch> | AsyncIterable<Batch> | DatasetLike;

/** A batch handed out by {@link iterateBatches}; call `release()` when done with it. */
export interface OwnedBatch extends Batch {
  /** Frees the batch tensors if SpaM created them. */
  release(): void;
}

function isTensorData(d: DataSource): d is TensorData {
  return typeof d === 'object' && d !== null && 'xs' in d && 'ys' in d && !(Symbol.asyncIterator in d) && !(Symbol.iterator in d);
}

function isDataset(d: DataSource): d is DatasetLike {
  return typeof (d as DatasetLike).iterator === 'function' && !(Symbol.asyncIterator in d) && !(Symbol.iterator in d);
}

const BATCH_HINT = 'a tf.data.Dataset must be batched: call .batch(n) on it, e.g. ds.batch(32)';

/** `{xs, ys}` or `[xs, ys]` tensors from one element; `InvalidDataError` naming the batch otherwise. */
function asBatch(el: unknown, index: number, fromDataset: boolean): Batch {
  const pair =
    Array.isArray(el) && el.length === 2 ? { xs: el[0] as unknown, ys: el[1] as unknown } : (el as { xs?: unknown; ys?: unknown } | null);
  if (!pair || typeof pair !== 'object' || !(pair.xs instanceof tf.Tensor) || !(pair.ys instanceof tf.Tensor)) {
    const numbers = pair && typeof pair === 'object' && (typeof pair.xs === 'number' || typeof pair.ys === 'number');
    throw new InvalidDataError(
      `batch ${index} is not {xs, ys} (or [xs, ys]) tensors` +
        (fromDataset && numbers ? ` (a plain number: the dataset yields single examples; ${BATCH_HINT})` : ''),
    );
  }
  return pair as Batch;
}

/** Throws `InvalidDataError` for a tensor whose dtype SpaM cannot compute with (string, complex64). */
function checkNumeric(t: Tensor, what: string): void {
  if (t.dtype === 'string' || t.dtype === 'complex64')
    throw new InvalidDataError(`${what} must be a numeric tensor (float32, int32 or bool), got dtype ${t.dtype}`);
}

/**
 * Checks one batch: tensors not disposed, xs and ys of rank ≥ 1 with the same number of rows.
 * A scalar xs or ys means a single example was yielded where a batch was expected.
 */
function checkBatch(b: Batch, index: number, fromDataset: boolean): void {
  const where = `batch ${index}`;
  if (b.xs.isDisposed) throw new DisposedError('tensor', `${where} xs`);
  if (b.ys.isDisposed) throw new DisposedError('tensor', `${where} ys`);
  checkNumeric(b.xs, `${where} xs`);
  checkNumeric(b.ys, `${where} ys`);
  const hint = fromDataset ? BATCH_HINT : 'batch the examples (for a tf.data.Dataset: .batch(n))';
  for (const [name, t] of [
    ['xs', b.xs],
    ['ys', b.ys],
  ] as const) {
    if (t.rank === 0) {
      throw new ShapeMismatchError(
        `${where}: ${name} is a scalar, so this element is a single example, not a batch of examples ` +
          `(xs [${b.xs.shape}], ys [${b.ys.shape}]); the data is not batched: ${hint}`,
      );
    }
  }
  if (b.xs.shape[0] !== b.ys.shape[0]) {
    throw new ShapeMismatchError(
      `${where}: xs has ${b.xs.shape[0]} rows but ys has ${b.ys.shape[0]} (xs [${b.xs.shape}], ys [${b.ys.shape}])` +
        (fromDataset ? `; if the dataset yields single examples, it must be batched: call .batch(n) on it` : ''),
    );
  }
}

/** Validates `{xs, ys}` tensor data (tensors, dtypes, rows, the shuffle seed) before it is cut into batches. */
function checkTensorData(d: TensorData, epoch: unknown): void {
  const sh = d.shuffle;
  if (sh !== undefined && typeof sh !== 'boolean' && !(typeof sh === 'number' && Number.isSafeInteger(sh))) {
    throw new InvalidOptionError(`shuffle must be true, false or an integer seed, got ${typeof sh === 'number' ? sh : typeof sh}`);
  }
  if (epoch !== undefined && !(typeof epoch === 'number' && Number.isSafeInteger(epoch) && epoch >= 0)) {
    throw new InvalidOptionError(`epoch must be a non-negative integer, got ${String(epoch)}`);
  }
  for (const [name, t] of [
    ['xs', d.xs],
    ['ys', d.ys],
  ] as const) {
    if (!(t instanceof tf.Tensor))
      throw new InvalidDataError(`data.${name} must be a tf.Tensor, got ${Array.isArray(t) ? 'an array' : typeof t}`);
    if (t.isDisposed) throw new DisposedError('tensor', `data.${name}`);
    checkNumeric(t, `data.${name}`);
    if (t.rank === 0) throw new ShapeMismatchError(`data.${name} must have one row per example (rank ≥ 1), got a scalar`);
  }
  if (d.xs.shape[0] !== d.ys.shape[0]) {
    throw new ShapeMismatchError(
      `data.xs has ${d.xs.shape[0]} rows but data.ys has ${d.ys.shape[0]} (xs [${d.xs.shape}], ys [${d.ys.shape}])`,
    );
  }
}

/**
 * Iterates the batches of a {@link DataSource}. Throws `InvalidDataError` when the source holds
 * no example at all or an element is not `{xs, ys}` tensors, `ShapeMismatchError` when xs and ys
 * disagree on the batch size or an element is a single example (an unbatched `tf.data.Dataset`:
 * call `.batch(n)` on it), and `DisposedError` for a disposed input tensor. On every error the
 * tensors a Dataset yielded are freed; batches from the caller's iterables stay the caller's.
 */
export async function* iterateBatches(data: DataSource, options: IterateOptions = {}): AsyncGenerator<OwnedBatch> {
  if (data === null || typeof data !== 'object')
    throw new InvalidDataError('data must be {xs, ys}, an iterable of batches or a tf.data.Dataset');
  let count = 0;
  if (isTensorData(data)) {
    const { xs, ys } = data;
    const batchSize = data.batchSize ?? 256;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new InvalidOptionError(`batchSize must be a positive integer, got ${batchSize}`);
    checkTensorData(data, options.epoch);
    const n = xs.shape[0];
    count = n;
    const shuffle = data.shuffle !== undefined && data.shuffle !== false && !options.ordered;
    const order = shuffle ? permutation(n, (data.shuffle === true ? 0 : (data.shuffle as number)) + (options.epoch ?? 0)) : null;
    // Batches are cut from one host copy of the data: on wasm, tf.slice of a large tensor costs a
    // copy of the whole tensor per call (~18 ms for 10k×784), so per-batch slicing dominated epochs.
    const host = [hostRows(xs), hostRows(ys)];
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      const [bx, by] = host.map((h) => h.batch(start, size, order));
      yield { xs: bx, ys: by, release: () => tf.dispose([bx, by]) };
    }
  } else if (isDataset(data)) {
    const it = await datasetStep(() => data.iterator(), 0);
    for (let i = 0; ; i++) {
      const r = await datasetStep(() => it.next(), i);
      if (r.done) break;
      let b: Batch;
      try {
        b = asBatch(r.value, i, true);
        checkBatch(b, i, true);
      } catch (e) {
        // SpaM owns what a Dataset yields: free every tensor of the rejected element.
        tf.dispose(r.value as tf.TensorContainer);
        throw e;
      }
      count += b.xs.shape[0];
      yield { ...b, release: () => tf.dispose([b.xs, b.ys]) };
    }
  } else if (Symbol.asyncIterator in data || Symbol.iterator in data) {
    let i = 0;
    for await (const el of data as AsyncIterable<Batch>) {
      const b = asBatch(el, i, false);
      checkBatch(b, i++, false);
      count += b.xs.shape[0];
      yield { ...b, release: () => undefined };
    }
  } else {
    throw new InvalidDataError('data must be {xs, ys}, an iterable of batches or a tf.data.Dataset');
  }
  if (count === 0) throw new InvalidDataError('the data set is empty: no examples to compute the curvature on');
}

/**
 * Throws `InvalidDataError` if x holds NaN or ±Inf (Σ 0·x is NaN exactly then; one scalar
 * read-back), or is not a numeric tensor (string dtype); `DisposedError` if x is disposed.
 */
export function assertFinite(x: Tensor, what: string): void {
  if (!(x instanceof tf.Tensor)) throw new InvalidDataError(`${what} must be a tf.Tensor`);
  if (x.isDisposed) throw new DisposedError('tensor', what);
  checkNumeric(x, what);
  const probe = tf.tidy(() => tf.sum(tf.mul(tf.cast(x, 'float32'), 0)).dataSync()[0]);
  if (!Number.isFinite(probe)) throw new InvalidDataError(`${what} contains NaN or Inf`);
}

/** The number of examples when it is known without iterating (valid tensor data), else undefined. */
export function knownExampleCount(data: DataSource): number | undefined {
  if (data === null || typeof data !== 'object' || !isTensorData(data)) return undefined;
  // Malformed tensor data is reported by iterateBatches (countExamples falls through to it).
  return data.xs instanceof tf.Tensor && !data.xs.isDisposed && data.xs.rank > 0 ? data.xs.shape[0] : undefined;
}

/**
 * Number of examples in a data source: the row count of tensor data, else one pass over the
 * batches (the source must be re-iterable, as multi-epoch training needs anyway).
 */
export async function countExamples(data: DataSource): Promise<number> {
  const known = knownExampleCount(data);
  if (known !== undefined) return known;
  let n = 0;
  for await (const b of iterateBatches(data, { ordered: true })) {
    n += b.xs.shape[0];
    b.release();
  }
  return n;
}

/** A tensor's rows on the host, from which batch tensors are made by copying rows. */
function hostRows(t: Tensor): { batch(start: number, size: number, order: Int32Array | null): Tensor } {
  const values = t.dataSync();
  const rowShape = t.shape.slice(1);
  const row = rowShape.reduce((a, b) => a * b, 1);
  return {
    batch(start, size, order) {
      let out: typeof values;
      if (!order) out = values.slice(start * row, (start + size) * row);
      else {
        out = new (values.constructor as { new (n: number): typeof values })(size * row);
        for (let i = 0; i < size; i++) {
          const src = order[start + i] * row;
          (out as Float32Array).set((values as Float32Array).subarray(src, src + row), i * row);
        }
      }
      return tf.tensor(out, [size, ...rowShape], t.dtype);
    },
  };
}

/**
 * Runs one step of a user's `tf.data.Dataset` (its iterator, its next element): an error raised
 * inside tfjs's dataset pipeline (e.g. `.batch()` stacking elements of different shapes) becomes an
 * `InvalidDataError` naming the element, with the original message.
 */
async function datasetStep<T>(step: () => Promise<T>, index: number): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (e instanceof SpamError) throw e;
    throw new InvalidDataError(`the tf.data.Dataset failed to produce element ${index}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
