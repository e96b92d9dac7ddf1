import * as tf from '@tensorflow/tfjs-core';
import { buildModelAdapter, knownExampleCount, type DataSource, type ModelLike } from '@spam/core';
import { accumulateCurvature, assertFiniteCurvature } from './accumulate.js';
import type { LaplaceInfo } from './curvature/base.js';
import { CURVATURE_STRUCTURES, type CurvatureStructure, type LaplaceFor } from './curvature/structures.js';
import { resolveCurvatureOptions, type CurvatureOptions, type ResolvedCurvatureOptions } from './options.js';
import { fitCurvaturePartial, laplaceFromPartial, mergeCurvaturePartials, type CurvaturePartial } from './parallel/partial.js';
import { holdWorkers, modelArtifacts, shardData, type CurvatureShard, type CurvatureWorkers } from './parallel/workers.js';

export type { Laplace, LaplaceFor } from './curvature/structures.js';
export { MAX_FULL_PARAMS } from './curvature/full.js';

/**
 * Fits the Laplace curvature of a tfjs-layers model over a whole data set: H = Σ_n J_nᵀ Λ_n J_n
 * (or its MC / empirical-Fisher variant) in the requested structure, at the current weights.
 *
 * @example
 * const lap = await fitLaplace(model, { xs, ys, batchSize: 128 }, { likelihood: 'classification', structure: 'kron' });
 * lap.factors[0].A.print();
 * lap.dispose();
 */
export async function fitLaplace<S extends CurvatureStructure = 'kron'>(
  model: ModelLike,
  data: DataSource,
  options: CurvatureOptions & { structure?: S },
): Promise<LaplaceFor<S>> {
  const o = resolveCurvatureOptions(options);
  const adapter = buildModelAdapter(model, { logits: o.likelihood === 'classification' });
  const spec = CURVATURE_STRUCTURES[o.structure];
  spec.check?.(adapter);
  const workers = holdWorkers(options.workers);
  if (workers.runner) {
    try {
      return (await fitOnWorkers(model, data, options, workers.runner)) as LaplaceFor<S>;
    } finally {
      await workers.release(); // threads made for this fit from a count end with it; a pool passed in stays up
    }
  }
  const total = knownExampleCount(data);
  const r = await accumulateCurvature(adapter, spec.accumulator(o), o, data, 0, (batches, examples) =>
    o.onProgress?.({ stage: 'curvature', batches, examples, total }),
  );
  assertFiniteCurvature(adapter, r.sums, r.loss);
  const theta = adapter.params.map((p) => tf.clone(p.variable.read()));
  const info: LaplaceInfo = {
    likelihood: o.likelihood,
    curvature: o.curvature,
    sigma: o.sigma,
    nData: r.nData,
    loss: r.loss,
    params: adapter.params,
    theta,
  };
  return spec.create(info, r.sums, adapter, o) as LaplaceFor<S>;
}

/** Shard 0 of a `local` runner, fitted in the calling thread. */
async function fitLocalShard(
  model: ModelLike,
  shard: CurvatureShard,
  batchSize: number,
  options: Omit<ResolvedCurvatureOptions, 'onProgress'>,
  report: (shard: number, batches: number, examples: number) => void,
): Promise<CurvaturePartial> {
  const xs = tf.tensor(shard.xs.data, shard.xs.shape, shard.xs.dtype);
  const ys = tf.tensor(shard.ys.data, shard.ys.shape, shard.ys.dtype);
  try {
    return await fitCurvaturePartial(
      model,
      { xs, ys, batchSize },
      { ...options, firstBatch: shard.firstBatch, onProgress: (p) => report(shard.shard, p.batches, p.examples) },
    );
  } finally {
    tf.dispose([xs, ys]);
  }
}

/**
 * The data-parallel fit: shards of whole batches fitted by the runner, partial sums merged in data
 * order, the Laplace built at the caller's model (which the workers never touch).
 */
async function fitOnWorkers(model: ModelLike, data: DataSource, options: CurvatureOptions, runner: CurvatureWorkers) {
  const o = resolveCurvatureOptions(options);
  const { batchSize, shards } = shardData(data, runner.size);
  const total = shards.reduce((a, s) => a + s.xs.shape[0], 0);
  const { onProgress: _omit, ...plain } = o;
  const progress = shards.map(() => ({ batches: 0, examples: 0 }));
  const report = (shard: number, batches: number, examples: number) => {
    progress[shard] = { batches, examples };
    o.onProgress?.({
      stage: 'curvature',
      batches: progress.reduce((a, p) => a + p.batches, 0),
      examples: progress.reduce((a, p) => a + p.examples, 0),
      total,
    });
  };
  // A `local` runner leaves shard 0 to this thread (warm backend, no copy of the model): one thread start fewer.
  const [local, remote] = runner.local && shards.length > 1 ? [shards[0], shards.slice(1)] : [null, shards];
  const artifacts = await modelArtifacts(model);
  const remoteDone = runner.fitShards({ model: artifacts, backend: tf.getBackend(), batchSize, options: plain, shards: remote }, report);
  const localDone = local ? fitLocalShard(model, local, batchSize, plain, report) : Promise.resolve(null);
  const [r, l] = await Promise.allSettled([remoteDone, localDone]);
  if (r.status === 'rejected') throw r.reason;
  if (l.status === 'rejected') throw l.reason;
  const partials = l.value ? [l.value, ...r.value] : r.value;
  return laplaceFromPartial(model, mergeCurvaturePartials(partials), options);
}
