/**
 * `@spam/laplace/parallel` (Node only): data-parallel curvature fits on `worker_threads`.
 * Importing it lets `fitLaplace(model, data, { workers: 'auto' | n })` split the data into shards
 * of whole batches, fit each on its own thread (own tfjs backend, a copy of the model) and sum the
 * results — the same Laplace as a single-thread fit, to float32 rounding of the sums.
 *
 * @example
 * import '@spam/laplace/parallel';
 * const la = await fitLaplace(model, { xs, ys, batchSize: 128 }, { likelihood: 'classification', structure: 'kron', workers: 2 });
 * @packageDocumentation
 */
import { isMainThread, workerData } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setDefaultCurvatureWorkers, type CurvatureWorkers } from './parallel/workers.js';
import { createNodeWorkers, type NodeWorkersOptions, type WorkerScript } from './parallel/node-pool.js';
import { runCurvatureWorker } from './parallel/worker-main.js';

export type { NodeWorkersOptions } from './parallel/node-pool.js';

/** This module is the worker script too (built `.js`/`.cjs`, or the TypeScript source run through tsx in a source checkout). */
function workerScript(): WorkerScript {
  const here = typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
  return { url: pathToFileURL(here), typescript: here.endsWith('.ts'), workerData: { spamCurvatureWorker: true } };
}

/**
 * A worker-thread runner for `fitLaplace`'s `workers` option: `count` threads (default one per
 * core), `setup` modules imported in each thread first (register custom layers there).
 *
 * @example
 * const la = await fitLaplace(model, data, { likelihood: 'classification', workers: nodeWorkers({ count: 2, setup: ['/abs/my-layers.js'] }) });
 */
export function nodeWorkers(options: NodeWorkersOptions = {}): CurvatureWorkers {
  return createNodeWorkers(workerScript(), options);
}

if (!isMainThread && (workerData as { spamCurvatureWorker?: boolean } | null)?.spamCurvatureWorker) runCurvatureWorker();
else setDefaultCurvatureWorkers((count) => nodeWorkers({ count }));
