/**
 * The predictive's batch loop and checks: the model the Laplace was fitted on (parameter names
 * and shapes), the input (shape, NaN/Inf per batch), progress and event-loop yields.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import {
  assertFinite,
  buildModelAdapter,
  checkModelInput,
  eventLoopYielder,
  ShapeMismatchError,
  type ModelAdapter,
  type ModelLike,
} from '@spam/core';
import type { BaseLaplace } from '../curvature/base.js';
import type { PredictiveProgress } from './options.js';

/**
 * The adapter of `model`, checked to have the parameter layout `la` was fitted on (same tensor
 * names and shapes, in order): `ShapeMismatchError` naming the first difference otherwise.
 */
export function adapterFor(la: BaseLaplace, model: ModelLike): ModelAdapter {
  la.assertNotDisposed();
  const adapter = buildModelAdapter(model, { logits: la.likelihood === 'classification' });
  const ours = adapter.params;
  if (ours.length !== la.params.length) {
    throw new ShapeMismatchError(
      `the Laplace was fitted on a model with ${la.params.length} parameter tensors, model '${adapter.name}' has ${ours.length}: fit it on this model`,
    );
  }
  la.params.forEach((p, i) => {
    const q = ours[i];
    if (q.name !== p.name || q.shape.join() !== p.shape.join()) {
      throw new ShapeMismatchError(
        `parameter ${i} of model '${adapter.name}' is '${q.name}' [${q.shape}] but the Laplace's is '${p.name}' [${p.shape}]: the Laplace was fitted on another model`,
      );
    }
  });
  return adapter;
}

/**
 * Runs `step` over consecutive row slices of `x` (checked once for shape, each batch for NaN/Inf),
 * with progress; returns the per-batch results. On an error, every result so far is disposed.
 */
export async function overBatches<T extends Tensor[]>(
  adapter: ModelAdapter,
  x: Tensor,
  batchSize: number,
  step: (xb: Tensor, batch: number) => T,
  progress?: { onProgress?: (p: PredictiveProgress) => void; offset: number; total: number; batchOffset: number },
): Promise<T[]> {
  checkModelInput(adapter, x, 'inputs');
  const m = x.shape[0];
  const out: T[] = [];
  const yieldNow = eventLoopYielder();
  try {
    for (let start = 0, b = 0; start < m; start += batchSize, b++) {
      const rows = Math.min(batchSize, m - start);
      const xb = rows === m ? x : tf.slice(x, start, rows);
      try {
        assertFinite(xb, `inputs (rows ${start}–${start + rows - 1})`);
        out.push(step(xb, b));
      } finally {
        if (xb !== x) xb.dispose();
      }
      progress?.onProgress?.({
        stage: 'predictive',
        batches: progress.batchOffset + b + 1,
        examples: progress.offset + start + rows,
        total: progress.total,
      });
      await yieldNow();
    }
  } catch (e) {
    out.forEach((r) => tf.dispose(r));
    throw e;
  }
  return out;
}

/** Concatenates per-batch results along the rows, disposing the parts. */
export function concatBatches(parts: Tensor[][], count: number): Tensor[] {
  const out: Tensor[] = [];
  for (let i = 0; i < count; i++) out.push(parts.length === 1 ? parts[0][i] : tf.concat(parts.map((p) => p[i])));
  if (parts.length > 1) parts.forEach((p) => tf.dispose(p));
  return out;
}
