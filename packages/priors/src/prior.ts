import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { DisposedError, InvalidOptionError, ShapeMismatchError, sumAll, weightedSum, type UnitLayout } from '@spam/core';
import type { PriorStructure } from './registry.js';
import { describeViolation, precisionRangeViolation } from './bounds.js';

export type { PriorStructure } from './registry.js';

/** The parameter a prior block belongs to (what `toJSON` records). */
export interface PriorParam {
  /** `<layer>/<weight>`, e.g. `dense_1/kernel`, `dense_1/bias`, `bn/gamma`. */
  name: string;
  /** tfjs shape. */
  shape: number[];
  /** Kernel (multiplies inputs), bias (additive vector) or scale (element-wise multiplier, e.g. gamma). */
  role: 'kernel' | 'bias' | 'scale';
  /**
   * How the entries map to units (from the model adapter; not serialised). Without it a kernel is
   * read as `[...window, in, out]` and any other tensor as a vector of units.
   */
  units?: UnitLayout;
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
  /**
   * Initial precision δ₀, default 1. Must lie in [e^−87, e^88] ≈ [1.65e−38, 1.65e38] so that δ
   * is a finite, normal float32 number (`InvalidOptionError` otherwise).
   */
  precision?: number;
}

/**
 * A zero-mean Gaussian prior p(θ) = N(0, diag(δ)⁻¹) with learnable log-precisions (tf.Variables).
 * Subclasses define how the variables expand to one log δ per parameter (the protected
 * `compute*` hooks); the public methods check first that the prior is not disposed
 * (`DisposedError`) and that the tensors passed in fit its parameters.
 */
export abstract class Prior {
  /** How precisions are shared. */
  abstract readonly structure: PriorStructure;
  /** The parameters the prior covers, canonical order. */
  readonly params: readonly PriorParam[];
  /** Total number of parameters P. */
  readonly numParams: number;
  /** The learnable log-precisions, for subclasses (no disposed check). */
  protected readonly vars: readonly Variable[];
  private disposed = false;
  /** Depth of nested {@link sharingPrecision} calls. */
  private sharingDepth = 0;
  /** δ per tensor computed once inside {@link sharingPrecision} (kept; freed when the scope ends). */
  private shared: Tensor[] | null = null;

  protected constructor(params: readonly PriorParam[], variables: Variable[]) {
    this.params = params.map((p) => ({ name: p.name, shape: [...p.shape], role: p.role, ...(p.units ? { units: { ...p.units } } : {}) }));
    this.vars = variables;
    this.numParams = params.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
  }

  /** Whether {@link dispose} has been called; every other method then throws `DisposedError`. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** The learnable log-precisions (owned; freed by {@link dispose}). `DisposedError` after dispose. */
  get variables(): readonly Variable[] {
    this.assertLive();
    return this.vars;
  }

  /** log δ per parameter tensor, each in the parameter's shape (differentiable in {@link variables}). */
  logPrecisionBlocks(): Tensor[] {
    this.assertLive();
    return this.computeLogPrecisionBlocks();
  }

  /**
   * For each parameter tensor, its kernel δ as an outer product [row, col] (row over the kernel
   * flattened to `[fanIn, units]`, col over units), or null where δ has no such form. Only
   * unit-wise priors have it; the default is all null.
   */
  kernelOuterFactors(): Array<readonly [Tensor, Tensor] | null> {
    this.assertLive();
    return this.computeKernelOuterFactors();
  }

  /**
   * δ per parameter tensor, each in the parameter's shape (new tensors). Inside
   * {@link sharingPrecision}, copies of one δ computed at the first call.
   */
  precisionBlocks(): Tensor[] {
    this.assertLive();
    if (this.sharingDepth === 0) return tf.tidy(() => this.computePrecisionBlocks());
    const shared = (this.shared ??= tf.tidy(() => this.computePrecisionBlocks().map((d) => tf.keep(d))));
    return tf.tidy(() => this.computeLogPrecisionBlocks().map((l, i) => expOf(l, shared[i])));
  }

