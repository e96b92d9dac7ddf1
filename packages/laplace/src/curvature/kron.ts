import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { CurvatureAccumulator, LayerInput } from './base.js';
import { kronCovariance } from '../predictive/covariance-kron.js';
import type { CovarianceSpec } from '../predictive/covariance-build.js';
import type { PosteriorCovariance } from '../predictive/covariance.js';
import { InvalidOptionError } from '@spam/core';
import type { Prior } from '@spam/priors';
import {
  BaseLaplace,
  expansionKey,
  gram,
  squaredGradSums,
  type KronPriorMode,
  type LaplaceInfo,
  type PrecisionStructure,
  type StructureSpec,
} from './base.js';
import type { KfacConvention } from '../options.js';
import { eigenTensors, factorEigen, factorEigenvalues, type FactorEigen } from './kron-eigen.js';
import { denseLogDet, kronDense } from '../linalg/logdet-op.js';

/** Largest kron block (fanIn·units) for which the exact dense log det is allowed. */
export const MAX_EXACT_BLOCK = 2048;

/**
 * KFAC per layer, contributions [A_sum, G]. `'asdl'` ("expand", default): A_sum = Σ_{n,t} a aᵀ,
 * G = Σ_{n,t,k} g gᵀ, kernel block (A_sum/(N·T)) ⊗ G. `'backpack'`: G = Σ_{n,k} ĝ ĝᵀ with
 * ĝ = Σ_t g (locations summed before the outer product), kernel block (A_sum/N) ⊗ G. Both agree
 * for Dense layers (T = 1); a bias is its own block G. A weighted layer without a Kronecker form
 * (BatchNormalization, LayerNormalization, DepthwiseConv2D, …) contributes its exact GGN diagonal
 * per weight ("kron_mixed").
 */
export function kronAccumulator(convention: KfacConvention): CurvatureAccumulator {
  return {
    batch(inputs: LayerInput[]): Tensor[] {
      const out: Tensor[] = [];
      // A_sum of layers that read the same input and expand it the same way (per-head q/k/v Dense
      // layers) is one Gram product; later layers get a clone (shared data, their own tensor).
      const grams = new Map<Tensor, Map<string, Tensor>>();
      for (const input of inputs) {
        if (input.kind === 'diag') {
          out.push(...squaredGradSums(input)); // no Kronecker form: the exact diagonal block
          continue;
        }
        const { g, capture } = input;
        const [, , t, units] = g.shape as number[];
        const key = expansionKey(capture.layer);
        const byKey = grams.get(capture.input) ?? new Map<string, Tensor>();
        grams.set(capture.input, byKey);
        const known = byKey.get(key);
        if (known) out.push(tf.clone(known));
        else {
          const A = gram(tf.reshape(input.a, [-1, capture.layer.fanIn]));
          byKey.set(key, A);
          out.push(A);
        }
        out.push(gram(convention === 'backpack' && t > 1 ? tf.reshape(tf.sum(g, 2), [-1, units]) : tf.reshape(g, [-1, units])));
      }
      return out;
    },
  };
}

/** The Kronecker factors of one parametric layer, in tfjs orientation. */
export interface KronFactor {
  /** Layer name. */
  readonly layerName: string;
  /** Input factor A = (1/(N·T)) Σ a aᵀ `[fanIn, fanIn]` (fanIn = in, or kh·kw·in for Conv2D). */
  readonly A: Tensor;
  /** Output factor G = Σ g gᵀ `[units, units]`; also the bias block. */
  readonly G: Tensor;
  /** Whether the layer has a bias block (equal to G). */
  readonly hasBias: boolean;
}

/** What `fitLaplace` tells {@link KronLaplace} about each parameter layer, in model order. */
export type KronLayerSpec =
  | { readonly kind: 'kron'; readonly name: string; readonly locations: number; readonly hasBias: boolean }
  | { readonly kind: 'diag'; readonly name: string; readonly weights: number };

/** Where one canonical parameter tensor's block lives: a Kronecker factor pair, or its own exact diagonal. */
type BlockRef = { kind: 'kernel' | 'bias'; factor: number } | { kind: 'diag'; h: Tensor };

/**
 * KFAC Laplace curvature ("kron where it exists, diagonal elsewhere", as ASDL and laplace-torch
 * do): kernel blocks A ⊗ G (kernel flattened to `[fanIn, units]`), bias blocks G, and every
 * parameter tensor of a layer without a Kronecker form as an exact diagonal block.
 */
