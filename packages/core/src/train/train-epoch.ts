import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer, Tensor } from '@tensorflow/tfjs-core';
import { buildModelAdapter, type ModelAdapter } from '../adapter/model-adapter.js';
import { eventLoopYielder } from '../event-loop.js';
import { iterateBatches, type DataSource } from '../data.js';
import { checkLikelihood, type LikelihoodName } from '../likelihood.js';
import type { ModelLike } from '../model-like.js';
import { meanNllGradients } from './loss-gradients.js';

/** Options of {@link trainEpoch}. */
export interface TrainEpochOptions {
  /** Likelihood whose mean NLL is minimised. */
  likelihood: LikelihoodName;
  /** A tfjs optimizer, e.g. `tf.train.adam(1e-3)`; reuse it across epochs to keep its state. */
  optimizer: Optimizer;
  /** Observation noise σ for regression. Default 1. */
  sigma?: number;
  /**
   * Extra gradient per parameter tensor added to the NLL gradient (e.g. a prior's δθ/N), given
   * the live parameters in canonical order. Return new tensors; they are disposed after use.
   */
  extraGradients?: (params: Tensor[]) => Tensor[];
  /** Called after every batch with the batch's mean NLL (one scalar read-back per batch). */
  onBatch?: (info: { batch: number; loss: number; examples: number }) => void;
  /** Reuse an adapter built for this model (saves rebuilding it every epoch). */
  adapter?: ModelAdapter;
  /** Epoch index, selects the shuffle permutation of `{xs, ys, shuffle}` data. Default 0. */
  epoch?: number;
}

/** Summary of one epoch. */
export interface EpochResult {
  /** Example-weighted mean NLL over the epoch (at the weights used for each batch). */
  loss: number;
  /** Number of examples seen. */
  examples: number;
}

/**
 * One epoch of gradient descent on the mean NLL with SpaM's own backward pass
 * ({@link meanNllGradients}) and a tfjs optimizer: the fast alternative to `model.fit` on wasm.
 */
export async function trainEpoch(model: ModelLike, data: DataSource, options: TrainEpochOptions): Promise<EpochResult> {
  const likelihood = checkLikelihood(options.likelihood);
  const classification = likelihood === 'classification';
  const adapter = options.adapter ?? buildModelAdapter(model, { logits: classification });
  const names = adapter.params.map((p) => (p.variable.read() as tf.Variable).name);
  let total = 0;
  let examples = 0;
  let batch = 0;
  const yieldNow = eventLoopYielder();
  for await (const b of iterateBatches(data, { epoch: options.epoch })) {
    try {
      const lossT = tf.tidy(() => {
        const { loss, grads } = meanNllGradients(adapter, likelihood, tf.cast(b.xs, 'float32'), b.ys, options.sigma ?? 1);
        const extra = options.extraGradients?.(adapter.params.map((p) => p.variable.read()));
        const named: Record<string, Tensor> = {};
        grads.forEach((g, i) => {
          named[names[i]] = extra ? tf.add(g, extra[i]) : g;
        });
        options.optimizer.applyGradients(named);
        return loss;
      });
      const loss = (await lossT.data())[0];
      lossT.dispose();
      const n = b.xs.shape[0];
      total += loss * n;
      examples += n;
      options.onBatch?.({ batch: batch++, loss, examples });
    } finally {
      b.release();
    }
    await yieldNow();
  }
  return { loss: total / examples, examples };
}
