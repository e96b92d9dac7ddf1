import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { CurvatureAccumulator, LayerInput } from './base.js';
import { BaseLaplace, gram, type LaplaceInfo } from './base.js';

/**
 * KFAC ("expand"): per layer A_sum = Σ_{n,t} a aᵀ and G = Σ_{n,t,k} g gᵀ; the kernel block is
 * (A_sum/(N·T)) ⊗ G, a bias its own block G. Contributions per layer: [A_sum, G].
 */
export const kronAccumulator: CurvatureAccumulator = {
  batch(inputs: LayerInput[]): Tensor[] {
    const out: Tensor[] = [];
    for (const { a, g } of inputs) {
      const [n, t, fanIn] = a.shape as number[];
      const units = g.shape[3] as number;
      out.push(gram(tf.reshape(a, [n * t, fanIn])));
      out.push(gram(tf.reshape(g, [-1, units])));
    }
    return out;
  },
};

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

/** KFAC Laplace curvature: kernel blocks A ⊗ G (kernel flattened to `[fanIn, units]`), bias blocks G. */
export class KronLaplace extends BaseLaplace {
  readonly structure = 'kron' as const;
  /** One factor pair per parametric layer, in model order (owned by this object). */
  readonly factors: readonly KronFactor[];

  /** @internal Built by `fitLaplace` from sums [A_sum, G] per layer and locations T per layer. */
  constructor(info: LaplaceInfo, sums: Tensor[], layers: ReadonlyArray<{ name: string; locations: number; hasBias: boolean }>) {
    super(info);
    this.factors = layers.map((l, i) => {
      const A = tf.div(sums[2 * i], info.nData * l.locations);
      sums[2 * i].dispose();
      return { layerName: l.name, A, G: sums[2 * i + 1], hasBias: l.hasBias };
    });
  }

  /** Exact diagonal of the block-diagonal KFAC matrix: A_ii·G_oo for kernels, G_oo for biases. */
  diagonal(): Tensor {
    return tf.tidy(() => {
      const parts: Tensor[] = [];
      for (const f of this.factors) {
        const a = tf.sum(tf.mul(f.A, tf.eye(f.A.shape[0] as number)), 1);
        const g = tf.sum(tf.mul(f.G, tf.eye(f.G.shape[0] as number)), 1);
        parts.push(tf.reshape(tf.mul(tf.expandDims(a, 1), tf.expandDims(g, 0)), [-1]));
        if (f.hasBias) parts.push(g);
      }
      return tf.concat(parts);
    });
  }

  protected ownedTensors(): Tensor[] {
    return this.factors.flatMap((f) => [f.A, f.G]);
  }
}
