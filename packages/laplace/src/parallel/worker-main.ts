/*
 * The worker-thread side of `nodeWorkers` (`@spam/laplace/parallel`): rebuilds the model from its
 * artifacts on the caller's backend, fits the curvature sums of one shard and posts them back as a
 * CurvaturePartial. The pool starts the `@spam/laplace/parallel` module itself as the thread, with
 * `workerData.spamCurvatureWorker` set; that module then calls {@link runCurvatureWorker}.
 */
import { parentPort } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { isAbsolute } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { fitCurvaturePartial } from './partial.js';
import type { CurvatureJob } from './workers.js';

/** tfjs backend name → the package that registers it. */
const BACKEND_PACKAGES: Record<string, string> = {
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
  tensorflow: '@tensorflow/tfjs-node',
};

interface FitMessage {
  type: 'fit';
  job: CurvatureJob;
  setup: string[];
}

async function useBackend(name: string): Promise<void> {
  const pkg = BACKEND_PACKAGES[name];
  if (!pkg) throw new Error(`backend '${name}' cannot run in a worker thread (supported: ${Object.keys(BACKEND_PACKAGES).join(', ')})`);
  await import(pkg);
  if (!(await tf.setBackend(name))) throw new Error(`backend '${name}' failed to initialise in the worker`);
  await tf.ready();
}

async function run(msg: FitMessage): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const { job } = msg;
  const [shard] = job.shards;
  await useBackend(job.backend);
  let layers: { loadLayersModel: (h: tf.io.IOHandler) => Promise<tf.InferenceModel & { dispose(): unknown }> };
  try {
    layers = (await import('@tensorflow/tfjs-layers')) as unknown as typeof layers;
  } catch {
    throw new Error('worker threads need @tensorflow/tfjs-layers (part of @tensorflow/tfjs) to rebuild the model');
  }
  for (const spec of msg.setup) {
    const mod = (await import(isAbsolute(spec) ? pathToFileURL(spec).href : spec)) as { default?: unknown };
    if (typeof mod.default === 'function') await (mod.default as (c: { shard: number }) => unknown)({ shard: shard.shard });
  }
  const model = await layers.loadLayersModel(tf.io.fromMemory(job.model));
  const xs = tf.tensor(shard.xs.data, shard.xs.shape, shard.xs.dtype);
  const ys = tf.tensor(shard.ys.data, shard.ys.shape, shard.ys.dtype);
  try {
    const partial = await fitCurvaturePartial(
      model as unknown as Parameters<typeof fitCurvaturePartial>[0],
      { xs, ys, batchSize: job.batchSize },
      {
        ...job.options,
        firstBatch: shard.firstBatch,
        onProgress: (p) => port.postMessage({ type: 'progress', batches: p.batches, examples: p.examples }),
      },
    );
    port.postMessage(
      { type: 'done', partial },
      partial.sums.map((s) => s.data.buffer as ArrayBuffer),
    );
  } finally {
    tf.dispose([xs, ys]);
    model.dispose();
  }
}

/** Serves one fit job on this worker thread (the message the pool posts), then lets the thread end. */
export function runCurvatureWorker(): void {
  parentPort?.once('message', (msg: FitMessage) => {
    run(msg).catch((e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      parentPort?.postMessage({ type: 'error', name: err.name, message: err.message, stack: err.stack });
    });
  });
}
