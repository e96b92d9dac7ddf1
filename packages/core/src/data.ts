import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { InvalidDataError, InvalidOptionError, ShapeMismatchError } from './errors.js';
import { mulberry32 } from './random.js';

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

function asBatch(el: unknown, index: number): Batch {
  if (Array.isArray(el) && el.length === 2) return { xs: el[0] as Tensor, ys: el[1] as Tensor };
  const b = el as Partial<Batch> | null;
  if (!b || !(b.xs instanceof tf.Tensor) || !(b.ys instanceof tf.Tensor)) {
    throw new InvalidDataError(`batch ${index} is not {xs, ys} (or [xs, ys]) tensors`);
  }
  return b as Batch;
}

/**
 * Iterates the batches of a {@link DataSource}. Throws `InvalidDataError` when the source holds
 * no example at all, and `ShapeMismatchError` when xs and ys disagree on the batch size.
 */
export async function* iterateBatches(data: DataSource, options: IterateOptions = {}): AsyncGenerator<OwnedBatch> {
  if (data === null || typeof data !== 'object') throw new InvalidDataError('data must be {xs, ys}, an iterable of batches or a tf.data.Dataset');
  let count = 0;
  const check = (b: Batch, i: number) => {
    if (b.xs.shape[0] !== b.ys.shape[0]) {
      throw new ShapeMismatchError(`batch ${i}: xs has ${b.xs.shape[0]} rows but ys has ${b.ys.shape[0]}`);
    }
    count += b.xs.shape[0];
  };
  if (isTensorData(data)) {
    const { xs, ys } = data;
    const batchSize = data.batchSize ?? 256;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new InvalidOptionError(`batchSize must be a positive integer, got ${batchSize}`);
    check({ xs, ys }, 0);
    const n = xs.shape[0];
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
    const it = await data.iterator();
    for (let i = 0; ; i++) {
      const r = await it.next();
      if (r.done) break;
      const b = asBatch(r.value, i);
      check(b, i);
      yield { ...b, release: () => tf.dispose([b.xs, b.ys]) };
    }
  } else if (Symbol.asyncIterator in data || Symbol.iterator in data) {
    let i = 0;
    for await (const el of data as AsyncIterable<Batch>) {
      const b = asBatch(el, i);
      check(b, i++);
      yield { ...b, release: () => undefined };
    }
  } else {
    throw new InvalidDataError('data must be {xs, ys}, an iterable of batches or a tf.data.Dataset');
  }
  if (count === 0) throw new InvalidDataError('the data set is empty: no examples to compute the curvature on');
}

/** Throws `InvalidDataError` if x holds NaN or ±Inf (Σ 0·x is NaN exactly then; one scalar read-back). */
export function assertFinite(x: Tensor, what: string): void {
  const probe = tf.tidy(() => tf.sum(tf.mul(tf.cast(x, 'float32'), 0)).dataSync()[0]);
  if (!Number.isFinite(probe)) throw new InvalidDataError(`${what} contains NaN or Inf`);
}

/** A seeded random permutation of 0..n−1 (Fisher–Yates with {@link mulberry32}). */
export function permutation(n: number, seed: number): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  const rand = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** The number of examples when it is known without iterating (tensor data), else undefined. */
export function knownExampleCount(data: DataSource): number | undefined {
  return isTensorData(data) ? data.xs.shape[0] : undefined;
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
      if (!order) out = values.slice(start * row, (start + size) * row) as typeof values;
      else {
        out = new (values.constructor as { new (n: number): typeof values })(size * row);
        for (let i = 0; i < size; i++) {
          const src = order[start + i] * row;
          (out as Float32Array).set((values as Float32Array).subarray(src, src + row), i * row);
        }
      }
      return tf.tensor(out as Float32Array, [size, ...rowShape], t.dtype);
    },
  };
}
