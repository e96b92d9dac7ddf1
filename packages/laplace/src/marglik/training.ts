import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer, Tensor } from '@tensorflow/tfjs-core';
import {
  buildModelAdapter,
  checkLikelihood,
  deprecated,
  countExamples,
  knownExampleCount,
  InvalidDataError,
  evaluate,
  InvalidOptionError,
  trainEpoch,
  type ClassificationMetrics,
  type DataSource,
  type LikelihoodName,
  type ModelLike,
  type RegressionMetrics,
} from '@spam/core';
import { createPrior, type Prior, type PriorStructure } from '@spam/priors';
import { fitLaplace, type Laplace } from '../fit.js';
import type { CurvatureStructure, CurvatureType } from '../options.js';
import { holdWorkers, type WorkersOption } from '../parallel/workers.js';
import type { KronLogDetMethod, KronPriorMode } from '../curvature/base.js';
import { checkPriorFits, kronPriorOf } from './log-marglik.js';
import { MarglikTuner, type HyperProgress } from './tuner.js';

/** Options of {@link marglikTraining}. */
export interface MarglikTrainingOptions {
  likelihood: LikelihoodName;
  /** Curvature structure for the marglik steps (as `fitLaplace`'s `structure`). Default `'kron'`. */
  structure?: CurvatureStructure;
  /** @deprecated Use `structure`. */
  hessian?: CurvatureStructure;
  /** Curvature type. Default `'ggn'`. */
  curvature?: CurvatureType;
  /** A prior built for this model, or a structure name. Default `'layerwise'`. */
  prior?: Prior | PriorStructure;
  /** Initial prior precision δ₀ when `prior` is a name. Default 1. */
  priorPrecision?: number;
  /** Training epochs. */
  epochs: number;
  /** F: a marglik step every F epochs. Default 5. */
  marglikEvery?: number;
  /** K: hyper steps per marglik step. Default 100. */
  hyperSteps?: number;
  /** B: burn-in epochs before the first marglik step. Default 0. */
  burnIn?: number;
  /** Hyper-parameter (log δ, log σ) Adam learning rate. Default 0.1. */
  hyperLr?: number;
  /** Parameter optimizer. Default `tf.train.adam(lr)`. */
  optimizer?: Optimizer;
  /**
   * Learning rate of the default Adam over the **weights** (ignored with `optimizer`). Default
   * 1e-3. The hyper-parameters' is `hyperLr`, under the same name in every SpaM function.
   */
  lr?: number;
  /** Initial σ (regression). Default 1. */
  sigma?: number;
  /** Learn σ (regression). Default true. */
  learnSigma?: boolean;
  /** Run the same loop without marglik steps (MAP with δ = δ₀). Default false. */
  map?: boolean;
  /** `kron` log det with unit-/parameter-wise priors. Default `'projected'`. */
  kronPrior?: KronPriorMode;
  /** @deprecated Use `kronPrior` (`'spam'` is `'projected'`). */
  method?: KronLogDetMethod;
  /** MC samples / seed for `curvature: 'mc'`. */
  mcSamples?: number;
  seed?: number;
  /** Data-parallel curvature fits at every marglik step (as `fitLaplace`'s `workers`). Default 1. */
  workers?: WorkersOption;
  /** Training-set size N (counted from the data when omitted). */
  nData?: number;
  /** Held-out data evaluated after every epoch. */
  validation?: { xs: Tensor; ys: Tensor };
  /** Progress after every batch, epoch and hyper step. */
  onProgress?: (p: MarglikProgress) => void;
  /** Code run inside the loop, e.g. pruning masks and schedules from `@spam/prune`. */
  hooks?: MarglikHooks | MarglikHooks[];
}

/** What a hook sees after a marglik step. */
export interface MarglikStepState {
  /** 1-based epoch of the step. */
  epoch: number;
  /** Total epochs. */
  epochs: number;
  /** The step's Laplace (fitted at the epoch's θ; disposed after the hooks return). */
  laplace: Laplace;
  /** The prior, with the precisions the step just learned. */
  prior: Prior;
  /** σ after the step. */
  sigma: number;
}

/** Hooks into {@link marglikTraining}; every member is optional. */
export interface MarglikHooks {
  /** After every optimizer step (e.g. re-apply a pruning mask). */
  afterBatch?: () => void;
  /** After every marglik step's hyper steps, before its Laplace is disposed (e.g. re-score and prune). */
  afterMarglikStep?: (state: MarglikStepState) => void | Promise<void>;
}

/** Progress events of {@link marglikTraining}. */
export type MarglikProgress =
  | { stage: 'batch'; epoch: number; epochs: number; batch: number; examples: number; total: number; loss: number }
  | {
      stage: 'epoch';
      epoch: number;
      epochs: number;
      loss: number;
      logMarglik?: number;
      validation?: ClassificationMetrics | RegressionMetrics;
    }
  | { stage: 'curvature'; epoch: number; examples: number; total?: number }
  | (HyperProgress & { epoch: number });

/** One row of the training history. */
export interface MarglikHistoryEntry {
  epoch: number;
  /** Mean NLL + ½Σδθ²/N over the epoch. */
  loss: number;
  /** log Z after the epoch's marglik step (final hyper step), if one ran. */
  logMarglik?: number;
  /** log Z per hyper step of that marglik step. */
  logMarglikSteps?: number[];
  /** δ summary after the epoch. */
  precision: { min: number; max: number; geomean: number };
  /** σ after the epoch (regression). */
  sigma?: number;
  validation?: ClassificationMetrics | RegressionMetrics;
}