  /**
   * Runs `f` with δ computed at most once: every {@link precisionBlocks} call inside `f` (also
   * those of {@link scatter} and of a Laplace's `precisionFor`) returns copies of the same δ,
   * differentiable in {@link variables} exactly as without sharing (each copy back-propagates
   * dy·δ to its own log δ, as `tf.exp` does, so values and gradients are bit-identical). For
   * objectives that need δ in several terms and are differentiated many times (log Z in the
   * marglik hyper steps: one `exp` over all P precisions instead of one per term). The variables
   * must not change inside `f`. Nests; δ is freed when the outermost call returns or throws.
   */
  sharingPrecision<T>(f: () => T): T {
    this.assertLive();
    this.sharingDepth++;
    try {
      return f();
    } finally {
      if (--this.sharingDepth === 0 && this.shared) {
        tf.dispose(this.shared);
        this.shared = null;
      }
    }
  }

  /** δ `[P]` in canonical order. */
  precision(): Tensor {
    return tf.tidy(() => tf.concat(this.precisionBlocks().map((b) => tf.reshape(b, [-1]))));
  }

  /** Σ_i log δ_i (scalar). Structured priors compute it in closed form. */
  logDet(): Tensor {
    this.assertLive();
    return this.computeLogDet();
  }

  /**
   * Σ_i δ_i θ_i² from the squared parameters θ² (canonical order, parameter shapes) and their
   * per-tensor sums `[T]`. Structured priors avoid building δ in full.
   */
  scatter(thetaSquared: readonly Tensor[], thetaSquaredSums: Tensor): Tensor {
    this.checkTheta(thetaSquared, 'thetaSquared');
    return this.computeScatter(thetaSquared, thetaSquaredSums);
  }

  /**
   * δ per parameter tensor as a scalar, for priors constant on every tensor (scalar, layer-wise);
   * null for the others.
   */
  tensorConstants(): Tensor[] | null {
    this.assertLive();
    return this.computeTensorConstants();
  }

  /** ½ Σ_i δ_i θ_i² (scalar) for the given parameters (canonical order, parameter shapes). */
  penalty(theta: readonly Tensor[]): Tensor {
    this.checkTheta(theta, 'theta');
    return tf.tidy(() => tf.mul(0.5, tf.addN(this.precisionBlocks().map((d, i) => tf.sum(tf.mul(d, tf.square(theta[i])))))));
  }

  /** ∂/∂θ of ½Σδθ², i.e. δ ⊙ θ per parameter tensor (δ treated as a constant). */
  penaltyGradients(theta: readonly Tensor[]): Tensor[] {
    this.checkTheta(theta, 'theta');
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
    this.assertLive();
    return {
      format: 'spam-prior',
      version: 1,
      structure: this.structure,
      params: this.params.map((p) => ({ name: p.name, shape: [...p.shape], role: p.role })),
      logPrecisions: this.vars.map((v) => Array.from(v.dataSync())),
    };
  }

  /**
   * Overwrites the log-precisions (one float32 tensor per variable, same shapes as
   * {@link variables}). Throws `InvalidOptionError` (count, dtype, or a log δ outside [−87, 88]
   * or NaN — the prior keeps its old values then), `ShapeMismatchError` (shape) or `DisposedError`.
   */
  assignLogPrecisions(values: readonly Tensor[]): void {
    this.assertLive();
    const what = `${this.structure} prior assignLogPrecisions`;
    if (!Array.isArray(values) || values.length !== this.vars.length) {
      throw new InvalidOptionError(
        `${what}: expected ${this.vars.length} tensors (one per variable), got ${Array.isArray(values) ? values.length : typeof values}`,
      );
    }
    values.forEach((t, i) => {
      const v = this.vars[i];
      if (!(t instanceof tf.Tensor)) throw new InvalidOptionError(`${what}: values[${i}] must be a tf.Tensor`);
      if (t.isDisposed) throw new DisposedError('tensor', `values[${i}]`, `passed to ${what}`);
      if (t.dtype !== 'float32') throw new InvalidOptionError(`${what}: values[${i}] must be float32, got ${t.dtype}`);
      if (t.shape.join(',') !== v.shape.join(','))
        throw new ShapeMismatchError(`${what}: values[${i}] has shape [${t.shape}] but variable ${i} has [${v.shape}]`);
    });
    const old = this.snapshot();
    try {
      values.forEach((t, i) => this.vars[i].assign(t));
      const bad = precisionRangeViolation(this);
      if (bad) {
        old.forEach((t, i) => this.vars[i].assign(t));
        throw new InvalidOptionError(`${what}: ${describeViolation(bad)}; the prior keeps its previous values`);
      }
    } finally {
      tf.dispose(old);
    }
  }

