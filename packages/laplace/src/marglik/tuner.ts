import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer, Tensor, Variable } from '@tensorflow/tfjs-core';
import { deprecated, DisposedError, InvalidOptionError, NonFiniteError, type DataSource, type ModelLike } from '@spam/core';
import type { Prior } from '@spam/priors';
import type { KronLogDetMethod, KronPriorMode } from '../curvature/base.js';
import { fitLaplace, type Laplace } from '../fit.js';
import type { CurvatureOptions } from '../options.js';
import { kronPriorOf, logMarginalLikelihoodTerms, logMarginalLikelihoodUnchecked } from './log-marglik.js';

/** Options of {@link MarglikTuner}. */
export interface MarglikTunerOptions {
  /** Hyper-parameter (log δ, log σ) Adam learning rate. Default 0.1 (the paper's). */
  hyperLr?: number;
  /** Hyper steps K per marglik step. Default 100. */
  hyperSteps?: number;
  /** `kron` log det with unit-/parameter-wise priors. Default `'projected'`. */
  kronPrior?: KronPriorMode;
  /** @deprecated Use `hyperLr` (`lr` in `marglikTraining` is the weights' learning rate). */
  lr?: number;
  /** @deprecated Use `hyperSteps`. */
  steps?: number;
  /** @deprecated Use `kronPrior` (`'spam'` is `'projected'`). */
  method?: KronLogDetMethod;
  /** Initial observation noise σ (regression). Default 1. */
  sigma?: number;
  /** Learn log σ too (regression only). Default true for regression. */
  learnSigma?: boolean;
}

/** Progress of the hyper steps, reported every step. */
export interface HyperProgress {
  stage: 'hyper';
  step: number;
  steps: number;
  logMarglik: number;
}

/** Result of one marglik step. */
export interface MarglikStepResult {
  /** log Z after each hyper step (at the precisions before that step's update). */
  logMarglik: number[];
  /** The curvature fitted for this step; dispose it (or keep it for OPD). */
  laplace: Laplace;
}

/**
 * The marginal-likelihood optimiser of one prior: a persistent Adam over the prior's
 * log-precisions (and log σ), taking K steps on −log Z/N per marglik step with θ and H frozen.
 * A non-finite log Z restores the last good precisions and throws `NonFiniteError`.
 */
export class MarglikTuner {
  /** The prior being tuned. */
  readonly prior: Prior;
  /** log σ (regression), a variable owned by the tuner. */
  readonly logSigma: Variable;
  private readonly optimizer: Optimizer;
  private readonly steps: number;
  private readonly kronPrior: KronPriorMode;
  private readonly learnSigma: boolean;
  /** The likelihood the tuner was made for; `step` refuses another. */
  readonly likelihood: 'classification' | 'regression';
  private disposed = false;

  constructor(prior: Prior, likelihood: 'classification' | 'regression', options: MarglikTunerOptions = {}) {
    if (likelihood !== 'classification' && likelihood !== 'regression') {
      throw new InvalidOptionError(`likelihood must be 'classification' or 'regression', got ${JSON.stringify(likelihood)}`);
    }
    const lr = options.hyperLr ?? deprecated(options.lr, 'MarglikTuner option `lr`', '`hyperLr`') ?? 0.1;
    const steps = options.hyperSteps ?? deprecated(options.steps, 'MarglikTuner option `steps`', '`hyperSteps`') ?? 100;
    const sigma = options.sigma ?? 1;
    if (!(lr > 0) || !Number.isFinite(lr)) throw new InvalidOptionError(`hyper learning rate must be positive, got ${lr}`);
    if (!Number.isInteger(steps) || steps < 0) throw new InvalidOptionError(`hyper steps K must be a non-negative integer, got ${steps}`);
    if (!(sigma > 0) || !Number.isFinite(sigma)) throw new InvalidOptionError(`sigma must be a positive number, got ${sigma}`);
    this.prior = prior;
    this.steps = steps;
    this.kronPrior = kronPriorOf(options);
    this.likelihood = likelihood;
    this.learnSigma = likelihood === 'regression' && (options.learnSigma ?? true);
    this.logSigma = tf.tidy(() => tf.variable(tf.scalar(Math.log(sigma)), this.learnSigma));
    this.optimizer = tf.train.adam(lr);
  }

  /** Current observation noise σ. */
  get sigma(): number {
    return Math.exp(this.logSigma.dataSync()[0]);
  }

