import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { CurvatureAccumulator, LayerInput } from './base.js';
import { diagCovariance, type CovarianceSpec } from '../predictive/covariance-build.js';
import type { PosteriorCovariance } from '../predictive/covariance.js';
import { BaseLaplace, squaredGradSums, squaredKernelGradSums, perExampleBiasGrads, type LaplaceInfo, type StructureSpec } from './base.js';

/**
 * Diagonal curvature: h_i = Σ_n Σ_k (J_nᵀ v_{n,k})_i², per-example gradients summed over
 * locations before squaring. One contribution per parameter tensor, in canonical order.
 */
export const diagAccumulator: CurvatureAccumulator = {
  batch(inputs: LayerInput[]): Tensor[] {
    const out: Tensor[] = [];
    for (const input of inputs) {
      if (input.kind === 'diag') {
        out.push(...squaredGradSums(input));
        continue;
      }
      const { capture, g } = input;
      const [k, n, t, units] = g.shape as number[];
      if (t === 1) {
        const a = input.a;
        // Dense: h_{io} = Σ_n a_{ni}² Σ_k g_{kno}² = (a²)ᵀ S.
        const s = tf.sum(tf.square(tf.reshape(g, [k, n, units])), 0);
        const a2 = tf.transpose(tf.square(tf.reshape(a, [n, a.shape[2] as number])));
        out.push(tf.matMul(a2, s));
        if (capture.layer.bias) out.push(tf.sum(s, 0));
      } else {
        const layer = capture.layer;
        // The layer's own route (convolutions: no im2col patches), else from the expanded input.
        out.push(layer.squaredKernelGrads ? layer.squaredKernelGrads(capture.input, input.gz) : squaredKernelGradSums(input.a, g));
        if (capture.layer.bias) out.push(tf.sum(tf.square(perExampleBiasGrads(g)), 0));
      }
    }
    return out;
  },
};

/** Diagonal Laplace curvature: H ≈ diag(h), h `[P]` in canonical order. */
export class DiagLaplace extends BaseLaplace {
  readonly structure = 'diag' as const;
  /** The diagonal h `[P]` (owned by this object). */
  readonly diag: Tensor;

  /** @internal Built by `fitLaplace` from the accumulated per-tensor sums. */
  constructor(info: LaplaceInfo, sums: Tensor[]) {
    super(info);
    this.diag = tf.tidy(() => tf.concat(sums.map((s) => tf.reshape(s, [-1]))));
    tf.dispose(sums);
  }

  /** The diagonal h `[P]` (a copy). */
  diagonal(): Tensor {
    this.assertNotDisposed();
    return tf.clone(this.diag);
  }

  /** The diagonal split per parameter tensor, each in its tfjs shape (new tensors). */
  diagonalBlocks(): Tensor[] {
    return this.params.map((p) => tf.tidy(() => tf.reshape(tf.slice(this.diag, p.offset, p.size), p.shape)));
  }

  /** Σ_i log(s·h_i + δ_i). */
  logDetPosterior(delta: readonly Tensor[], s: Tensor): Tensor {
    this.assertNotDisposed();
    return tf.tidy(() => {
      const d = tf.concat(delta.map((b) => tf.reshape(b, [-1])));
      return tf.sum(tf.log(tf.add(tf.mul(s, this.diag), d)));
    });
  }

  /** Σ = diag(T/(s·h + δ)) for the predictive. */
  override posteriorCovariance(spec: CovarianceSpec): PosteriorCovariance {
    this.assertNotDisposed();
    return diagCovariance(this, spec);
  }

  protected ownedTensors(): Tensor[] {
    return [this.diag];
  }
}

/** `structure: 'diag'`. */
export const diagStructure: StructureSpec<DiagLaplace> = {
  accumulator: () => diagAccumulator,
  create: (info, sums) => new DiagLaplace(info, sums),
};