/** What {@link marglikTraining} returns. Dispose `laplace` and `prior` when done. */
export interface MarglikTrainingResult {
  /** Laplace refitted at the final θ with the learned δ (and σ): what OPD uses. */
  laplace: Laplace;
  /** The (learned) prior. */
  prior: Prior;
  /** Final σ (1 for classification). */
  sigma: number;
  history: MarglikHistoryEntry[];
}

function checkInt(name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) throw new InvalidOptionError(`${name} must be an integer ≥ ${min}, got ${v}`);
  return v;
}

/**
 * SpaM's training loop (Immer et al. 2021, as the paper uses it): each batch minimises
 * mean NLL + ½Σδθ²/N; every F epochs after B burn-in epochs the curvature is fitted on the whole
 * training set and K Adam steps on −log Z/N update log δ (and log σ); a final refit gives the
 * posterior. `map: true` runs the same loop without marglik steps.
 */
export async function marglikTraining(model: ModelLike, data: DataSource, options: MarglikTrainingOptions): Promise<MarglikTrainingResult> {
  const likelihood = checkLikelihood(options.likelihood);
  const epochs = checkInt('epochs', options.epochs, 1);
  const every = checkInt('marglikEvery (F)', options.marglikEvery ?? 5, 1);
  const steps = checkInt('hyperSteps (K)', options.hyperSteps ?? 100, 0);
  const burnIn = checkInt('burnIn (B)', options.burnIn ?? 0, 0);
  const structure = options.structure ?? deprecated(options.hessian, 'marglikTraining option `hessian`', '`structure`') ?? 'kron';
  const kronPrior = kronPriorOf(options);
  // One runner for every marglik step and the final fit: threads made from a count start once and end with the run.
  const workers = holdWorkers(options.workers);
  const adapter = buildModelAdapter(model, { logits: likelihood === 'classification' });
  const ownsPrior = typeof options.prior !== 'object';
  const prior =
    typeof options.prior === 'object'
      ? options.prior
      : createPrior(model, options.prior ?? 'layerwise', { precision: options.priorPrecision });
  if (!ownsPrior) checkPriorFits(adapter, prior);
  let tuner: MarglikTuner;
  try {
    tuner = new MarglikTuner(prior, likelihood, {
      hyperLr: options.hyperLr,
      hyperSteps: steps,
      kronPrior,
      sigma: options.sigma,
      learnSigma: options.learnSigma,
    });
  } catch (e) {
    if (ownsPrior) prior.dispose(); // invalid hyperLr / sigma: free the prior created above
    throw e;
  }
  const ownsOptimizer = !options.optimizer;
  const optimizer = options.optimizer ?? tf.train.adam(options.lr ?? 1e-3);
  const curvature = {
    likelihood,
    structure,
    curvature: options.curvature ?? 'ggn',
    mcSamples: options.mcSamples,
    seed: options.seed,
    workers: workers.runner ?? 1,
  } as const;
  const history: MarglikHistoryEntry[] = [];
  const total = knownExampleCount(data);
  const hooks = options.hooks === undefined ? [] : Array.isArray(options.hooks) ? options.hooks : [options.hooks];
  try {
    // N for the penalty ½Σδθ²/N: known for tensors, one counting pass for other sources.
    const nData = options.nData ?? (await countExamples(data));
    if (!(nData > 0)) throw new InvalidDataError('the training data is empty');
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const sigma = tuner.sigma;
      // δ/N is fixed within an epoch: the penalty gradient per batch is then one multiply per tensor.
      const deltaOverN = tf.tidy(() => prior.precisionBlocks().map((d) => tf.div(d, nData)));
      let result;
      try {
        result = await trainEpoch(model, data, {
          likelihood,
          optimizer,
          sigma,
          adapter,
          epoch,
          extraGradients: (theta) => theta.map((t, i) => tf.mul(deltaOverN[i], t)),
          onBatch: (b) => {
            for (const h of hooks) h.afterBatch?.();
            options.onProgress?.({ stage: 'batch', epoch, epochs, batch: b.batch, examples: b.examples, total: total ?? 0, loss: b.loss });
          },
        });
      } finally {
        tf.dispose(deltaOverN);
      }
      const penalty = tf.tidy(() => prior.penalty(adapter.params.map((p) => p.variable.read())).dataSync()[0]);
      const entry: MarglikHistoryEntry = { epoch, loss: result.loss + penalty / nData, precision: prior.summary() };
      if (!options.map && epoch > burnIn && (epoch - burnIn) % every === 0 && steps > 0) {
        const { laplace, logMarglik } = await tuner.step(
          model,
          data,
          { ...curvature, onProgress: (p) => options.onProgress?.({ stage: 'curvature', epoch, examples: p.examples, total: p.total }) },
          (p) => options.onProgress?.({ ...p, epoch }),
        );
        try {
          for (const h of hooks) await h.afterMarglikStep?.({ epoch, epochs, laplace, prior, sigma: tuner.sigma });
        } finally {
          laplace.dispose();
        }
        entry.logMarglik = logMarglik[logMarglik.length - 1];
        entry.logMarglikSteps = logMarglik;
        entry.precision = prior.summary();
      }
      if (likelihood === 'regression') entry.sigma = tuner.sigma;
      if (options.validation)
        entry.validation = evaluate(adapter, likelihood, options.validation.xs, options.validation.ys, { sigma: tuner.sigma });
      history.push(entry);
      options.onProgress?.({ stage: 'epoch', epoch, epochs, loss: entry.loss, logMarglik: entry.logMarglik, validation: entry.validation });
    }
    const sigma = tuner.sigma;
    const laplace = await fitLaplace(model, data, { ...curvature, sigma });
    return { laplace, prior, sigma, history };
  } catch (e) {
    if (ownsPrior) prior.dispose();
    throw e;
  } finally {
    tuner.dispose();
    if (ownsOptimizer) optimizer.dispose();
    await workers.release();
  }
}
