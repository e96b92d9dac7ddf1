import { availableParallelism } from 'node:os';
import type * as tf from '@tensorflow/tfjs-core';
import { InvalidOptionError } from '@spam/core';
import { WorkerPoolDisposedError, WorkerShardError } from './errors.js';
import { ShardThread, type FitMessage, type WorkerScript } from './node-thread.js';
import type { CurvaturePartial } from './partial.js';
import type { CurvatureJob, CurvatureWorkers } from './workers.js';

export type { WorkerScript } from './node-thread.js';

/** Options of {@link nodeWorkers}. */
export interface NodeWorkersOptions {
  /**
   * Threads fitting shards, the calling thread included (it fits shard 0; count − 1 worker threads
   * start): a positive integer or `'auto'` (`os.availableParallelism()`). Default `'auto'`.
   */
  count?: number | 'auto';
  /**
   * Modules each worker thread (not the calling thread) imports once, before it first rebuilds the model (absolute paths or package names):
   * where custom layer classes and SpaM layer adapters are registered. A module's default export,
   * if a function, is called with `{ shard }` (the shard index the thread serves in every fit).
   */
  setup?: string[];
}

/**
 * The pool `nodeWorkers` returns: a {@link CurvatureWorkers} runner whose threads live from its first
 * fit until `dispose()` (or a failed fit), so consecutive fits — the steps of a `marglikTraining`
 * run, a sweep — pay the thread start, tfjs set-up and model rebuild once.
 */
export interface NodeWorkers extends CurvatureWorkers {
  /** True once the pool is disposed: by `dispose()`, or by a fit that failed. */
  readonly isDisposed: boolean;
  /** Terminates every thread (a fit still running rejects with `WorkerShardError`); idempotent. */
  dispose(): Promise<void>;
}

/** The model's weights as one buffer (tfjs may hand them over in pieces). */
function weightBuffer(model: tf.io.ModelArtifacts): ArrayBuffer {
  const w = model.weightData;
  if (!w) return new ArrayBuffer(0);
  if (!Array.isArray(w)) return w;
  const out = new Uint8Array(w.reduce((a, b) => a + b.byteLength, 0));
  let at = 0;
  for (const b of w) {
    out.set(new Uint8Array(b), at);
    at += b.byteLength;
  }
  return out.buffer;
}

/** What a thread must have rebuilt to take only weights: the topology and the weights' names, shapes and dtypes. */
function modelKey(model: tf.io.ModelArtifacts): string {
  return JSON.stringify([model.modelTopology ?? null, model.weightSpecs ?? []]);
}

/**
 * A {@link CurvatureWorkers} pool on Node's `worker_threads`, started at its first fit and reused by
 * every later one: thread s always fits shard s (the calling thread fits shard 0), keeps its tfjs
 * backend and the rebuilt model, and receives only the weights (one transferred buffer) and its
 * shard's data per fit. Idle threads are unref'd (a process whose pool was never disposed still
 * exits). Fits on one pool run one after another. A failed fit — a shard that throws, a thread that
 * dies during a fit or between fits — rejects with `WorkerShardError` naming the shard and disposes
 * the pool (every thread terminated); using a disposed pool raises `WorkerPoolDisposedError`.
 */
class NodeWorkerPool implements NodeWorkers {
  readonly local = true;
  private readonly threads = new Map<number, ShardThread>();
  private queue: Promise<unknown> = Promise.resolve();
  private disposedBecause: string | null = null;

  constructor(
    private readonly script: WorkerScript,
    readonly size: number,
    private readonly setup: string[],
  ) {}

  /** True once disposed (by `dispose()` or a failed fit). */
  get isDisposed(): boolean {
    return this.disposedBecause !== null;
  }

  private get name(): string {
    return `nodeWorkers(count ${this.size})`;
  }

  fitShards(job: CurvatureJob, onProgress?: (shard: number, batches: number, examples: number) => void): Promise<CurvaturePartial[]> {
    const run = this.queue.then(() => this.run(job, onProgress));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private thread(shard: number, firstBatch: number): ShardThread {
    let t = this.threads.get(shard);
    if (!t) {
      try {
        t = new ShardThread(this.script, shard);
      } catch (e) {
        throw new WorkerShardError(shard, firstBatch, `the worker thread did not start: ${(e as Error).message}`);
      }
      this.threads.set(shard, t);
    }
    return t;
  }

  private async run(
    job: CurvatureJob,
    onProgress?: (shard: number, batches: number, examples: number) => void,
  ): Promise<CurvaturePartial[]> {
    if (this.disposedBecause !== null) throw new WorkerPoolDisposedError(this.name, this.disposedBecause);
    const dead = [...this.threads.values()].find((t) => t.death !== null);
    if (dead) {
      const err = new WorkerShardError(dead.shard, dead.lastFirstBatch, dead.death ?? '');
      await this.shutdown(`shard ${dead.shard} failed: ${dead.death}`);
      throw err;
    }
    const weights = weightBuffer(job.model);
    const key = modelKey(job.model);
    const { weightData: _all, ...topology } = job.model;
    try {
      const partials = await Promise.all(
        job.shards.map((shard) => {
          const t = this.thread(shard.shard, shard.firstBatch);
          // Only the weights, unless this thread has not rebuilt this model yet; each thread gets its own copy, transferred.
          const data = weights.slice(0);
          const model: tf.io.ModelArtifacts =
            t.modelKey === key ? { weightSpecs: job.model.weightSpecs, weightData: data } : { ...topology, weightData: data };
          const message: FitMessage = { type: 'fit', job: { ...job, model, shards: [shard] }, setup: t.fits === 0 ? this.setup : [] };
          t.modelKey = key;
          return t.fit(message, [data, shard.xs.data.buffer, shard.ys.data.buffer] as ArrayBuffer[], onProgress);
        }),
      );
      for (const t of this.threads.values()) t.idle();
      return partials;
    } catch (e) {
      await this.shutdown(
        e instanceof WorkerShardError ? `shard ${e.shard} failed: ${e.message}` : `a fit failed: ${(e as Error).message}`,
      );
      throw e;
    }
  }

  private async shutdown(reason: string): Promise<void> {
    this.disposedBecause ??= reason;
    const threads = [...this.threads.values()];
    this.threads.clear();
    await Promise.all(threads.map((t) => t.terminate(`the pool was disposed during the fit (${reason})`)));
  }

  /** Terminates every thread (a fit still running rejects with `WorkerShardError`); idempotent. */
  dispose(): Promise<void> {
    return this.shutdown('it was disposed (dispose())');
  }
}

/**
 * A {@link CurvatureWorkers} pool on Node's `worker_threads` (see `nodeWorkers`): started at the
 * first fit, reused by later fits, ended by `dispose()` or by a failed fit.
 */
export function createNodeWorkers(script: WorkerScript, options: NodeWorkersOptions = {}): NodeWorkers {
  const count = options.count ?? 'auto';
  if (count !== 'auto' && (!Number.isInteger(count) || count < 1))
    throw new InvalidOptionError(`count must be a positive integer or 'auto', got ${String(count)}`);
  const setup = options.setup ?? [];
  if (!Array.isArray(setup) || setup.some((s) => typeof s !== 'string' || s.length === 0))
    throw new InvalidOptionError('setup must be a list of module paths or package names');
  return new NodeWorkerPool(script, count === 'auto' ? availableParallelism() : count, setup);
}