export class KronLaplace extends BaseLaplace {
  readonly structure = 'kron' as const;
  /** One factor pair per affine layer (Dense, Conv, Embedding), in model order (owned by this object). */
  readonly factors: readonly KronFactor[];
  /** Per canonical parameter tensor, its exact diagonal block `[size]` or null for Kronecker blocks (owned). */
  readonly diagonalBlocks: readonly (Tensor | null)[];
  private readonly blocks: readonly BlockRef[];

  /**
   * @internal Built by `fitLaplace` from the accumulated sums ([A_sum, G] per affine layer, one sum per weight otherwise),
   * or by `loadLaplace` with `restored`: the sums then hold A itself (already divided by N·T) and the saved
   * eigendecompositions, if any, become the cache.
   */
  constructor(
    info: LaplaceInfo,
    sums: Tensor[],
    layers: ReadonlyArray<KronLayerSpec>,
    restored?: { eigen?: Array<{ A: FactorEigen; G: FactorEigen }> },
  ) {
    super(info);
    const factors: KronFactor[] = [];
    const blocks: BlockRef[] = [];
    let k = 0;
    for (const l of layers) {
      if (l.kind === 'diag') {
        for (let w = 0; w < l.weights; w++) {
          const h = tf.reshape(sums[k], [-1]);
          if (h !== sums[k]) sums[k].dispose();
          blocks.push({ kind: 'diag', h });
          k++;
        }
        continue;
      }
      const A = restored ? sums[k] : tf.div(sums[k], info.nData * l.locations);
      if (!restored) sums[k].dispose();
      blocks.push({ kind: 'kernel', factor: factors.length });
      if (l.hasBias) blocks.push({ kind: 'bias', factor: factors.length });
      factors.push({ layerName: l.name, A, G: sums[k + 1], hasBias: l.hasBias });
      k += 2;
    }
    this.factors = factors;
    this.blocks = blocks;
    this.diagonalBlocks = blocks.map((b) => (b.kind === 'diag' ? b.h : null));
    if (restored?.eigen) this.eigenCache = restored.eigen;
  }

  /** Whether the factors' eigendecompositions are computed (cached); `saveLaplace` then saves them by default. */
  get hasEigendecomposition(): boolean {
    return this.eigenCache !== undefined;
  }

  /** Exact diagonal of the block-diagonal matrix: A_ii·G_oo for kernels, G_oo for biases, h for diagonal blocks. */
  diagonal(): Tensor {
    this.assertNotDisposed();
    return tf.tidy(() => {
      const diagOf = (m: Tensor) => tf.sum(tf.mul(m, tf.eye(m.shape[0])), 1);
      const parts = this.blocks.map((b) => {
        if (b.kind === 'diag') return b.h;
        const f = this.factors[b.factor];
        const g = diagOf(f.G);
        return b.kind === 'bias' ? g : tf.reshape(tf.outerProduct(diagOf(f.A) as tf.Tensor1D, g as tf.Tensor1D), [-1]);
      });
      return tf.concat(parts);
    });
  }

  private eigenCache?: Array<{ A: FactorEigen; G: FactorEigen }>;
  private valuesCache?: Array<{ A: Pick<FactorEigen, 'values'>; G: Pick<FactorEigen, 'values'> }>;

  /** Eigenvalues of every A and G (float64 `eigvalsh`, clamped at 0), cached; taken from the full decomposition if present. */
  eigenvalues(): ReadonlyArray<{ A: Pick<FactorEigen, 'values'>; G: Pick<FactorEigen, 'values'> }> {
    if (this.eigenCache) return this.eigenCache;
    this.valuesCache ??= this.factors.map((f) => ({ A: { values: factorEigenvalues(f.A) }, G: { values: factorEigenvalues(f.G) } }));
    return this.valuesCache;
  }

  /**
   * Eigendecompositions of every A and G (float64, symmetrised, eigenvalues clamped at 0),
   * computed on first use and cached: one per marglik step, reused by every hyper-gradient step.
   */
  eigendecomposition(): ReadonlyArray<{ A: FactorEigen; G: FactorEigen }> {
    this.eigenCache ??= this.factors.map((f) => ({ A: factorEigen(f.A), G: factorEigen(f.G) }));
    return this.eigenCache;
  }

