import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import {
  assertFinite,
  checkModelInput,
  denseTargets,
  eventLoopYielder,
  iterateBatches,
  lossSum,
  NonFiniteError,
  type DataSource,
  type ModelAdapter,
} from '@spam/core';
import { addInto, layerInputs, type CurvatureAccumulator } from './curvature/base.js';
import { outputVectors } from './output-vectors.js';
import type { ResolvedCurvatureOptions } from './options.js';

/** The running sums of a curvature fit over some batches: what a fit, or one shard of it, produces. */
export interface CurvatureSums {
  /** The structure's summed contributions (owned by the caller). */
  sums: Tensor[];
  /** Examples summed over. */
  nData: number;
  /** Batches summed over. */
  batches: number;
  /** Summed loss over those examples. */
  loss: number;
}

/**
 * Sums a structure's per-batch contributions over `data` in order. `firstBatch` is the global index
 * of the first batch (the MC curvature seeds its label samples by batch index, so a shard of a
 * data-parallel fit samples exactly what a single fit would). `onBatch` sees the running counts.
 */
export async function accumulateCurvature(
  adapter: ModelAdapter,
  acc: CurvatureAccumulator,
  o: ResolvedCurvatureOptions,
  data: DataSource,
  firstBatch = 0,
  onBatch?: (batches: number, examples: number) => void,
): Promise<CurvatureSums> {
  let sums: Tensor[] | null = null;
  let n = 0;
  let batches = 0;
  let loss = 0;
  const yieldNow = eventLoopYielder();
  try {
    for await (const b of iterateBatches(data, { ordered: true })) {
      try {
        const label = `inputs (batch ${firstBatch + batches})`;
        checkModelInput(adapter, b.xs, label);
        assertFinite(b.xs, label);
        const [contrib, batchLoss] = batchContributions(adapter, acc, o, b.xs, b.ys, firstBatch + batches);
        sums = addInto(sums, contrib);
        loss += batchLoss;
      } finally {
        b.release();
      }
      n += b.xs.shape[0];
      batches++;
      onBatch?.(batches, n);
      await yieldNow();
    }
  } catch (e) {
    if (sums) tf.dispose(sums);
    throw e;
  }
  return { sums: sums as Tensor[], nData: n, batches, loss };
}

/** One batch: forward, output vectors, one backward sweep, the structure's contributions and the loss. */
function batchContributions(
  adapter: ModelAdapter,
  acc: CurvatureAccumulator,
  o: ResolvedCurvatureOptions,
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

/** Throws `NonFiniteError` (disposing `sums`) when a summed term or the loss is NaN/Inf. */
export function assertFiniteCurvature(adapter: ModelAdapter, sums: Tensor[], loss: number): void {
  const probes = tf.tidy(() => tf.stack(sums.map((s) => tf.sum(tf.mul(s, 0)))).dataSync());
  const bad = Array.from(probes).findIndex((p) => !Number.isFinite(p));
  if (bad >= 0 || !Number.isFinite(loss)) {
    tf.dispose(sums);
    throw new NonFiniteError(
      `NaN/Inf in the ${bad >= 0 ? `curvature (term ${bad})` : 'loss'} of model '${adapter.name}': check the weights and the data scale`,
    );
  }
}
