import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { CurvatureAccumulator, KronLayerInput, LayerInput } from './base.js';
import { squaredKernelGradSums } from './kernel-grad-squares.js';
import { diagCovariance, type CovarianceSpec } from '../predictive/covariance-build.js';
import type { PosteriorCovariance } from '../predictive/covariance.js';
import { BaseLaplace, expansionKey, squaredGradSums, perExampleBiasGrads, type LaplaceInfo, type StructureSpec } from './base.js';

/**
 * Diagonal curvature: h_i = Σ_n Σ_k (J_nᵀ v_{n,k})_i², per-example gradients summed over
 * locations before squaring. One contribution per parameter tensor, in canonical order.
 */
export const diagAccumulator: CurvatureAccumulator = {
  batch(inputs: LayerInput[]): Tensor[] {
    const kernels = sharedInputKernelSums(inputs);
    const out: Tensor[] = [];
    inputs.forEach((input, i) => {
      if (input.kind === 'diag') {
        out.push(...squaredGradSums(input));
        return;
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
        return;
      }
      const layer = capture.layer;
      // The layer's own route (convolutions: no im2col patches), else from the expanded input.
      out.push(
        kernels.get(i) ??
          (layer.squaredKernelGrads ? layer.squaredKernelGrads(capture.input, input.gz) : squaredKernelGradSums(input.a, g)),
      );
      if (layer.bias) out.push(tf.sum(tf.square(perExampleBiasGrads(g)), 0));
    });
    return out;
  },
};

/**
 * Layers with T > 1 locations that read the same input tensor, expand it the same way and have no
 * route of their own (a transformer's per-head q/k/v Dense layers) share their expanded input: their
 * squared kernel gradients come from one {@link squaredKernelGradSums} over the units of all of
 * them side by side (the location-pair products of the input are formed once), split back per
 * layer. Returns the kernel sums by input index for the grouped layers only.
 */
function sharedInputKernelSums(inputs: LayerInput[]): Map<number, Tensor> {
  // Same input tensor and the same expansion of it: class, kernel window and output grid.
  const groups = new Map<Tensor, Map<string, number[]>>();
  inputs.forEach((input, i) => {
    if (input.kind !== 'kron' || input.capture.layer.squaredKernelGrads || input.g.shape[2] === 1) return;
    const key = expansionKey(input.capture.layer);
    const byKey = groups.get(input.capture.input) ?? new Map<string, number[]>();
    byKey.set(key, [...(byKey.get(key) ?? []), i]);
    groups.set(input.capture.input, byKey);
  });
  const sums = new Map<number, Tensor>();
  for (const list of [...groups.values()].flatMap((m) => [...m.values()])) {
    if (list.length < 2) continue;
    const members = list.map((i) => inputs[i] as KronLayerInput);
    const units = members.map((m) => m.g.shape[3] as number);
    const h = squaredKernelGradSums(
      members[0].a,
      tf.concat(
        members.map((m) => m.g),
        3,
      ),
    );
    tf.split(h, units, 1).forEach((part, j) => sums.set(list[j], part));
  }
  return sums;
}

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