  /**
   * A scalar δ per tensor when the prior is constant on every tensor (eigenvalues then suffice),
   * else δ per parameter, with the unit-wise rank-1 factors when `'projected'`.
   */
  override precisionFor(prior: Prior, kronPrior: KronPriorMode): { delta: Tensor[]; structure: PrecisionStructure } {
    const constants = prior.tensorConstants();
    return {
      delta: constants ?? prior.precisionBlocks(),
      structure: {
        constantPerTensor: constants !== null,
        kronPrior,
        rank1: kronPrior === 'projected' ? prior.kernelOuterFactors() : undefined,
      },
    };
  }

  /**
   * `'exact'`: s·A_ii·G_oo + δ_io (kernels), s·G_oo + δ_o (biases). `'projected'`: the diagonal of
   * the eigen-projected matrix, per kernel (Q_A∘Q_A)(s λ_A λ_Gᵀ + E)(Q_G∘Q_G)ᵀ with
   * E = (Q_A∘Q_A)ᵀ D (Q_G∘Q_G), per bias (s λ_G + e)(Q_G∘Q_G)ᵀ with e = δ_b (Q_G∘Q_G), as the
   * paper's code computes OPD.
   */
  override posteriorPrecisionDiagonal(delta: readonly Tensor[], kronPrior: KronPriorMode): Tensor[] {
    this.assertNotDisposed();
    if (kronPrior === 'exact') return super.posteriorPrecisionDiagonal(delta, kronPrior);
    const eig = this.eigendecomposition();
    const s = this.hFactor;
    return tf.tidy(() =>
      this.blocks.map((b, t) => {
        const p = this.params[t];
        if (b.kind === 'diag') return tf.add(tf.mul(s, tf.reshape(b.h, p.shape)), delta[t]);
        const { A, G } = eig[b.factor];
        const units = G.values.shape[0];
        if (b.kind === 'bias') {
          const e = tf.matMul(tf.reshape(tf.add(tf.zeros([units]), delta[t]), [1, units]), G.Q2);
          return tf.reshape(tf.matMul(tf.add(tf.mul(s, tf.reshape(G.values, [1, units])), e), G.Q2T), [units]);
        }
        const fanIn = A.values.shape[0];
        const d = tf.reshape(tf.add(tf.zeros(p.shape), delta[t]), [fanIn, units]);
        const E = tf.matMul(tf.matMul(A.Q2T, d), G.Q2);
        const lam = tf.mul(s, tf.outerProduct(A.values as tf.Tensor1D, G.values as tf.Tensor1D));
        return tf.reshape(tf.matMul(tf.matMul(A.Q2, tf.add(lam, E)), G.Q2T), p.shape);
      }),
    );
  }

  /**
   * log det(s·A⊗G + diag(δ)) + log det(s·G + diag(δ_b)) summed over layers. Constant δ on a block:
   * Σ log(s λ^A_i λ^G_o + δ). Otherwise `'projected'`: δ replaced by its projection onto the
   * Kronecker eigenbasis E = (Q_A∘Q_A)ᵀ D (Q_G∘Q_G); `'exact'`: dense float64 log det of the block.
   */
  logDetPosterior(delta: readonly Tensor[], s: Tensor, structure: PrecisionStructure = {}): Tensor {
    this.assertNotDisposed();
    const { constantPerTensor = false, rank1 } = structure;
    const projected = structure.kronPrior !== 'exact';
    // A constant δ needs the eigenvalues only; a projected one the eigenvectors too.
    const eig = constantPerTensor ? this.eigenvalues() : projected ? this.eigendecomposition() : null;
    return tf.tidy(() => {
      const terms = this.blocks.map((b, t) => {
        if (b.kind === 'diag') return tf.sum(tf.log(tf.add(tf.mul(s, b.h), flatOrScalar(delta[t]))));
        const l = b.factor;
        const f = this.factors[l];
        const fanIn = f.A.shape[0];
        const units = f.G.shape[0];
        const kernel = b.kind === 'kernel';
        const d = asBlock(delta[t], kernel ? [fanIn, units] : [units]);
        if (!eig) return this.exactBlockLogDet(l, kernel, d, s);
        const e = eig[l];
        const lam = kernel ? tf.outerProduct(e.A.values as tf.Tensor1D, e.G.values as tf.Tensor1D) : e.G.values;
        const full = e as { A: FactorEigen; G: FactorEigen };
        const r1 = kernel ? (rank1?.[t] ?? null) : null;
        const proj = constantPerTensor
          ? d
          : kernel
            ? projectKernel(full, d, r1, fanIn, units)
            : tf.reshape(tf.matMul(tf.reshape(d, [1, units]), full.G.Q2), [units]);
        return tf.sum(tf.log(tf.add(tf.mul(s, lam), proj)));
      });
      return tf.addN(terms);
    });
  }

