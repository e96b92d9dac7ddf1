import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import {
  DisposedError,
  InvalidOptionError,
  logLikelihoodFromLoss,
  type LayerCapture,
  type LikelihoodName,
  type ModelAdapter,
  type ParamBlock,
  type ParametricLayer,
  type WeightedLayer,
} from '@spam/core';
import type { Prior } from '@spam/priors';
import type { CurvatureType, ResolvedCurvatureOptions } from '../options.js';
import type { PosteriorCovariance } from '../predictive/covariance.js';
import type { CovarianceSpec } from '../predictive/covariance-build.js';

/**
 * One curvature structure's accumulation rule: given a batch's parametric-layer captures and
 * pre-activation gradients `[K, N, T, units]`, the batch's additive contributions.
 */
export interface CurvatureAccumulator {
  /** The batch's contributions to each accumulated sum (new tensors, in a fixed order). */
  batch(inputs: LayerInput[]): Tensor[];
}

/** An affine layer's batch data (Kronecker form): expanded inputs and pre-activation gradients. */
export interface KronLayerInput {
  readonly kind: 'kron';
  /** The layer capture (layer, input, pre-activation). */
  capture: LayerCapture & { layer: ParametricLayer };
  /** Expanded input a `[N, T, fanIn]` (computed on first read, in the reader's `tf.tidy` scope). */
  readonly a: Tensor;
  /** Pre-activation gradients g `[K, N, T, units]`. */
  g: Tensor;
  /** The same gradients in the layer's output shape, `[K, N, ...outputShape]`. */
  gz: Tensor;
}

/** A weighted layer's batch data (no Kronecker form): per-example gradients of each weight. */
export interface DiagLayerInput {
  readonly kind: 'diag';
  /** The layer capture. */
  capture: LayerCapture & { layer: WeightedLayer };
  /** One tensor `[K·N, ...weightShape]` per trainable weight (canonical order). */
  grads: Tensor[];
}

/** A parameter layer's batch data in the form every structure needs. */
export type LayerInput = KronLayerInput | DiagLayerInput;

/** Adds a batch's contributions into running sums, disposing the old sums and the contributions. */
export function addInto(sums: Tensor[] | null, contrib: Tensor[]): Tensor[] {
  if (!sums) return contrib;
  const next = sums.map((s, i) => tf.add(s, contrib[i]));
  tf.dispose([...sums, ...contrib]);
  return next;
}

/** Builds the LayerInput of every parameter layer for one batch. Call inside `tf.tidy`. */
export function layerInputs(captures: LayerCapture[], grads: Tensor[]): LayerInput[] {
  return captures.map((capture, i): LayerInput => {
    const layer = capture.layer;
    const g = grads[i];
    const [k, n] = g.shape as number[];
    if (layer.kind === 'weighted') {
      const per = layer.weightVjp(g, capture.input, capture.preactivation);
      return {
        kind: 'diag',
        capture: capture as DiagLayerInput['capture'],
        grads: per.map((t) => tf.reshape(t, [k * n, ...t.shape.slice(2)])),
      };
    }
    // `a` is built on first use: the diagonal structure of a layer with squaredKernelGrads never needs it.
    let a: Tensor | undefined;
    return {
      kind: 'kron',
      capture: capture as KronLayerInput['capture'],
      get a(): Tensor {
        a ??= layer.expandInput(capture.input);
        return a;
      },
      gz: g,
      g: tf.reshape(g, [k, n, layer.locations, layer.units]),
    };
  });
}

/**
 * Layers whose {@link ParametricLayer.expandInput} of one input tensor is the same tensor (class,
 * kernel window, output grid): accumulators share work between layers that read the same
 * input and have equal keys (a transformer's per-head q/k/v Dense layers).
 */
export function expansionKey(l: ParametricLayer): string {
  return [l.className, l.fanIn, l.locations, l.kernel.shape.slice(0, -1).join('x'), l.outputShape.slice(0, -1).join('x')].join('|');
}

/** Σ over K·N of the squared per-example gradients: a weighted layer's exact diagonal, per weight. */
export function squaredGradSums(input: DiagLayerInput): Tensor[] {
  return input.grads.map((g) => tf.sum(tf.square(g), 0));
}

/** Per-example kernel gradients `[K·N, fanIn, units]` = Σ_t a_{n,t}ᵀ g_{k,n,t}. */
export function perExampleKernelGrads(a: Tensor, g: Tensor): Tensor {
  return tf.tidy(() => {
    const [k, n, t, units] = g.shape as number[];
    const fanIn = a.shape[2] as number;
    const aT = tf.transpose(a, [0, 2, 1]); // [N, fanIn, T]
    const tiled = k === 1 ? aT : tf.reshape(tf.tile(tf.expandDims(aT, 0), [k, 1, 1, 1]), [k * n, fanIn, t]);
    return tf.matMul(tiled, tf.reshape(g, [k * n, t, units]) as tf.Tensor3D);
  });
}

