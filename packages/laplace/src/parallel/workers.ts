import * as tf from '@tensorflow/tfjs-core';
import { InvalidDataError, InvalidOptionError, type DataSource, type ModelLike } from '@spam/core';
import type { ResolvedCurvatureOptions } from '../options.js';
import type { CurvaturePartial, HostArray } from './partial.js';

/** One shard of a data-parallel curvature fit: consecutive whole batches of the data. */
export interface CurvatureShard {
  /** Shard index (0-based, data order). */
  shard: number;
  /** Global index of the shard's first batch. */
  firstBatch: number;
  xs: HostArray;
  ys: HostArray;
}

/** Everything a worker needs to fit its shards: the model as tfjs artifacts, the backend, the options. */
export interface CurvatureJob {
  /** The model (topology + all weights) as `tf.io` model artifacts. */
  model: tf.io.ModelArtifacts;
  /** The caller's tfjs backend name (`'wasm'`, `'cpu'`, `'tensorflow'`, …). */
  backend: string;
  /** Batch size of every shard (shards are cut at batch boundaries). */
  batchSize: number;
  /** The resolved curvature options (without the progress callback). */
  options: Omit<ResolvedCurvatureOptions, 'onProgress'>;
  shards: CurvatureShard[];
}

/**
 * Runs the shards of a curvature fit somewhere else — worker threads (`nodeWorkers` from
 * `@spam/laplace/parallel`), child processes, other machines — and returns one
 * {@link CurvaturePartial} per shard, in shard order. Implement it to plug in another job runner.
 */
export interface CurvatureWorkers {
  /** How many shards to cut the data into (≥ 1). */
  readonly size: number;
  /**
   * The calling thread fits shard 0 itself (its backend is warm and it has the model) while the
   * runner fits the others; `fitShards` then receives shards 1…size−1. Default false.
   */
  readonly local?: boolean;
  /** Fits every shard; `onProgress(shard, batches, examples)` as batches finish. Rejects (after stopping every shard) on any failure. */
  fitShards(job: CurvatureJob, onProgress?: (shard: number, batches: number, examples: number) => void): Promise<CurvaturePartial[]>;
  /**
   * Releases the runner's threads or connections. A runner passed as `workers` is the caller's: SpaM
   * never disposes it. One made from a count (`workers: n | 'auto'`) is disposed after the fit (after
   * the run, in `marglikTraining`).
   */
  dispose?(): Promise<void> | void;
}

/** `fitLaplace`'s `workers` option: a count, `'auto'` (one per core), or a runner. */
export type WorkersOption = number | 'auto' | CurvatureWorkers;

let defaultFactory: ((count: number | 'auto') => CurvatureWorkers) | null = null;

/**
 * Sets the runner `fitLaplace` uses for `workers: n | 'auto'`. `@spam/laplace/parallel` registers
 * Node's worker threads on import; a browser app can register Web Workers the same way.
 */
export function setDefaultCurvatureWorkers(factory: ((count: number | 'auto') => CurvatureWorkers) | null): void {
  defaultFactory = factory;
}

/** The runner for a `workers` option, or null for an in-process fit (1 worker). */
export function resolveWorkers(option: WorkersOption | undefined): CurvatureWorkers | null {
  if (option === undefined || option === 1) return null;
  if (typeof option === 'object' && option !== null && typeof option.fitShards === 'function') return option;
  if (option !== 'auto' && (!Number.isInteger(option) || (option as number) < 1))
    throw new InvalidOptionError(`workers must be a positive integer, 'auto' or a CurvatureWorkers runner, got ${String(option)}`);
  if (!defaultFactory) {
    throw new InvalidOptionError(
      `workers: ${String(option)} needs a worker runner: in Node, import '@spam/laplace/parallel' once (it registers worker threads), ` +
        'or pass a CurvatureWorkers runner as the workers option',
    );
  }
  const runner = defaultFactory(option as number | 'auto');
  return runner.size > 1 ? runner : null;
}

/**
 * The runner for a `workers` option held for one fit or one `marglikTraining` run: a runner the
 * caller passed is used as is (and left running); one made from a count is disposed by `release`.
 */
export function holdWorkers(option: WorkersOption | undefined): { runner: CurvatureWorkers | null; release(): Promise<void> } {
  const runner = resolveWorkers(option);
  const owned = runner !== null && runner !== option;
  return { runner, release: async () => (owned ? await runner.dispose?.() : undefined) };
}

function host(t: tf.Tensor, all: tf.TypedArray, rows: [number, number]): HostArray {
  const per = t.shape.slice(1).reduce((a, b) => a * b, 1);
  const dtype = t.dtype === 'int32' ? 'int32' : 'float32';
  const data =
    dtype === 'int32'
      ? Int32Array.from(all.subarray(rows[0] * per, rows[1] * per))
      : Float32Array.from(all.subarray(rows[0] * per, rows[1] * per));
  return { shape: [rows[1] - rows[0], ...t.shape.slice(1)], dtype, data };
}

/**
 * Cuts in-memory data `{xs, ys, batchSize}` into `count` shards of consecutive whole batches (as
 * equal as possible). Other data sources cannot be split: `InvalidDataError`.
 */
export function shardData(data: DataSource, count: number): { batchSize: number; shards: CurvatureShard[] } {
  const d = data as { xs?: unknown; ys?: unknown; batchSize?: number };
  if (!(d && d.xs instanceof tf.Tensor && d.ys instanceof tf.Tensor)) {
    throw new InvalidDataError(
      'workers need in-memory data {xs, ys, batchSize} (tensors): a Dataset or iterable cannot be split into shards',
    );
  }
  const batchSize = d.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InvalidOptionError(`batchSize must be a positive integer, got ${batchSize}`);
  const n = d.xs.shape[0];
  if (d.ys.shape[0] !== n) throw new InvalidDataError(`xs has ${n} examples but ys has ${d.ys.shape[0]}`);
  const batches = Math.ceil(n / batchSize);
  const k = Math.max(1, Math.min(count, batches));
  const shards: CurvatureShard[] = [];
  const [allX, allY] = [d.xs.dataSync(), d.ys.dataSync()] as tf.TypedArray[];
  let b0 = 0;
  for (let s = 0; s < k; s++) {
    const b1 = b0 + Math.floor(batches / k) + (s < batches % k ? 1 : 0);
    const rows: [number, number] = [b0 * batchSize, Math.min(n, b1 * batchSize)];
    shards.push({ shard: s, firstBatch: b0, xs: host(d.xs, allX, rows), ys: host(d.ys, allY, rows) });
    b0 = b1;
  }
  return { batchSize, shards };
}

/** The model as `tf.io` artifacts (topology and every weight, trainable or not), for a worker to rebuild. */
export async function modelArtifacts(model: ModelLike): Promise<tf.io.ModelArtifacts> {
  const m = model as ModelLike & { save?: (h: tf.io.IOHandler) => Promise<unknown> };
  if (typeof m.save !== 'function')
    throw new InvalidOptionError(`workers need a tf.LayersModel (with save()); model '${model.name}' has none`);
  let artifacts: tf.io.ModelArtifacts | null = null;
  await m.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts) throw new InvalidOptionError(`model '${model.name}' could not be serialised for the workers`);
  return artifacts;
}
