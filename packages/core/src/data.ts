import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { InvalidDataError, InvalidOptionError, ShapeMismatchError } from './errors.js';

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
export async function* iterateBatches(data: DataSource): AsyncGenerator<OwnedBatch> {
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
    for (let start = 0, i = 0; start < n; start += batchSize, i++) {
      const size = Math.min(batchSize, n - start);
      const bx = tf.slice(xs, start, size);
      const by = tf.slice(ys, start, size);
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
