import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer, Tensor } from '@tensorflow/tfjs-core';
import { buildModelAdapter, type ModelAdapter } from '../adapter/model-adapter.js';
import { eventLoopYielder } from '../event-loop.js';
import { assertFinite, iterateBatches, type DataSource } from '../data.js';
import { checkModelInput } from '../adapter/input-check.js';
import { InvalidOptionError, NonFiniteError, ShapeMismatchError } from '../errors.js';
import { checkLikelihood, checkSigma, type LikelihoodName } from '../likelihood.js';
import type { ModelLike } from '../model-like.js';
import { firstNonFinite, meanNllGradientsUnchecked, nonFiniteNll } from './loss-gradients.js';

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
 *
 * Every batch is checked before it touches the weights: `ShapeMismatchError` / `InvalidDataError`
 * (naming the batch) for inputs that do not fit the model, an empty batch or NaN/Inf inputs, and
 * `NonFiniteError` when the batch's loss or a gradient (with `extraGradients`) is NaN/Inf, e.g.
 * for huge inputs. The batch that fails is not applied (earlier batches of the epoch were).
 */
export async function trainEpoch(model: ModelLike, data: DataSource, options: TrainEpochOptions): Promise<EpochResult> {
  if (options === null || typeof options !== 'object')
    throw new InvalidOptionError('trainEpoch options must be an object {likelihood, optimizer, ...}');
  const likelihood = checkLikelihood(options.likelihood);
  const sigma = checkSigma(options.sigma ?? 1);
  if (typeof (options.optimizer as { applyGradients?: unknown } | undefined)?.applyGradients !== 'function') {
    throw new InvalidOptionError('trainEpoch needs options.optimizer, a tfjs optimizer such as tf.train.adam(1e-3)');
  }
  const classification = likelihood === 'classification';
  const adapter = options.adapter ?? buildModelAdapter(model, { logits: classification });
  const names = adapter.params.map((p) => (p.variable.read() as tf.Variable).name);
  let total = 0;
  let examples = 0;
  let batch = 0;
  const yieldNow = eventLoopYielder();
  for await (const b of iterateBatches(data, { epoch: options.epoch })) {
    try {
      const what = `inputs (batch ${batch})`;
      checkModelInput(adapter, b.xs, what);
      assertFinite(b.xs, what);
      // Loss and gradients (plus extraGradients) are checked finite, in one read-back, before anything is applied.
      const { loss: lossT, grads } = meanNllGradientsUnchecked(adapter, likelihood, b.xs, b.ys, sigma);
      try {
        tf.tidy(() => {
          const extra = options.extraGradients?.(adapter.params.map((p) => p.variable.read()));
          if (extra !== undefined) checkExtra(extra, grads, adapter);
          const summed = extra ? grads.map((g, i) => tf.add(g, extra[i])) : grads;
          // A NaN/Inf in the NLL gradient stays one in the sum: one probe covers both.
          const bad = firstNonFinite([lossT, ...summed]);
          if (bad >= 0) {
            // Which one it was (error path only): the NLL's own message, else the sum's.
            const nll = extra ? firstNonFinite([lossT, ...grads]) : bad;
            if (nll >= 0) throw nonFiniteNll(adapter, nll);
            throw new NonFiniteError(
              `batch ${batch}: the gradient of '${adapter.params[bad - 1].name}' plus extraGradients is NaN or Inf; the weights were not updated`,
            );
          }
          const named: Record<string, Tensor> = {};
          summed.forEach((g, i) => {
            named[names[i]] = g;
          });
          options.optimizer.applyGradients(named);
        });
        const loss = (await lossT.data())[0];
        const n = b.xs.shape[0];
        total += loss * n;
        examples += n;
        options.onBatch?.({ batch: batch++, loss, examples });
      } finally {
        tf.dispose([lossT, ...grads]);
      }
    } finally {
      b.release();
    }
    await yieldNow();
  }
  return { loss: total / examples, examples };
}

/** `extraGradients` must return one tensor per parameter tensor, each of its shape. */
function checkExtra(extra: unknown, grads: Tensor[], adapter: ModelAdapter): void {
  if (!Array.isArray(extra) || extra.length !== grads.length) {
    throw new InvalidOptionError(
      `extraGradients must return ${grads.length} tensors (one per parameter tensor), got ${Array.isArray(extra) ? extra.length : typeof extra}`,
    );
  }
  extra.forEach((e: unknown, i) => {
    const want = grads[i].shape;
    if (!(e instanceof tf.Tensor) || e.shape.length !== want.length || e.shape.some((d: number, j: number) => d !== want[j])) {
      throw new ShapeMismatchError(
        `extraGradients()[${i}] must be a tensor of shape [${want}] ('${adapter.params[i].name}'), got ${e instanceof tf.Tensor ? `[${e.shape}]` : typeof e}`,
      );
    }
  });
}
