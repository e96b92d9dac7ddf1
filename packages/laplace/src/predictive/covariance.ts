/**
 * The posterior covariance Σ = T·(s·H + diag δ)⁻¹ in the form the GLM predictive needs: per
 * parameter layer a diagonal, a dense block, or (KFAC) the factors' eigenbases with the inverse
 * eigenvalues; or one dense P×P matrix (`full`). {@link PosteriorCovariance.outputCovariance}
 * turns one batch's per-example Jacobian data (the curvature's own `LayerInput`s, from ONE batched
 * backward with K one-hot cotangents) into J Σ Jᵀ `[N, K, K]`; {@link PosteriorCovariance.sample}
 * draws θ-offsets ~ N(0, Σ) for the sampled-weights predictive.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { ParamBlock } from '@spam/core';
import { perExampleBiasGrads, perExampleKernelGrads, type LayerInput } from '../curvature/base.js';
import { quadDense, quadDiag, quadRank1 } from './quad.js';
import { choleskyLowerPsd } from './dense.js';

/** One parameter tensor's covariance block: variances `[size]` or a dense `[size, size]` matrix. */
export type TensorCov = { readonly kind: 'diag'; readonly v: Tensor } | { readonly kind: 'dense'; readonly sigma: Tensor };

/**
 * A parameter layer's covariance: its tensors' blocks (canonical order), or a Kronecker layer's
 * eigenbasis form Σ_kernel = (Q_A⊗Q_G) diag(lk) (Q_A⊗Q_G)ᵀ, Σ_bias = Q_G diag(lb) Q_Gᵀ, with keep
 * masks applied to the Jacobian when the model is pruned.
 */
export type LayerCov =
  | { readonly kind: 'tensors'; readonly tensors: readonly TensorCov[] }
  | {
      readonly kind: 'eigen';
      readonly QA: Tensor;
      readonly QG: Tensor;
      /** Inverse eigenvalues `[fanIn, units]`. */
      readonly lk: Tensor;
      /** Inverse bias eigenvalues `[units]`, or null without a bias. */
      readonly lb: Tensor | null;
      /** Keep masks (kernel `[fanIn, units]`, bias `[units]`) when pruned, else null. */
      readonly keep: readonly [Tensor, Tensor | null] | null;
    };

/** Σ of a fitted Laplace for one prior, temperature and mask (owns its tensors; call {@link dispose}). */
export class PosteriorCovariance {
  private chol = new Map<Tensor, Tensor>();
  private constructor(
    private readonly params: readonly ParamBlock[],
    private readonly layers: readonly LayerCov[] | null,
    private readonly full: Tensor | null,
  ) {}

  /** Per parameter layer (adapter `paramLayers` order). Takes ownership of the tensors. */
  static layered(params: readonly ParamBlock[], layers: LayerCov[]): PosteriorCovariance {
    return new PosteriorCovariance(params, layers, null);
  }

  /** One dense Σ `[P, P]` in canonical order. Takes ownership. */
  static dense(params: readonly ParamBlock[], sigma: Tensor): PosteriorCovariance {
    return new PosteriorCovariance(params, null, sigma);
  }

  /** J Σ Jᵀ `[N, K, K]` for one batch's layer inputs (K cotangents). Call inside `tf.tidy`. */
  outputCovariance(inputs: readonly LayerInput[]): Tensor {
    if (this.full) return quadDense(tf.concat(inputs.flatMap(flatJacobians), 2), this.full);
    const terms = inputs.map((input, i) => chunkedLayerTerm(input, this.layers![i]));
    return terms.length === 1 ? terms[0] : tf.addN(terms);
  }