  /** Σ per block through the factors' eigenbases (or exact dense blocks) for the predictive. */
  override posteriorCovariance(spec: CovarianceSpec): PosteriorCovariance {
    this.assertNotDisposed();
    return kronCovariance(this, spec);
  }

  private dense?: Map<string, Float64Array>;

  private exactBlockLogDet(l: number, kernel: boolean, d: Tensor, s: Tensor): Tensor {
    const f = this.factors[l];
    const na = f.A.shape[0];
    const ng = f.G.shape[0];
    const n = kernel ? na * ng : ng;
    if (n > MAX_EXACT_BLOCK) {
      throw new InvalidOptionError(
        `the exact kron log det of layer '${f.layerName}' needs a dense ${n}x${n} block (limit ${MAX_EXACT_BLOCK}); use kronPrior 'projected'`,
      );
    }
    this.dense ??= new Map();
    const key = `${l}:${kernel}`;
    if (!this.dense.has(key)) {
      const g = f.G.dataSync();
      this.dense.set(key, kernel ? kronDense(f.A.dataSync(), na, g, ng) : Float64Array.from(g));
    }
    return denseLogDet(this.dense.get(key)!, n, s, d, `layer '${f.layerName}' (${kernel ? 'kernel' : 'bias'})`);
  }

  protected ownedTensors(): Tensor[] {
    return [
      ...this.factors.flatMap((f) => [f.A, f.G]),
      ...this.blocks.flatMap((b) => (b.kind === 'diag' ? [b.h] : [])),
      ...(this.eigenCache ?? []).flatMap((e) => [...eigenTensors(e.A), ...eigenTensors(e.G)]),
      ...(this.valuesCache ?? []).flatMap((e) => [e.A.values, e.G.values]),
    ];
  }
}

/** `structure: 'kron'` (KFAC). */
export const kronStructure: StructureSpec<KronLaplace> = {
  accumulator: (o) => kronAccumulator(o.kfac),
  create: (info, sums, adapter, o) =>
    new KronLaplace(
      info,
      sums,
      adapter.paramLayers.map((l): KronLayerSpec =>
        l.kind === 'weighted'
          ? { kind: 'diag', name: l.name, weights: l.weights.length }
          : { kind: 'kron', name: l.name, locations: o.kfac === 'backpack' ? 1 : l.locations, hasBias: l.bias !== null },
      ),
    ),
};

/**
 * E = (Q_A∘Q_A)ᵀ D (Q_G∘Q_G). For D = row ⊗ col (unit-wise priors) this is
 * ((Q_A∘Q_A)ᵀ row) ⊗ (colᵀ (Q_G∘Q_G)): two matrix-vector products.
 */
function projectKernel(
  e: { A: FactorEigen; G: FactorEigen },
  d: Tensor,
  r1: readonly [Tensor, Tensor] | null,
  fanIn: number,
  units: number,
): Tensor {
  if (!r1) return projectDense(e, d);
  const rowE = tf.matMul(e.A.Q2T, tf.reshape(r1[0], [fanIn, 1]));
  const colE = tf.matMul(tf.reshape(r1[1], [1, units]), e.G.Q2);
  return tf.matMul(rowE, colE);
}

/** δ of a diagonal block flattened to `[size]`; a scalar (constant prior) stays a scalar and broadcasts. */
function flatOrScalar(d: Tensor): Tensor {
  return d.rank === 0 ? d : tf.reshape(d, [-1]);
}

/** A δ block in the shape a log det term needs; a scalar (constant prior) stays a scalar and broadcasts. */
function asBlock(d: Tensor, shape: number[]): Tensor {
  return d.rank === 0 ? d : tf.reshape(d, shape);
}

/**
 * E = (Q_A∘Q_A)ᵀ D (Q_G∘Q_G) with its gradient ∂/∂D = (Q_A∘Q_A) dE (Q_G∘Q_G)ᵀ written out on the
 * materialised transposes: tfjs's own matMul gradient uses transposed operands, ~13× slower on wasm.
 */
function projectDense(e: { A: FactorEigen; G: FactorEigen }, d: Tensor): Tensor {
  const op = tf.customGrad(((dIn: Tensor) => ({
    value: tf.matMul(tf.matMul(e.A.Q2T, dIn), e.G.Q2),
    gradFunc: (dy: Tensor) => [tf.matMul(tf.matMul(e.A.Q2, dy), e.G.Q2T)],
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(d);
}