  /** Whether {@link dispose} has run. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  private assertUsable(): void {
    if (this.disposed) throw new DisposedError('MarglikTuner', `${this.prior.structure} prior`);
  }

  /**
   * Fits the curvature at the model's current θ (with the current σ) and takes K hyper steps.
   * `curvature.likelihood` defaults to the tuner's; another one raises `InvalidOptionError`.
   */
  async step(
    model: ModelLike,
    data: DataSource,
    curvature: Omit<CurvatureOptions, 'sigma' | 'likelihood'> & { likelihood?: CurvatureOptions['likelihood'] } = {},
    onProgress?: (p: HyperProgress) => void,
  ): Promise<MarglikStepResult> {
    this.assertUsable();
    if (curvature.likelihood !== undefined && curvature.likelihood !== this.likelihood) {
      throw new InvalidOptionError(
        `this MarglikTuner was made for the ${this.likelihood} likelihood, but step() was given likelihood '${String(curvature.likelihood)}'`,
      );
    }
    const laplace = await fitLaplace(model, data, { ...curvature, likelihood: this.likelihood, sigma: this.sigma });
    try {
      return { laplace, logMarglik: this.hyperSteps(laplace, this.steps, onProgress) };
    } catch (e) {
      laplace.dispose();
      throw e;
    }
  }

  /**
   * K Adam steps on −log Z/N for a fitted Laplace; returns log Z before each update. The
   * precisions after the last update are checked too: non-finite log Z anywhere restores the
   * last precisions whose log Z was finite.
   */
  hyperSteps(laplace: Laplace, steps = this.steps, onProgress?: (p: HyperProgress) => void): number[] {
    this.assertUsable();
    laplace.assertNotDisposed();
    const vars = [...this.prior.variables, ...(this.learnSigma ? [this.logSigma] : [])];
    const options = { kronPrior: this.kronPrior, logSigma: this.logSigma };
    const objective = () => tf.div(tf.neg(logMarginalLikelihoodUnchecked(laplace, this.prior, options)), laplace.nData) as tf.Scalar;
    const history: number[] = [];
    let good = snapshot(vars);
    const fail = (k: number) => {
      restore(vars, good);
      if (k === 1) {
        // Before any update: the learning rate is not the cause. Name the term that is.
        try {
          logMarginalLikelihoodTerms(laplace, this.prior, options);
        } catch (e) {
          if (e instanceof NonFiniteError) return new NonFiniteError(`at the first hyper step, before any update: ${e.message}`);
          throw e;
        }
        return new NonFiniteError(
          'the gradient of the log marginal likelihood is NaN/Inf at the initial prior precisions (before any update)',
        );
      }
      return new NonFiniteError(
        `log marginal likelihood became NaN/Inf at hyper step ${k} of ${steps}; the last good prior precisions were kept (lower the hyper learning rate?)`,
      );
    };
    try {
      for (let k = 0; k <= steps; k++) {
        if (k === steps) {
          const last = tf.tidy(() => objective().dataSync()[0]);
          if (!Number.isFinite(last)) throw fail(k);
          break;
        }
        const { value: cost, grads } = tf.variableGrads(objective, vars);
        // One read-back: the cost plus 0·Σ of every gradient is finite iff all of them are.
        const [c, probe] = tf.tidy(() =>
          tf.stack([tf.reshape(cost, []), tf.addN(Object.values(grads).map((g) => tf.sum(tf.mul(g, 0))))]).dataSync(),
        );
        const finite = Number.isFinite(c) && Number.isFinite(probe);
        if (!finite) {
          tf.dispose([cost, ...Object.values(grads)]);
          throw fail(k + 1);
        }
        tf.dispose(good);
        good = snapshot(vars);
        this.optimizer.applyGradients(grads);
        tf.dispose([cost, ...Object.values(grads)]);
        const value = -c * laplace.nData;
        history.push(value);
        onProgress?.({ stage: 'hyper', step: k + 1, steps, logMarglik: value });
      }
    } finally {
      tf.dispose(good);
    }
    return history;
  }

  /** Frees the optimizer state and log σ (not the prior). Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.optimizer.dispose();
    this.logSigma.dispose();
  }
}

function snapshot(vars: Variable[]): Tensor[] {
  return vars.map((v) => tf.clone(v));
}

function restore(vars: Variable[], values: Tensor[]): void {
  vars.forEach((v, i) => v.assign(values[i]));
}
