/*
 * The worker-thread side of `nodeWorkers` (`@spam/laplace/parallel`): serves one fit message after
 * another for the life of the pool. On its first fit it sets up the caller's backend, imports the
 * setup modules and rebuilds the model from its artifacts; later fits of the same model bring only
 * the weights, loaded into the rebuilt model. Each fit's curvature sums of the thread's shard go
 * back as a CurvaturePartial. The pool starts the `@spam/laplace/parallel` module itself as the
 * thread, with `workerData.spamCurvatureWorker` set; that module then calls {@link runCurvatureWorker}.
 */
import { parentPort } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { isAbsolute } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { fitCurvaturePartial } from './partial.js';
import type { FitMessage } from './node-thread.js';

/** tfjs backend name → the package that registers it. */
const BACKEND_PACKAGES: Record<string, string> = {
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
  tensorflow: '@tensorflow/tfjs-node',
};

type LayersModel = tf.InferenceModel & { dispose(): unknown; loadWeights(w: tf.NamedTensorMap): void };

/** What the thread keeps between fits. */
const state: { backend: string | null; model: LayersModel | null } = { backend: null, model: null };

async function useBackend(name: string): Promise<void> {
  if (state.backend === name) return;
  const pkg = BACKEND_PACKAGES[name];
  if (!pkg) throw new Error(`backend '${name}' cannot run in a worker thread (supported: ${Object.keys(BACKEND_PACKAGES).join(', ')})`);
  await import(pkg);
  if (!(await tf.setBackend(name))) throw new Error(`backend '${name}' failed to initialise in the worker`);
  await tf.ready();
  state.backend = name;
}

/** The model of this fit: rebuilt when the message brings a topology, else the kept one with the new weights loaded. */
async function modelFor(artifacts: tf.io.ModelArtifacts): Promise<LayersModel> {
  if (artifacts.modelTopology) {
    let layers: { loadLayersModel: (h: tf.io.IOHandler) => Promise<LayersModel> };
    try {
      layers = (await import('@tensorflow/tfjs-layers')) as unknown as typeof layers;
    } catch {
      throw new Error('worker threads need @tensorflow/tfjs-layers (part of @tensorflow/tfjs) to rebuild the model');
    }
    state.model?.dispose();
    state.model = null;
    state.model = await layers.loadLayersModel(tf.io.fromMemory(artifacts));
    return state.model;
  }
  if (!state.model) throw new Error('the pool sent weights only, but this thread has no model yet');
  const weights = tf.io.decodeWeights(artifacts.weightData ?? new ArrayBuffer(0), artifacts.weightSpecs ?? []);
  try {
    state.model.loadWeights(weights);
  } finally {
    tf.dispose(Object.values(weights));
  }
  return state.model;
}

async function run(msg: FitMessage): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const { job } = msg;
  const [shard] = job.shards;
  await useBackend(job.backend);
  for (const spec of msg.setup) {
    const mod = (await import(isAbsolute(spec) ? pathToFileURL(spec).href : spec)) as { default?: unknown };
    if (typeof mod.default === 'function') await (mod.default as (c: { shard: number }) => unknown)({ shard: shard.shard });
  }
  const model = await modelFor(job.model);
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
  }
}

/** Serves the pool's fit messages one after another until the pool terminates the thread. */
export function runCurvatureWorker(): void {
  let queue = Promise.resolve();
  parentPort?.on('message', (msg: FitMessage) => {
    queue = queue.then(() =>
      run(msg).catch((e: unknown) => {
        const err = e instanceof Error ? e : new Error(String(e));
        parentPort?.postMessage({ type: 'error', name: err.name, message: err.message, stack: err.stack });
      }),
    );
  });
}
