/**
 * One training of the playground (MAP or SpaM) with @spam/laplace's `marglikTraining`, reporting
 * loss per batch, loss / log marginal likelihood / test accuracy per epoch and the learned log δ
 * per parameter tensor after every marglik step. Runs wherever tfjs runs (the page's worker, Node).
 */
import * as tf from '@tensorflow/tfjs';
import { buildModelAdapter, evaluate, type ClassificationMetrics } from '@spam/core';
import { marglikTraining, type Laplace } from '@spam/laplace';
import type { Prior } from '@spam/priors';
import type { HostDataset } from '../dataset.js';
import { checkConfig, type RunKind, type TrainConfig } from './config.js';
import { buildMlp } from './model.js';

/** log δ of one parameter tensor, averaged per unit (last axis) for the heatmap. */
export interface DeltaRow {
  /** `<layer>/<weight>`. */
  name: string;
  /** Mean log δ per unit (one value for a layer-wise or scalar prior). */
  perUnit: number[];
  min: number;
  max: number;
}

/** Progress of one training. */
export type TrainEvent =
  | { stage: 'batch'; epoch: number; batch: number; loss: number }
  | { stage: 'epoch'; epoch: number; loss: number; logMarglik?: number; accuracy: number; nll: number }
  | { stage: 'delta'; epoch: number; rows: DeltaRow[] };

/** Thrown inside the training when {@link TrainHooks.stopped} turns true. */
export class TrainingStopped extends Error {
  override name = 'TrainingStopped';
}

/** Callbacks of {@link trainRun}. */
export interface TrainHooks {
  onEvent?: (e: TrainEvent) => void;
  /** Polled after every batch; true stops the training (TrainingStopped, nothing leaks). */
  stopped?: () => boolean;
  /** Awaited after every epoch (e.g. to let the worker read a stop message). */
  yieldEvery?: () => Promise<void>;
}

/** Tensors of a {@link HostDataset}. */
export interface DataTensors {
  xTrain: tf.Tensor2D;
  yTrain: tf.Tensor1D;
  xTest: tf.Tensor2D;
  yTest: tf.Tensor1D;
}

/** Uploads a data set (dispose with `tf.dispose(Object.values(t))`). */
export function dataTensors(d: HostDataset): DataTensors {
  const f = d.numFeatures;
  return {
    xTrain: tf.tensor2d(d.xTrain, [d.yTrain.length, f]),
    yTrain: tf.tensor1d(d.yTrain, 'int32'),
    xTest: tf.tensor2d(d.xTest, [d.yTest.length, f]),
    yTest: tf.tensor1d(d.yTest, 'int32'),
  };
}

/** A trained net with its final Laplace and prior (dispose all three with {@link disposeRun}). */
export interface TrainedRun {
  kind: RunKind;
  model: tf.Sequential;
  laplace: Laplace;
  prior: Prior;
  /** Test metrics of the unpruned net. */
  test: ClassificationMetrics;
  /** Loss and log Z of the last epoch. */
  finalLoss: number;
  finalLogMarglik?: number;
  /** Wall time of `marglikTraining` (ms). */
  ms: number;
}

/** Frees a {@link TrainedRun}. */
export function disposeRun(r: TrainedRun): void {
  r.laplace.dispose();
  r.prior.dispose();
  r.model.dispose();
}

/** log δ per tensor, averaged over every axis but the last (units). */
export function deltaRows(prior: Prior): DeltaRow[] {
  return tf.tidy(() =>
    prior.logPrecisionBlocks().map((b, i) => {
      const units = b.shape.length === 0 ? 1 : b.shape[b.shape.length - 1];
      const perUnit = Array.from(tf.mean(tf.reshape(b, [-1, units]), 0).dataSync());
      const all = b.dataSync();
      let min = Infinity;
      let max = -Infinity;
      for (const v of all) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      return { name: prior.params[i].name, perUnit, min, max };
    }),
  );
}

/** The `marglikTraining` options of a playground training (also used by the Node comparison). */
export function marglikOptionsOf(kind: RunKind, c: TrainConfig) {
  return {
    likelihood: 'classification' as const,
    structure: c.structure,
    prior: c.prior,
    map: kind === 'map',
    priorPrecision: c.priorPrecision,
    epochs: c.epochs,
    marglikEvery: c.marglikEvery,
    hyperSteps: c.hyperSteps,
    burnIn: 0,
    hyperLr: c.hyperLr,
    lr: c.lr,
  };
}

/** Trains MAP or SpaM from the seeded initial weights on `data` (tensors owned by the caller). */
export async function trainRun(
  kind: RunKind,
  config: TrainConfig,
  data: DataTensors,
  numClasses: number,
  hooks: TrainHooks = {},
): Promise<TrainedRun> {
  const c = checkConfig(config);
  const model = buildMlp(data.xTrain.shape[1], c.hidden, numClasses, c.seed);
  const adapter = buildModelAdapter(model, { logits: true });
  const emit = hooks.onEvent ?? (() => {});
  const t0 = performance.now();
  let lastLoss = NaN;
  let lastLogZ: number | undefined;
  try {
    const result = await marglikTraining(
      model,
      { xs: data.xTrain, ys: data.yTrain, batchSize: c.batchSize },
      {
        ...marglikOptionsOf(kind, c),
        onProgress: (p) => {
          if (p.stage === 'batch') {
            if (hooks.stopped?.()) throw new TrainingStopped(`${kind} training stopped at epoch ${p.epoch}`);
            emit({ stage: 'batch', epoch: p.epoch, batch: p.batch, loss: p.loss });
          } else if (p.stage === 'epoch') {
            const m = evaluate(adapter, 'classification', data.xTest, data.yTest) as ClassificationMetrics;
            lastLoss = p.loss;
            lastLogZ = p.logMarglik;
            emit({ stage: 'epoch', epoch: p.epoch, loss: p.loss, logMarglik: p.logMarglik, accuracy: m.accuracy, nll: m.nll });
          }
        },
        hooks: {
          afterMarglikStep: async (s) => {
            emit({ stage: 'delta', epoch: s.epoch, rows: deltaRows(s.prior) });
            await hooks.yieldEvery?.();
          },
        },
      },
    );
    const ms = performance.now() - t0;
    const test = evaluate(adapter, 'classification', data.xTest, data.yTest) as ClassificationMetrics;
    if (kind === 'map') emit({ stage: 'delta', epoch: c.epochs, rows: deltaRows(result.prior) });
    return { kind, model, laplace: result.laplace, prior: result.prior, test, finalLoss: lastLoss, finalLogMarglik: lastLogZ, ms };
  } catch (e) {
    model.dispose();
    throw e;
  }
}
