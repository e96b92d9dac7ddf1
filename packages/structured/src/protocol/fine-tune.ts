import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer, Tensor } from '@tensorflow/tfjs-core';
import { assertModelUsable, buildModelAdapter, InvalidDataError, InvalidOptionError, trainEpoch, type ModelLike } from '@spam/core';

/** Labelled examples as tensors: inputs `[N, ...]` and labels `[N]` (classes) or targets `[N, K]`. */
export interface LabelledData {
  /** Inputs, one row per example. */
  readonly xs: Tensor;
  /** Integer class labels (classification) or float targets (regression). */
  readonly ys: Tensor;
}

/** Whether `d` is `{xs, ys}` with two tensors (duck-typed: a tensor of another tfjs copy passes too). */
export function isLabelledData(d: unknown): d is LabelledData {
  const isTensor = (t: unknown) =>
    typeof t === 'object' && t !== null && Array.isArray((t as Tensor).shape) && typeof (t as Tensor).dataSync === 'function';
  return typeof d === 'object' && d !== null && isTensor((d as LabelledData).xs) && isTensor((d as LabelledData).ys);
}

/** Progress of {@link fineTune}: after every epoch. */
export interface FineTuneProgress {
  /** Epoch just finished (0-based). */
  epoch: number;
  /** Epochs in total. */
  epochs: number;
  /** Example-weighted mean NLL of the epoch. */
  loss: number;
}

/** Options of {@link fineTune}. */
export interface FineTuneOptions {
  /** Epochs of training (integer ≥ 0; 0 = nothing happens). Required. */
  epochs: number;
  /** `'classification'` (logits, default) or `'regression'`. */
  likelihood?: 'classification' | 'regression';
  /** A tfjs optimizer (kept alive, its state carries over). Default: a fresh Adam at `lr`, disposed afterwards. */
  optimizer?: Optimizer;
  /** Learning rate of the default Adam (finite, > 0). Default 1e-3. */
  lr?: number;
  /** Examples per batch (positive integer). Default 64. */
  batchSize?: number;
  /** Seed of the per-epoch shuffle (safe integer; epoch e uses permutation seed + e). Default 1. */
  seed?: number;
  /** Prior precision δ of a Gaussian prior: the gradient gains δθ/N (MAP fine-tuning). Finite, ≥ 0. Default 0. */
  priorPrecision?: number;
  /** Regression noise σ. Default 1. */
  sigma?: number;
  /** Called (and awaited) after every epoch; may throw to stop (nothing leaks). */
  onProgress?: (p: FineTuneProgress) => void | Promise<void>;
}

/** What {@link fineTune} did. */
export interface FineTuneResult {
  /** The mean training NLL of every epoch, in order. */
  losses: number[];
}

/** `InvalidOptionError` naming `name` unless `v` is a number passing `ok`. */
function checkNumber(name: string, v: unknown, ok: (x: number) => boolean, want: string): number {
  if (typeof v !== 'number' || !ok(v)) throw new InvalidOptionError(`${name} must be ${want}, got ${String(v)}`);
  return v;
}

/** The checked options of {@link fineTune} with defaults applied. */
export function fineTuneSettings(options: FineTuneOptions): Required<Omit<FineTuneOptions, 'optimizer' | 'onProgress'>> {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('fine-tune options must be an object {epochs, lr, …}');
  const likelihood = options.likelihood ?? 'classification';
  if (likelihood !== 'classification' && likelihood !== 'regression')
    throw new InvalidOptionError(`likelihood must be 'classification' or 'regression', got '${String(likelihood)}'`);
  if (options.optimizer !== undefined && typeof (options.optimizer as { applyGradients?: unknown }).applyGradients !== 'function')
    throw new InvalidOptionError('optimizer must be a tfjs optimizer such as tf.train.adam(1e-3)');
  return {
    epochs: checkNumber('epochs', options.epochs, (x) => Number.isSafeInteger(x) && x >= 0, 'an integer ≥ 0'),
    likelihood,
    lr: checkNumber('lr', options.lr ?? 1e-3, (x) => Number.isFinite(x) && x > 0, 'a finite number > 0'),
    batchSize: checkNumber('batchSize', options.batchSize ?? 64, (x) => Number.isSafeInteger(x) && x >= 1, 'a positive integer'),
    seed: checkNumber('seed', options.seed ?? 1, Number.isSafeInteger, 'a safe integer'),
    priorPrecision: checkNumber('priorPrecision', options.priorPrecision ?? 0, (x) => Number.isFinite(x) && x >= 0, 'a finite number ≥ 0'),
    sigma: checkNumber('sigma', options.sigma ?? 1, (x) => Number.isFinite(x) && x > 0, 'a finite number > 0'),
  };
}

/**
 * Fine-tunes `model` in place (e.g. the smaller model of `pruneUnits`, which has no removed units
 * to regrow): `epochs` epochs of `@spam/core`'s `trainEpoch` (SpaM's own backward pass, so Conv2D
 * trains on wasm) on `data`, shuffled with a seeded permutation per epoch, minimising the mean NLL
 * plus, with `priorPrecision` δ, ½δ‖θ‖²/N. A default Adam is created and disposed here. Throws
 * `InvalidOptionError` naming a bad option, `InvalidDataError` for data that is not `{xs, ys}`,
 * and whatever `trainEpoch` throws for data that does not fit; no tensor is left behind.
 */
export async function fineTune(model: ModelLike, data: LabelledData, options: FineTuneOptions): Promise<FineTuneResult> {
  assertModelUsable(model);
  const s = fineTuneSettings(options);
  if (!isLabelledData(data)) throw new InvalidDataError('fine-tune data must be {xs, ys} with two tf.Tensors');
  const losses: number[] = [];
  if (s.epochs === 0) return { losses };
  const optimizer = options.optimizer ?? tf.train.adam(s.lr);
  const n = data.xs.shape[0];
  const delta = s.priorPrecision;
  try {
    const adapter = buildModelAdapter(model, { logits: s.likelihood === 'classification' });
    for (let e = 0; e < s.epochs; e++) {
      const r = await trainEpoch(
        model,
        { xs: data.xs, ys: data.ys, batchSize: s.batchSize, shuffle: s.seed },
        {
          likelihood: s.likelihood,
          optimizer,
          adapter,
          epoch: e,
          sigma: s.sigma,
          extraGradients: delta > 0 ? (theta) => theta.map((t) => tf.mul(t, delta / n)) : undefined,
        },
      );
      losses.push(r.loss);
      await options.onProgress?.({ epoch: e, epochs: s.epochs, loss: r.loss });
    }
  } finally {
    if (options.optimizer === undefined) optimizer.dispose();
  }
  return { losses };
}
