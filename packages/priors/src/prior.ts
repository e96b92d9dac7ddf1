import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { buildModelAdapter, InvalidOptionError, type ModelLike, type ParamBlock } from '@spam/core';

/** How the prior precisions are shared. */
export type PriorStructure = 'scalar' | 'layerwise' | 'unitwise' | 'parameterwise';

/** The parameter a prior block belongs to (what `toJSON` records). */
export interface PriorParam {
  /** `<layer>/kernel` or `<layer>/bias`. */
  name: string;
  /** tfjs shape. */
  shape: number[];
  /** Kernel or bias. */
  role: 'kernel' | 'bias';
}

/** Serialised prior: structure, the parameters it was built for, and its log-precisions. */
export interface PriorJSON {
  format: 'spam-prior';
  version: 1;
  structure: PriorStructure;
  params: PriorParam[];
  /** Each learnable variable's values, flattened, in the prior's variable order. */
  logPrecisions: number[][];
}

/** Min, max and geometric mean of a set of precisions δ. */
export interface PrecisionStats {
  min: number;
  max: number;
  geomean: number;
}

/** {@link PrecisionStats} of precisions given as log δ. */
function precisionStats(logd: ArrayLike<number>): PrecisionStats {
  let min = Infinity;
  let max = -Infinity;
  let s = 0;
  for (let i = 0; i < logd.length; i++) {
    const v = logd[i];
    min = Math.min(min, v);
    max = Math.max(max, v);
    s += v;
  }
  return { min: Math.exp(min), max: Math.exp(max), geomean: Math.exp(s / logd.length) };
}

/** Options shared by every prior factory. */
export interface PriorOptions {
  /** Initial precision δ₀ > 0. Default 1. */
  precision?: number;
}

/** Checks δ₀ and returns log δ₀. */
export function initialLogPrecision(o: PriorOptions = {}): number {
  const d = o.precision ?? 1;
  if (!(d > 0) || !Number.isFinite(d)) throw new InvalidOptionError(`prior precision must be a positive finite number, got ${d}`);
  return Math.log(d);
}

/** The canonical parameters of a model (model order, kernel then bias). */
export function modelParams(model: ModelLike): readonly ParamBlock[] {
  return buildModelAdapter(model).params;
}

/**
 * A zero-mean Gaussian prior p(θ) = N(0, diag(δ)⁻¹) with learnable log-precisions (tf.Variables).
 * Subclasses define how the variables expand to one log δ per parameter.
 */
export abstract class Prior {
  /** How precisions are shared. */
  abstract readonly structure: PriorStructure;
  /** The parameters the prior covers, canonical order. */
  readonly params: readonly PriorParam[];
  /** The learnable log-precisions (owned; freed by {@link dispose}). */
  readonly variables: readonly Variable[];
  /** Total number of parameters P. */
  readonly numParams: number;

  protected constructor(params: readonly PriorParam[], variables: Variable[]) {
    this.params = params.map((p) => ({ name: p.name, shape: [...p.shape], role: p.role }));
    this.variables = variables;
    this.numParams = params.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
  }

  /** log δ per parameter tensor, each in the parameter's shape (differentiable in {@link variables}). */
  abstract logPrecisionBlocks(): Tensor[];

  /**
   * For each parameter tensor, its kernel δ as an outer product [row, col] (row over the kernel
   * flattened to `[fanIn, units]`, col over units), or null where δ has no such form. Only
   * unit-wise priors have it; the default is all null.
   */
  kernelOuterFactors(): Array<readonly [Tensor, Tensor] | null> {
    return this.params.map(() => null);
  }

  /** δ per parameter tensor, each in the parameter's shape. */
  precisionBlocks(): Tensor[] {
    return tf.tidy(() => this.logPrecisionBlocks().map((b) => tf.exp(b)));
  }