  /** One draw of θ-offsets ~ N(0, Σ), per parameter tensor in its shape (new tensors). `seed` ≠ 0. */
  sample(seed: number): Tensor[] {
    return tf.tidy(() => {
      let k = 0;
      const eps = (n: number) => tf.randomNormal([n], 0, 1, 'float32', seed + 7919 * k++);
      if (this.full) {
        const z = tf.matMul(this.cholOf(this.full), tf.reshape(eps(this.full.shape[0]), [-1, 1]));
        return this.params.map((p) => tf.reshape(tf.slice(z, [p.offset, 0], [p.size, 1]), p.shape));
      }
      const out: Tensor[] = [];
      for (const l of this.layers!) {
        if (l.kind === 'tensors') {
          for (const t of l.tensors) {
            const size = t.kind === 'diag' ? t.v.shape[0] : t.sigma.shape[0];
            out.push(
              t.kind === 'diag'
                ? tf.mul(eps(size), tf.sqrt(t.v))
                : tf.reshape(tf.matMul(this.cholOf(t.sigma), tf.reshape(eps(size), [-1, 1])), [-1]),
            );
          }
          continue;
        }
        const [fanIn, units] = l.lk.shape as number[];
        const zk = tf.mul(tf.reshape(eps(fanIn * units), [fanIn, units]), tf.sqrt(l.lk));
        const wk = tf.matMul(tf.matMul(l.QA, zk), tf.transpose(l.QG));
        out.push(l.keep ? tf.mul(wk, l.keep[0]) : wk);
        if (l.lb) {
          const wb = tf.reshape(tf.matMul(l.QG, tf.reshape(tf.mul(eps(units), tf.sqrt(l.lb)), [units, 1])), [units]);
          out.push(l.keep?.[1] ? tf.mul(wb, l.keep[1]) : wb);
        }
      }
      return out.map((t, i) => tf.reshape(t, this.params[i].shape));
    });
  }

  private cholOf(sigma: Tensor): Tensor {
    let l = this.chol.get(sigma);
    if (!l) {
      const n = sigma.shape[0];
      l = tf.keep(tf.tensor2d(Float32Array.from(choleskyLowerPsd(sigma.dataSync(), n)), [n, n]));
      this.chol.set(sigma, l);
    }
    return l;
  }

  /** Frees every tensor. */
  dispose(): void {
    const own: Tensor[] = [...this.chol.values()];
    if (this.full) own.push(this.full);
    for (const l of this.layers ?? []) {
      if (l.kind === 'tensors') own.push(...l.tensors.map((t) => (t.kind === 'diag' ? t.v : t.sigma)));
      else own.push(l.QA, l.QG, l.lk, ...(l.lb ? [l.lb] : []), ...(l.keep ? l.keep.filter((t): t is Tensor => t !== null) : []));
    }
    tf.dispose(own);
    this.chol.clear();
  }
}

/** Per-example Jacobian rows `[K, N, size]` of every tensor of a layer (canonical order). */
function flatJacobians(input: LayerInput): Tensor[] {
  if (input.kind === 'diag') {
    return input.grads.map((g) => tf.reshape(g, [-1, input.capture.input.shape[0], perRow(g)]));
  }
  const [k, n] = input.g.shape as number[];
  const out = [tf.reshape(perExampleKernelGrads(input.a, input.g), [k, n, -1])];
  if (input.capture.layer.bias) out.push(tf.reshape(perExampleBiasGrads(input.g), [k, n, -1]));
  return out;
}

function perRow(g: Tensor): number {
  return g.shape.slice(1).reduce((a, b) => a * b, 1);
}

function quad(j: Tensor, c: TensorCov): Tensor {
  return c.kind === 'diag' ? quadDiag(j, c.v) : quadDense(j, c.sigma);
}

/** Most floats a layer term may hold in per-example kernel Jacobians `[K·n, fanIn, units]` at once (64 MB). */
const JACOBIAN_BUDGET = 1 << 24;

/** Whether the layer's route materialises per-example kernel Jacobians (conv locations, dense blocks, a pruned eigenbasis). */
function materialises(input: LayerInput, cov: LayerCov): boolean {
  if (input.kind !== 'kron') return false;
  const t = input.g.shape[2] as number;
  if (cov.kind === 'tensors') return flatJacobiansLazy(input, cov.tensors) !== 'rank1';
  return cov.keep !== null || t > 1;
}

/**
 * {@link layerTerm} over chunks of examples when the per-example kernel Jacobians of the whole
 * batch would exceed {@link JACOBIAN_BUDGET}: memory stays bounded whatever `batchSize` is.
 */
