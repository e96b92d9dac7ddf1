import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { buildModelAdapter, deprecated, InvalidOptionError, type DataSource, type ModelLike } from '@spam/core';
import type { Prior } from '@spam/priors';
import type { CurvatureStructure, CurvatureType } from '../options.js';
import { checkPriorFits } from './log-marglik.js';
import { MarglikTuner, type HyperProgress, type MarglikTunerOptions } from './tuner.js';

/**
 * A loss for `model.compile` that adds the prior penalty: base(yTrue, yPred) + ½Σδθ²/N, with θ the
 * model's live weights and δ the prior's current precisions (not trained by `model.fit`).
 * `nData` is the training-set size N (a number in [1, 2⁵³ − 1]) and `base` a function:
 * `InvalidOptionError` otherwise, when the loss is created.
 */
export function lossWithPrior(
  model: ModelLike,
  prior: Prior,
  nData: number,
  base: (yTrue: Tensor, yPred: Tensor) => Tensor,
): (yTrue: Tensor, yPred: Tensor) => Tensor {
  if (typeof nData !== 'number' || !(nData >= 1 && nData <= Number.MAX_SAFE_INTEGER)) {
    throw new InvalidOptionError(`nData must be the training-set size, a number in [1, 2^53 - 1], got ${String(nData)}`);
  }
  if (typeof base !== 'function') {
    throw new InvalidOptionError(
      `base must be a loss function (yTrue, yPred) => tf.Tensor, e.g. (y, f) => tf.losses.softmaxCrossEntropy(y, f); got ${base === null ? 'null' : typeof base}`,
    );
  }
  const adapter = buildModelAdapter(model);
  checkPriorFits(adapter, prior);
  return (yTrue, yPred) =>
    tf.tidy(() => tf.add(base(yTrue, yPred), tf.div(prior.penalty(adapter.params.map((p) => p.variable.read())), nData)));
}

/** Options of {@link marglikCallback}. */
export interface MarglikCallbackOptions extends MarglikTunerOptions {
  likelihood: 'classification' | 'regression';
  /** Curvature structure (as `fitLaplace`'s `structure`). Default `'kron'`. */
  structure?: CurvatureStructure;
  /** @deprecated Use `structure`. */
  hessian?: CurvatureStructure;
  /** Curvature type. Default `'ggn'`. */
  curvature?: CurvatureType;
  /** F: a marglik step every F epochs. Default 5. */
  marglikEvery?: number;
  /** B: burn-in epochs. Default 0. */
  burnIn?: number;
  /** Called after every hyper step and after each marglik step with its final log Z. */
  onProgress?: (p: HyperProgress | { stage: 'marglik'; epoch: number; logMarglik: number }) => void;
}

/** A `model.fit` callback object (tfjs `CustomCallbackArgs`) plus access to the tuner. */
export interface MarglikCallback {
  onEpochEnd: (epoch: number) => Promise<void>;
  /** The tuner (its σ, its prior). */
  readonly tuner: MarglikTuner;
  /** log Z after each marglik step, with the 1-based epoch. */
  readonly history: Array<{ epoch: number; logMarglik: number }>;
  /** Frees the tuner's optimizer state (not the prior). Idempotent. */
  dispose(): void;
  /** Whether {@link MarglikCallback.dispose} has run. */
  readonly isDisposed: boolean;
}

/**
 * A `model.fit` callback running a marglik step (curvature over `data` + K hyper steps) every F
 * epochs after B burn-in epochs. Pair it with {@link lossWithPrior} so the penalty is in the loss.
 *
 * @example
 * model.compile({ optimizer: 'adam', loss: lossWithPrior(model, prior, n, (y, f) => tf.losses.softmaxCrossEntropy(y, f)) });
 * const cb = marglikCallback(model, prior, { xs, ys, batchSize: 128 }, { likelihood: 'classification', marglikEvery: 5 });
 * await model.fit(xs, ysOneHot, { epochs: 20, callbacks: cb });
 */
export function marglikCallback(model: ModelLike, prior: Prior, data: DataSource, options: MarglikCallbackOptions): MarglikCallback {
  const every = options.marglikEvery ?? 5;
  const burnIn = options.burnIn ?? 0;
  if (!Number.isInteger(every) || every < 1) throw new InvalidOptionError(`marglikEvery (F) must be an integer ≥ 1, got ${every}`);
  if (!Number.isInteger(burnIn) || burnIn < 0) throw new InvalidOptionError(`burnIn (B) must be an integer ≥ 0, got ${burnIn}`);
  checkPriorFits(buildModelAdapter(model), prior);
  const tuner = new MarglikTuner(prior, options.likelihood, options);
  const structure = options.structure ?? deprecated(options.hessian, 'marglikCallback option `hessian`', '`structure`') ?? 'kron';
  const history: Array<{ epoch: number; logMarglik: number }> = [];
  return {
    tuner,
    history,
    async onEpochEnd(epoch0: number) {
      const epoch = epoch0 + 1;
      if (epoch <= burnIn || (epoch - burnIn) % every !== 0) return;
      const { laplace, logMarglik } = await tuner.step(
        model,
        data,
        { structure, curvature: options.curvature ?? 'ggn' },
        options.onProgress,
      );
      laplace.dispose();
      const last = logMarglik[logMarglik.length - 1];
      history.push({ epoch, logMarglik: last });
      options.onProgress?.({ stage: 'marglik', epoch, logMarglik: last });
    },
    dispose: () => tuner.dispose(),
    get isDisposed() {
      return tuner.isDisposed;
    },
  };
}
