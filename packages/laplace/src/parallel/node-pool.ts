import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { InvalidOptionError } from '@spam/core';
import { WorkerShardError } from './errors.js';
import type { CurvaturePartial } from './partial.js';
import type { CurvatureJob, CurvatureWorkers } from './workers.js';

/** Options of {@link nodeWorkers}. */
export interface NodeWorkersOptions {
  /**
   * Threads fitting shards, the calling thread included (it fits shard 0; count − 1 worker threads
   * start): a positive integer or `'auto'` (`os.availableParallelism()`). Default `'auto'`.
   */
  count?: number | 'auto';
  /**
   * Modules each worker thread (not the calling thread) imports before rebuilding the model (absolute paths or package names):
   * where custom layer classes and SpaM layer adapters are registered. A module's default export,
   * if a function, is called with `{ shard }`.
   */
  setup?: string[];
}

type WorkerMessage =
  | { type: 'progress'; batches: number; examples: number }
  | { type: 'done'; partial: CurvaturePartial }
  | { type: 'error'; name: string; message: string };

/** Where the worker script is, and how to start it (TypeScript sources need the tsx loader). */
export interface WorkerScript {
  url: URL;
  /** The script is TypeScript (a source checkout): start it through tsx's loader. */
  typescript: boolean;
  /** Passed to the thread as `workerData` (tells the module it is the worker). */
  workerData: unknown;
}

/**
 * A {@link CurvatureWorkers} runner on Node's `worker_threads`: one thread per shard, each with its
 * own tfjs backend (the caller's) and a copy of the model; threads end with the fit (the process
 * is not kept alive). A shard that throws or whose thread dies rejects with `WorkerShardError`
 * naming it, after every thread is terminated.
 */
export function createNodeWorkers(script: WorkerScript, options: NodeWorkersOptions = {}): CurvatureWorkers {
  const count = options.count ?? 'auto';
  if (count !== 'auto' && (!Number.isInteger(count) || count < 1))
    throw new InvalidOptionError(`count must be a positive integer or 'auto', got ${String(count)}`);
  const setup = options.setup ?? [];
  if (!Array.isArray(setup) || setup.some((s) => typeof s !== 'string' || s.length === 0))
    throw new InvalidOptionError('setup must be a list of module paths or package names');
  const size = count === 'auto' ? availableParallelism() : count;
  return {
    size,
    // The calling thread takes shard 0: `count` threads in all, count − 1 of them new.
    local: true,
    fitShards: (job, onProgress) => runShards(script, setup, job, onProgress),
  };
}

/** Starts one thread on the script; TypeScript sources get tsx's ESM loader registered first (Node 20 ignores `--import` in a worker's execArgv). */
function startWorker(script: WorkerScript): Worker {
  if (!script.typescript) return new Worker(script.url, { workerData: script.workerData });
  // Only in a source checkout (this repository's tests), where tsx is a dev dependency; built packages never reach here.
  const loader = 'tsx/esm/api';
  const boot = `import(${JSON.stringify(loader)}).then((t) => { t.register(); return import(${JSON.stringify(script.url.href)}); })`;
  return new Worker(boot, { eval: true, workerData: script.workerData });
}

async function runShards(
  script: WorkerScript,
  setup: string[],
  job: CurvatureJob,
  onProgress?: (shard: number, batches: number, examples: number) => void,
): Promise<CurvaturePartial[]> {
  const workers: Worker[] = [];
  const stopAll = () => Promise.all(workers.map((w) => w.terminate().catch(() => undefined)));
  try {
    return await Promise.all(
      job.shards.map(
        (shard) =>
          new Promise<CurvaturePartial>((resolve, reject) => {
            let settled = false;
            const fail = (detail: string) => {
              if (settled) return;
              settled = true;
              reject(new WorkerShardError(shard.shard, shard.firstBatch, detail));
            };
            let w: Worker;
            try {
              w = startWorker(script);
            } catch (e) {
              fail(`the worker thread did not start: ${(e as Error).message}`);
              return;
            }
            workers.push(w);
            w.on('message', (m: WorkerMessage) => {
              if (m.type === 'progress') onProgress?.(shard.shard, m.batches, m.examples);
              else if (m.type === 'done') {
                settled = true;
                resolve(m.partial);
              } else if (m.type === 'error') fail(`${m.name}: ${m.message}`);
            });
            w.on('error', (e) => fail(`the worker thread crashed: ${e.message}`));
            w.on('exit', (code) => fail(`the worker thread exited (code ${code}) before returning its sums`));
            const transfer = [shard.xs.data.buffer, shard.ys.data.buffer] as ArrayBuffer[];
            w.postMessage({ type: 'fit', job: { ...job, shards: [shard] }, setup }, transfer);
          }),
      ),
    );
  } finally {
    await stopAll();
  }
}