/** Per-example bias gradients `[K·N, units]` = Σ_t g_{k,n,t}. */
export function perExampleBiasGrads(g: Tensor): Tensor {
  return tf.tidy(() => {
    const [k, n, , units] = g.shape as number[];
    return tf.reshape(tf.sum(g, 2), [k * n, units]);
  });
}

/** XᵀX for X `[rows, d]`, with Xᵀ materialised (transposed matMul flags are slow on wasm). */
export function gram(x: Tensor): Tensor {
  return tf.tidy(() => tf.matMul(tf.transpose(x) as tf.Tensor2D, x as tf.Tensor2D));
}

/** What every fitted Laplace curvature records besides its matrices. */
export interface LaplaceInfo {
  /** Likelihood the curvature was computed for. */
  likelihood: LikelihoodName;
  /** Curvature type. */
  curvature: CurvatureType;
  /** Observation noise σ (1 for classification). */
  sigma: number;
  /** Number of training examples N the sums run over. */
  nData: number;
  /** Summed loss over the data (cross-entropy, or ½Σ(f−y)² for regression). */
  loss: number;
  /** Canonical parameter layout the curvature refers to. */
  params: readonly ParamBlock[];
  /** Parameter values θ at which the curvature was fitted (owned by the result). */
  theta: Tensor[];
}

/**
 * How `kron` treats a prior precision δ that is not constant on a block (unit-wise and
 * parameter-wise priors): `'projected'` replaces diag(δ) by its projection onto the Kronecker
 * eigenbasis, E = (Q_A∘Q_A)ᵀ D (Q_G∘Q_G) (the paper's choice; cheap); `'exact'` keeps it (dense
 * float64 log det of each block; the exact diagonal s·A_ii·G_oo + δ_io for OPD). The same choice
 * in the log marginal likelihood, marglik training and OPD. Structures other than `kron` ignore it.
 */
export type KronPriorMode = 'projected' | 'exact';

/** @deprecated Use {@link KronPriorMode}: `'spam'` is `'projected'`. */
export type KronLogDetMethod = 'spam' | 'exact';

/**
 * Resolves a {@link KronPriorMode} given under its current name or a deprecated one (`'spam'` and
 * `'eigen'` mean `'projected'`). Throws `InvalidOptionError` naming `option` for anything else.
 */
export function resolveKronPrior(value: unknown, fallback: KronPriorMode, option = 'kronPrior'): KronPriorMode {
  if (value === undefined) return fallback;
  if (value === 'projected' || value === 'spam' || value === 'eigen') return 'projected';
  if (value === 'exact') return 'exact';
  throw new InvalidOptionError(`${option} must be 'projected' or 'exact', got ${JSON.stringify(value)}`);
}

/** What a log det may exploit about the prior precision δ. */
export interface PrecisionStructure {
  /** δ is constant on every parameter tensor (scalar / layer-wise priors): eigenvalues suffice. */
  constantPerTensor?: boolean;
  /**
   * Per parameter tensor, δ of a kernel as an outer product row ⊗ col (row over the kernel's
   * flattened fanIn, col over its units), or null: unit-wise priors, whose projection then
   * costs two matrix-vector products instead of two matrix products.
   */
  rank1?: ReadonlyArray<readonly [Tensor, Tensor] | null>;
  /** `kron` with non-constant δ: `'projected'` (default) or `'exact'` dense log det. */
  kronPrior?: KronPriorMode;
}

/**
 * One curvature structure, as registered in `CURVATURE_STRUCTURES` (`structures.ts`): how a batch
 * contributes to its sums and how the sums become a fitted Laplace.
 */
export interface StructureSpec<L extends BaseLaplace = BaseLaplace> {
  /** Refuses a model this structure cannot hold (typed error), before any data is read. */
  check?(adapter: ModelAdapter): void;
  /** The batch accumulation rule for these options. */
  accumulator(o: ResolvedCurvatureOptions): CurvatureAccumulator;
  /** Builds the fitted Laplace from the summed contributions (taking ownership of `sums`). */
  create(info: LaplaceInfo, sums: Tensor[], adapter: ModelAdapter, o: ResolvedCurvatureOptions): L;
}

/**
 * Shared part of every fitted Laplace curvature. H is a sum over all N examples and excludes
 * the likelihood factor s = 1/σ² (the posterior precision is s·H + diag(δ)).
 */
