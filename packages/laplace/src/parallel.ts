/**
 * `@spam/laplace/parallel` (Node only): data-parallel curvature fits on `worker_threads`.
 * Importing it lets `fitLaplace(model, data, { workers: 'auto' | n })` split the data into shards
 * of whole batches, fit each on its own thread (own tfjs backend, a copy of the model) and sum the
 * results — the same Laplace as a single-thread fit, to float32 rounding of the sums. A pool from
 * `nodeWorkers()` passed as `workers` keeps its threads (and their copies of the model) between fits.
 *
 * @example
 * import '@spam/laplace/parallel';
 * const la = await fitLaplace(model, { xs, ys, batchSize: 128 }, { likelihood: 'classification', structure: 'kron', workers: 2 });
 * @packageDocumentation
 */
import { isMainThread, workerData } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setDefaultCurvatureWorkers } from './parallel/workers.js';
import { createNodeWorkers, type NodeWorkers, type NodeWorkersOptions, type WorkerScript } from './parallel/node-pool.js';
import { runCurvatureWorker } from './parallel/worker-main.js';

export type { NodeWorkers, NodeWorkersOptions } from './parallel/node-pool.js';

/** This module is the worker script too (built `.js`/`.cjs`, or the TypeScript source run through tsx in a source checkout). */
function workerScript(): WorkerScript {
  const here = typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
  return { url: pathToFileURL(here), typescript: here.endsWith('.ts'), workerData: { spamCurvatureWorker: true } };
}

/**
 * A pool of worker threads for `fitLaplace`'s `workers` option: `count` threads in all (default one
 * per core; the calling thread fits shard 0, count − 1 threads start), `setup` modules imported in
 * each thread first (register custom layers there). The threads start at the pool's first fit and
 * stay for the next ones, which send only the weights and the data; `dispose()` ends them (idle
 * threads do not keep the process alive). A failed fit disposes the pool.
 *
 * @example
 * const pool = nodeWorkers({ count: 2, setup: ['/abs/my-layers.js'] });
 * const a = await fitLaplace(model, data, { likelihood: 'classification', workers: pool });
 * await model.fit(xs, ys, { epochs: 1 });
 * const b = await fitLaplace(model, data, { likelihood: 'classification', workers: pool }); // warm threads, new weights
 * await pool.dispose();
 */
export function nodeWorkers(options: NodeWorkersOptions = {}): NodeWorkers {
  return createNodeWorkers(workerScript(), options);
}

if (!isMainThread && (workerData as { spamCurvatureWorker?: boolean } | null)?.spamCurvatureWorker) runCurvatureWorker();
else setDefaultCurvatureWorkers((count) => nodeWorkers({ count }));
