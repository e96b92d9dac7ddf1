import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { CurvatureAccumulator, LayerInput } from './base.js';
import { fullCovariance, type CovarianceSpec } from '../predictive/covariance-build.js';
import type { PosteriorCovariance } from '../predictive/covariance.js';
import { denseLogDet } from '../linalg/logdet-op.js';
import { ShapeMismatchError } from '@spam/core';
import { BaseLaplace, gram, perExampleBiasGrads, perExampleKernelGrads, type LaplaceInfo, type StructureSpec } from './base.js';

/** Largest P for which `structure: 'full'` is allowed (a P×P float32 matrix). */
export const MAX_FULL_PARAMS = 4096;

/** Full dense curvature H = Σ_{n,k} (J_nᵀ v_{n,k})(J_nᵀ v_{n,k})ᵀ over all P parameters (tiny nets only). */
export const fullAccumulator: CurvatureAccumulator = {
  batch(inputs: LayerInput[]): Tensor[] {
    const cols: Tensor[] = [];
    for (const input of inputs) {
      if (input.kind === 'diag') {
        for (const g of input.grads) cols.push(tf.reshape(g, [g.shape[0], -1]));
        continue;
      }
      const { capture, a, g } = input;
      const kn = g.shape[0] * (g.shape[1] as number);
      cols.push(tf.reshape(perExampleKernelGrads(a, g), [kn, -1]));
      if (capture.layer.bias) cols.push(perExampleBiasGrads(g));
    }
    return [gram(tf.concat(cols, 1))];
  },
};

/** Full dense Laplace curvature H `[P, P]` in canonical order (tiny networks only). */
export class FullLaplace extends BaseLaplace {
  readonly structure = 'full' as const;
  /** H `[P, P]` (owned by this object). */
  readonly H: Tensor;

  /** @internal Built by `fitLaplace`. */
  constructor(info: LaplaceInfo, sums: Tensor[]) {
    super(info);
    this.H = sums[0];
  }

  /** diag(H) `[P]`. */
  diagonal(): Tensor {
    this.assertNotDisposed();
    return tf.tidy(() => tf.sum(tf.mul(this.H, tf.eye(this.numParams)), 1));
  }

  /** Dense log det(s·H + diag(δ)) by float64 Cholesky. */
  logDetPosterior(delta: readonly Tensor[], s: Tensor): Tensor {
    this.assertNotDisposed();
    this.h64 ??= Float64Array.from(this.H.dataSync());
    const h = this.h64;
    return tf.tidy(() => denseLogDet(h, this.numParams, s, tf.concat(delta.map((b) => tf.reshape(b, [-1]))), 'the full GGN'));
  }

  /** Σ = T·(s·H + diag δ)⁻¹, dense (float64 Cholesky), for the predictive. */
  override posteriorCovariance(spec: CovarianceSpec): PosteriorCovariance {
    this.assertNotDisposed();
    return fullCovariance(this, spec);
  }

  private h64?: Float64Array;

  protected ownedTensors(): Tensor[] {
    return [this.H];
  }
}

/** `structure: 'full'` (at most {@link MAX_FULL_PARAMS} parameters). */
export const fullStructure: StructureSpec<FullLaplace> = {
  check(adapter) {
    if (adapter.numParams > MAX_FULL_PARAMS) {
      throw new ShapeMismatchError(
        `structure 'full' needs a ${adapter.numParams}² matrix; it is limited to ${MAX_FULL_PARAMS} parameters (use 'kron' or 'diag')`,
      );
    }
  },
  accumulator: () => fullAccumulator,
  create: (info, sums) => new FullLaplace(info, sums),
};