  /** δ `[P]` in canonical order. */
  precision(): Tensor {
    return tf.tidy(() => tf.concat(this.precisionBlocks().map((b) => tf.reshape(b, [-1]))));
  }

  /** Σ_i log δ_i (scalar). Structured priors override it with a closed form. */
  logDet(): Tensor {
    return tf.tidy(() => tf.addN(this.logPrecisionBlocks().map((b) => tf.sum(b))));
  }

  /**
   * Σ_i δ_i θ_i² from the squared parameters θ² (canonical order, parameter shapes) and their
   * per-tensor sums `[T]`. Structured priors override it to avoid building δ in full.
   */
  scatter(thetaSquared: readonly Tensor[], thetaSquaredSums: Tensor): Tensor {
    void thetaSquaredSums;
    return tf.tidy(() => tf.addN(this.precisionBlocks().map((d, i) => tf.sum(tf.mul(d, thetaSquared[i])))));
  }

  /**
   * δ per parameter tensor as a scalar, for priors constant on every tensor (scalar, layer-wise);
   * null for the others.
   */
  tensorConstants(): Tensor[] | null {
    return null;
  }

  /** ½ Σ_i δ_i θ_i² (scalar) for the given parameters (canonical order, parameter shapes). */
  penalty(theta: readonly Tensor[]): Tensor {
    this.checkTheta(theta);
    return tf.tidy(() =>
      tf.mul(0.5, tf.addN(this.precisionBlocks().map((d, i) => tf.sum(tf.mul(d, tf.square(theta[i])))))),
    );
  }

  /** ∂/∂θ of ½Σδθ², i.e. δ ⊙ θ per parameter tensor (δ treated as a constant). */
  penaltyGradients(theta: readonly Tensor[]): Tensor[] {
    this.checkTheta(theta);
    return tf.tidy(() => this.precisionBlocks().map((d, i) => tf.mul(d, theta[i])));
  }

  /** Summary statistics of δ (min, max, geometric mean) for logs and histories. */
  summary(): PrecisionStats {
    const logd = tf.tidy(() => tf.concat(this.logPrecisionBlocks().map((b) => tf.reshape(b, [-1]))).dataSync());
    return precisionStats(logd);
  }

  /** δ statistics (min, max, geometric mean) per parameter tensor, with the tensor's name. */
  summaryPerTensor(): Array<PrecisionStats & { name: string }> {
    const blocks = tf.tidy(() => this.logPrecisionBlocks().map((b) => b.dataSync()));
    return this.params.map((p, i) => ({ name: p.name, ...precisionStats(blocks[i]) }));
  }

  /** Serialises the prior with the parameter names and shapes it belongs to. */
  toJSON(): PriorJSON {
    return {
      format: 'spam-prior',
      version: 1,
      structure: this.structure,
      params: this.params.map((p) => ({ name: p.name, shape: [...p.shape], role: p.role })),
      logPrecisions: this.variables.map((v) => Array.from(v.dataSync())),
    };
  }

  /** Overwrites the log-precisions (same shapes as {@link variables}). */
  assignLogPrecisions(values: readonly Tensor[]): void {
    values.forEach((v, i) => this.variables[i].assign(v));
  }

  /** Copies of the current log-precisions (to restore after a failed step). */
  snapshot(): Tensor[] {
    return this.variables.map((v) => tf.clone(v));
  }

  /** Frees the variables. */
  dispose(): void {
    tf.dispose(this.variables as Variable[]);
  }

  private checkTheta(theta: readonly Tensor[]): void {
    if (theta.length !== this.params.length) {
      throw new InvalidOptionError(`expected ${this.params.length} parameter tensors, got ${theta.length}`);
    }
  }
}

let counter = 0;
/** A new trainable variable named for the prior, initialised from (and consuming) `init`. */
export function logPrecisionVariable(init: Tensor, label: string): Variable {
  const v = tf.variable(init, true, `spam_prior_${label}_${counter++}`);
  init.dispose();
  return v;
}