export abstract class BaseLaplace {
  /** Which structure this is (a key of `CURVATURE_STRUCTURES`; subclasses narrow it to their literal). */
  abstract readonly structure: string;
  /** Likelihood the curvature was computed for. */
  readonly likelihood: LikelihoodName;
  /** Curvature type. */
  readonly curvature: CurvatureType;
  /** Observation noise σ. */
  readonly sigma: number;
  /** Number of training examples N. */
  readonly nData: number;
  /** Summed training loss at the fitted parameters. */
  readonly loss: number;
  /** Canonical parameter layout. */
  readonly params: readonly ParamBlock[];
  /** Total number of parameters P. */
  readonly numParams: number;
  /** θ at the fit, per parameter tensor in canonical order (owned by this object). */
  readonly theta: readonly Tensor[];
  private disposed = false;

  protected constructor(info: LaplaceInfo) {
    this.likelihood = info.likelihood;
    this.curvature = info.curvature;
    this.sigma = info.sigma;
    this.nData = info.nData;
    this.loss = info.loss;
    this.params = info.params;
    this.theta = info.theta;
    this.numParams = info.params.reduce((a, p) => a + p.size, 0);
  }

  private theta2?: { blocks: Tensor[]; sums: Tensor };

  /** θ² per parameter tensor and their per-tensor sums `[T]`, cached (for the scatter Σδθ²). */
  thetaSquared(): { blocks: readonly Tensor[]; sums: Tensor } {
    this.assertNotDisposed();
    this.theta2 ??= tf.tidy(() => {
      const blocks = this.theta.map((t) => tf.keep(tf.square(t)));
      return { blocks, sums: tf.keep(tf.stack(blocks.map((b) => tf.sum(b)))) };
    });
    return this.theta2;
  }

  /** Likelihood factor s = 1/σ² (1 for classification). */
  get hFactor(): number {
    return 1 / (this.sigma * this.sigma);
  }

  /** Summed log-likelihood log p(D|θ) (with −N·K·log(σ√2π) for regression). */
  get logLikelihood(): number {
    const outDim = this.params[this.params.length - 1].shape.slice(-1)[0];
    return logLikelihoodFromLoss(this.likelihood, this.loss, this.nData, outDim, this.sigma);
  }

  /** Whether {@link dispose} has run. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Throws `DisposedError` naming this Laplace when {@link dispose} has run. */
  assertNotDisposed(): void {
    if (this.disposed) throw new DisposedError('Laplace', `${this.structure} ${this.curvature}`, 'fit a new one with fitLaplace');
  }

  /** The diagonal of H `[P]` in canonical order (a new tensor; the caller disposes it). */
  abstract diagonal(): Tensor;

  /**
   * log det(s·H + diag(δ)) of the posterior precision, differentiable in δ and s.
   * @param delta prior precision per parameter tensor (parameter shapes, canonical order)
   * @param s likelihood factor 1/σ² (scalar tensor)
   * @param structure what is known about δ's structure (lets `kron` skip work)
   */
  abstract logDetPosterior(delta: readonly Tensor[], s: Tensor, structure?: PrecisionStructure): Tensor;

  /**
   * The prior precision in the form this structure's {@link logDetPosterior} takes, with what it
   * may exploit about it. Default: δ per parameter tensor in the parameters' shapes. Call inside
   * `tf.tidy` (the tensors belong to the caller's scope).
   */
  precisionFor(prior: Prior, _kronPrior: KronPriorMode): { delta: Tensor[]; structure: PrecisionStructure } {
    this.assertNotDisposed();
    return { delta: prior.precisionBlocks(), structure: {} };
  }

  /**
   * diag(s·H + diag(δ)) per parameter tensor in the parameters' shapes, for δ given per tensor in
   * those shapes (new tensors). Default: s·diag(H) + δ, exact for every structure; `kron`
   * overrides it for `'projected'`.
   */
  posteriorPrecisionDiagonal(delta: readonly Tensor[], _kronPrior: KronPriorMode): Tensor[] {
    this.assertNotDisposed();
    return tf.tidy(() => {
      const h = this.diagonal();
      const s = this.hFactor;
      return this.params.map((p, i) => tf.add(tf.mul(s, tf.reshape(tf.slice(h, p.offset, p.size), p.shape)), delta[i]));
    });
  }

  /**
   * The posterior covariance Σ = T·(s·H + diag δ)⁻¹ in this structure's form, for the GLM and
   * sampled-weights predictives (`predictive/`). Default: `InvalidOptionError` (a structure
   * without one cannot predict).
   */
  posteriorCovariance(_spec: CovarianceSpec): PosteriorCovariance {
    throw new InvalidOptionError(`structure '${this.structure}' has no posterior covariance for the predictive`);
  }

  /** Every tensor this object owns besides θ. */
  protected abstract ownedTensors(): Tensor[];

  /** Frees the curvature's tensors (and the θ snapshot). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    tf.dispose([...this.ownedTensors(), ...this.theta, ...(this.theta2 ? [...this.theta2.blocks, this.theta2.sums] : [])]);
  }
}