function chunkedLayerTerm(input: LayerInput, cov: LayerCov): Tensor {
  if (input.kind !== 'kron' || !materialises(input, cov)) return layerTerm(input, cov);
  const [k, n, t, units] = input.g.shape as number[];
  const fanIn = input.a.shape[2] as number;
  const per = k * fanIn * units * (cov.kind === 'eigen' && cov.keep ? 3 : 1) + k * t * units;
  const chunk = Math.max(1, Math.floor(JACOBIAN_BUDGET / per));
  if (chunk >= n) return layerTerm(input, cov);
  const parts: Tensor[] = [];
  for (let s = 0; s < n; s += chunk) {
    const c = Math.min(chunk, n - s);
    parts.push(
      tf.tidy(() =>
        layerTerm({ ...input, a: tf.slice(input.a, [s, 0, 0], [c, t, fanIn]), g: tf.slice(input.g, [0, s, 0, 0], [k, c, t, units]) }, cov),
      ),
    );
  }
  const out = tf.concat(parts, 0);
  tf.dispose(parts);
  return out;
}

/** One layer's J Σ Jᵀ `[N, K, K]`. */
function layerTerm(input: LayerInput, cov: LayerCov): Tensor {
  if (cov.kind === 'tensors') {
    const js = flatJacobiansLazy(input, cov.tensors);
    if (js === 'rank1') {
      const { a, g } = input as Extract<LayerInput, { kind: 'kron' }>;
      const [k, n, , units] = g.shape as number[];
      const [kc, bc] = cov.tensors as Extract<TensorCov, { kind: 'diag' }>[];
      const fanIn = a.shape[2] as number;
      return quadRank1(tf.reshape(a, [n, fanIn]), tf.reshape(g, [k, n, units]), tf.reshape(kc.v, [fanIn, units]), bc ? bc.v : null);
    }
    return tf.addN(js.map((j, t) => quad(j, cov.tensors[t])));
  }
  const { a, g } = input as Extract<LayerInput, { kind: 'kron' }>;
  const [k, n, t, units] = g.shape as number[];
  const fanIn = a.shape[2] as number;
  const hasBias = cov.lb !== null;
  if (!cov.keep) {
    // Project once into the eigenbases: Q_Aᵀ J Q_G = Σ_t (Q_Aᵀ a_t)(Q_Gᵀ g_t)ᵀ; Σ is then diagonal.
    const at = tf.reshape(tf.matMul(tf.reshape(a, [n * t, fanIn]) as tf.Tensor2D, cov.QA as tf.Tensor2D), [n, t, fanIn]);
    const gt = tf.reshape(tf.matMul(tf.reshape(g, [k * n * t, units]) as tf.Tensor2D, cov.QG as tf.Tensor2D), [k, n, t, units]);
    if (t === 1) return quadRank1(tf.reshape(at, [n, fanIn]), tf.reshape(gt, [k, n, units]), cov.lk, cov.lb);
    const term = quadDiag(tf.reshape(perExampleKernelGrads(at, gt), [k, n, -1]), tf.reshape(cov.lk, [-1]));
    return hasBias ? tf.add(term, quadDiag(tf.reshape(perExampleBiasGrads(gt), [k, n, units]), cov.lb)) : term;
  }
  // Pruned: mask the Jacobian, then project it per example.
  const jk = tf.mul(perExampleKernelGrads(a, g), cov.keep[0]); // [K·N, fanIn, units]
  const right = tf.reshape(tf.matMul(tf.reshape(jk, [k * n * fanIn, units]) as tf.Tensor2D, cov.QG as tf.Tensor2D), [k * n, fanIn, units]);
  const both = tf.matMul(tf.reshape(tf.transpose(right, [0, 2, 1]), [k * n * units, fanIn]) as tf.Tensor2D, cov.QA as tf.Tensor2D);
  const term = quadDiag(tf.reshape(both, [k, n, -1]), tf.reshape(tf.transpose(cov.lk), [-1]));
  if (!hasBias) return term;
  const jb = tf.mul(perExampleBiasGrads(g), cov.keep[1] ?? 1);
  return tf.add(term, quadDiag(tf.reshape(tf.matMul(jb as tf.Tensor2D, cov.QG as tf.Tensor2D), [k, n, units]), cov.lb));
}

/** The layer's per-tensor Jacobians, or `'rank1'` for a Dense layer with diagonal blocks (never materialised). */
function flatJacobiansLazy(input: LayerInput, tensors: readonly TensorCov[]): Tensor[] | 'rank1' {
  if (input.kind === 'kron' && input.g.shape[2] === 1 && tensors.every((c) => c.kind === 'diag')) return 'rank1';
  return flatJacobians(input);
}