  /** Copies of the current log-precisions (to restore after a failed step). */
  snapshot(): Tensor[] {
    this.assertLive();
    return this.vars.map((v) => tf.clone(v));
  }

  /** Frees the variables. Idempotent: a second call does nothing. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    tf.dispose(this.vars as Variable[]);
  }

  /** log δ per parameter tensor (the one hook every prior must define). */
  protected abstract computeLogPrecisionBlocks(): Tensor[];

  /** δ per parameter tensor: exp of {@link computeLogPrecisionBlocks} unless overridden. */
  protected computePrecisionBlocks(): Tensor[] {
    return this.computeLogPrecisionBlocks().map((b) => tf.exp(b));
  }

  /** Kernel outer-product factors; all null unless overridden. */
  protected computeKernelOuterFactors(): Array<readonly [Tensor, Tensor] | null> {
    return this.params.map(() => null);
  }

  /** Σ log δ by expansion (sums with a one-kernel gradient, `sumAll`); override with a closed form. */
  protected computeLogDet(): Tensor {
    return tf.tidy(() => tf.addN(this.computeLogPrecisionBlocks().map((b) => sumAll(b))));
  }

  /** Σ δθ² by expansion (θ² a constant: `weightedSum`); override to avoid building δ. */
  protected computeScatter(thetaSquared: readonly Tensor[], thetaSquaredSums: Tensor): Tensor {
    void thetaSquaredSums;
    return tf.tidy(() => tf.addN(this.precisionBlocks().map((d, i) => weightedSum(d, thetaSquared[i]))));
  }

  /** Per-tensor constant δ, or null (default). */
  protected computeTensorConstants(): Tensor[] | null {
    return null;
  }

  /** Throws `DisposedError` (kind `'prior'`, named by its structure) after {@link dispose}. */
  protected assertLive(): void {
    if (!this.disposed) return;
    const first = this.params[0]?.name ?? '';
    const last = this.params[this.params.length - 1]?.name ?? '';
    throw new DisposedError(
      'prior',
      this.structure,
      `it covered ${this.params.length} parameter tensors ('${first}' … '${last}'); create a new prior`,
    );
  }

  /** Checks a per-parameter tensor list: count, tensors, not disposed, shapes. */
  private checkTheta(theta: readonly Tensor[], name: string): void {
    this.assertLive();
    const what = `${this.structure} prior`;
    if (!Array.isArray(theta) || theta.length !== this.params.length) {
      throw new InvalidOptionError(
        `${what}: expected ${this.params.length} parameter tensors in ${name}, got ${Array.isArray(theta) ? theta.length : typeof theta}`,
      );
    }
    theta.forEach((t, i) => {
      const p = this.params[i];
      if (!(t instanceof tf.Tensor)) throw new InvalidOptionError(`${what}: ${name}[${i}] ('${p.name}') must be a tf.Tensor`);
      if (t.isDisposed) throw new DisposedError('tensor', `${name}[${i}] ('${p.name}')`);
      if (t.shape.join(',') !== p.shape.join(',')) {
        throw new ShapeMismatchError(`${what}: ${name}[${i}] has shape [${t.shape}] but parameter '${p.name}' has [${p.shape}]`);
      }
    });
  }
}

/**
 * exp(l) for a δ = exp(l) already computed: the value is a copy of δ and the gradient dy·δ, what
 * `tf.exp(l)` gives (its gradient is dy·exp(l)), without evaluating the exponential again.
 */
function expOf(l: Tensor, delta: Tensor): Tensor {
  const op = tf.customGrad(((lIn: Tensor, save: tf.GradSaveFunc) => {
    void lIn;
    save([delta]);
    return { value: tf.clone(delta), gradFunc: (dy: Tensor, saved: Tensor[]) => [tf.mul(dy, saved[0])] };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(l);
}
