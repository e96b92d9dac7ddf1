/*
 * One long-lived worker thread of a `nodeWorkers` pool: it serves one shard index for every fit of
 * the pool, keeps its tfjs backend and the rebuilt model between fits, and is unref'd while idle so
 * that a pool nobody disposes does not keep the process alive.
 */
import { Worker } from 'node:worker_threads';
import { WorkerShardError } from './errors.js';
import type { CurvaturePartial } from './partial.js';
import type { CurvatureJob, CurvatureShard } from './workers.js';

/** Where the worker script is, and how to start it (TypeScript sources need the tsx loader). */
export interface WorkerScript {
  url: URL;
  /** The script is TypeScript (a source checkout): start it through tsx's loader. */
  typescript: boolean;
  /** Passed to the thread as `workerData` (tells the module it is the worker). */
  workerData: unknown;
}

/**
 * What the pool posts a thread for one fit: the job with this thread's shard only. `job.model` holds
 * the topology only when the thread has not rebuilt this model yet; otherwise just the weights
 * (`weightData` + `weightSpecs`). `setup` modules are imported on the thread's first fit only.
 */
export interface FitMessage {
  type: 'fit';
  job: CurvatureJob;
  setup: string[];
}

type WorkerMessage =
  | { type: 'progress'; batches: number; examples: number }
  | { type: 'done'; partial: CurvaturePartial }
  | { type: 'error'; name: string; message: string };

interface Pending {
  shard: CurvatureShard;
  resolve: (p: CurvaturePartial) => void;
  reject: (e: WorkerShardError) => void;
  onProgress?: (shard: number, batches: number, examples: number) => void;
}

/** Starts one thread on the script; TypeScript sources get tsx's ESM loader registered first (Node 20 ignores `--import` in a worker's execArgv). */
function startWorker(script: WorkerScript): Worker {
  if (!script.typescript) return new Worker(script.url, { workerData: script.workerData });
  // Only in a source checkout (this repository's tests), where tsx is a dev dependency; built packages never reach here.
  const loader = 'tsx/esm/api';
  const boot = `import(${JSON.stringify(loader)}).then((t) => { t.register(); return import(${JSON.stringify(script.url.href)}); })`;
  return new Worker(boot, { eval: true, workerData: script.workerData });
}

/** A pool thread: `fit` runs one shard on it; the thread stays up (unref'd) until `terminate`. */
export class ShardThread {
  /** Key of the model this thread has rebuilt (its topology), or null before its first fit. */
  modelKey: string | null = null;
  /** Fits this thread has started. */
  fits = 0;
  /** The first batch of the shard it fitted last (for errors about a thread that died between fits). */
  lastFirstBatch = 0;
  /** Why the thread ended on its own (crashed or exited), or null while it runs. */
  death: string | null = null;
  private readonly worker: Worker;
  private pending: Pending | null = null;
  private stopping = false;

  /** Throws (as the `new Worker` call does) when the thread cannot start. */
  constructor(
    script: WorkerScript,
    /** The shard index this thread serves. */
    readonly shard: number,
  ) {
    this.worker = startWorker(script);
    this.worker.on('message', (m: WorkerMessage) => {
      const p = this.pending;
      if (!p) return;
      if (m.type === 'progress') p.onProgress?.(p.shard.shard, m.batches, m.examples);
      else if (m.type === 'done') {
        this.pending = null;
        p.resolve(m.partial);
      } else if (m.type === 'error') this.fail(`${m.name}: ${m.message}`);
    });
    this.worker.on('error', (e) => {
      this.death ??= `the worker thread crashed: ${e.message}`;
      this.fail(this.death);
    });
    this.worker.on('exit', (code) => {
      if (this.stopping) return;
      this.death ??= this.pending
        ? `the worker thread exited (code ${code}) before returning its sums`
        : `the worker thread exited (code ${code}) between fits`;
      this.fail(this.death);
    });
  }

  private fail(detail: string): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    p.reject(new WorkerShardError(p.shard.shard, p.shard.firstBatch, detail));
  }

  /** Posts one shard's job (buffers in `transfer` move to the thread) and resolves with its sums; the thread is ref'd meanwhile. */
  fit(message: FitMessage, transfer: ArrayBuffer[], onProgress?: Pending['onProgress']): Promise<CurvaturePartial> {
    const [shard] = message.job.shards;
    this.fits++;
    this.lastFirstBatch = shard.firstBatch;
    return new Promise<CurvaturePartial>((resolve, reject) => {
      this.pending = { shard, resolve, reject, onProgress };
      if (this.death) return this.fail(this.death);
      this.worker.ref();
      this.worker.postMessage(message, transfer);
    });
  }

  /** Idle: the thread no longer keeps the process alive. */
  idle(): void {
    this.worker.unref();
  }

  /** Ends the thread; a fit still running on it rejects with `WorkerShardError` (`reason`). */
  async terminate(reason: string): Promise<void> {
    this.stopping = true;
    this.fail(reason);
    await this.worker.terminate().catch(() => undefined);
  }
}
