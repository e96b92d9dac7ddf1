import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import {
  eventLoopYielder,
  assertFinite,
  buildModelAdapter,
  checkModelInput,
  denseTargets,
  iterateBatches,
  knownExampleCount,
  lossSum,
  NonFiniteError,
  type DataSource,
  type ModelAdapter,
  type ModelLike,
} from '@spam/core';
import { addInto, layerInputs, type CurvatureAccumulator, type LaplaceInfo } from './curvature/base.js';
import { CURVATURE_STRUCTURES, type CurvatureStructure, type LaplaceFor } from './curvature/structures.js';
import { outputVectors } from './output-vectors.js';
import { resolveCurvatureOptions, type CurvatureOptions } from './options.js';

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
  const acc = spec.accumulator(o);
  let sums: Tensor[] | null = null;
  let n = 0;
  let batches = 0;
  let loss = 0;
  const total = knownExampleCount(data);
  const yieldNow = eventLoopYielder();
  try {
    for await (const b of iterateBatches(data, { ordered: true })) {
      try {
        checkModelInput(adapter, b.xs, `inputs (batch ${batches})`);
        assertFinite(b.xs, `inputs (batch ${batches})`);
        const [contrib, batchLoss] = batchContributions(adapter, acc, o, b.xs, b.ys, batches);
        sums = addInto(sums, contrib);
        loss += batchLoss;
      } finally {
        b.release();
      }
      n += b.xs.shape[0];
      batches++;
      o.onProgress?.({ stage: 'curvature', batches, examples: n, total });
      await yieldNow();
    }
  } catch (e) {
    if (sums) tf.dispose(sums);
    throw e;
  }
  const result = sums as Tensor[];
  assertFiniteCurvature(adapter, result, loss);
  const theta = adapter.params.map((p) => tf.clone(p.variable.read()));
  const info: LaplaceInfo = {
    likelihood: o.likelihood,
    curvature: o.curvature,
    sigma: o.sigma,
    nData: n,
    loss,
    params: adapter.params,
    theta,
  };
  return spec.create(info, result, adapter, o) as LaplaceFor<S>;
}

/** One batch: forward, output vectors, one backward sweep, the structure's contributions and the loss. */
function batchContributions(
  adapter: ModelAdapter,
  acc: CurvatureAccumulator,
  o: ReturnType<typeof resolveCurvatureOptions>,
  xs: Tensor,
  ys: Tensor,
  batchIndex: number,
): [Tensor[], number] {
  let lossValue = 0;
  const contrib = tf.tidy(() => {
    const x = tf.cast(xs, 'float32');
    const y = denseTargets(o.likelihood, ys, x.shape[0], adapter.outputDim);
    const trace = adapter.forward(x);
    const v = outputVectors(o, trace.output, y, batchIndex);
    const grads = adapter.backward(trace, v);
    const out = acc.batch(layerInputs(trace.captures, grads));
    lossValue = lossSum(o.likelihood, trace.output, y).dataSync()[0];
    return out;
  });
  return [contrib, lossValue];
}

function assertFiniteCurvature(adapter: ModelAdapter, sums: Tensor[], loss: number): void {
  const probes = tf.tidy(() => tf.stack(sums.map((s) => tf.sum(tf.mul(s, 0)))).dataSync());
  const bad = Array.from(probes).findIndex((p) => !Number.isFinite(p));
  if (bad >= 0 || !Number.isFinite(loss)) {
    tf.dispose(sums);
    throw new NonFiniteError(
      `NaN/Inf in the ${bad >= 0 ? `curvature (term ${bad})` : 'loss'} of model '${adapter.name}': check the weights and the data scale`,
    );
  }
}
