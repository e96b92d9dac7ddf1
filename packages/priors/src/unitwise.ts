import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import type { ModelLike } from '@spam/core';
import { Prior, type PriorOptions, type PriorParam } from './prior.js';
import { buildPrior, modelParams, type PriorDefinition, type PriorVariableSpec } from './definition.js';
import { initialLogPrecision } from './bounds.js';

/**
 * Unit-wise prior: for a kernel with input units i and output units o, log δ_{i,o} = a_o + b_i
 * (Conv2D: i is the input channel, shared over the kernel window); a bias has its own c_o.
 * Variables per parameter tensor: kernel → [a `[out]`, b `[in]`], bias → [c `[out]`].
 */
export class UnitwisePrior extends Prior {
  readonly structure = 'unitwise' as const;
  /** @internal Use {@link unitwisePrior}. */
  constructor(params: readonly PriorParam[], variables: Variable[]) {
    super(params, variables);
  }

  /** For each parameter tensor, the indices of its variables in {@link variables}. */
  variableIndex(): number[][] {
    let k = 0;
    return this.params.map((p) => (p.role === 'kernel' ? [k++, k++] : [k++]));
  }

  /** Kernel δ_{i,o} = exp(b_i)·exp(a_o); Conv2D's b repeats over the kernel window (rows (y·kw + x)·C + c). */
  protected override computeKernelOuterFactors(): Array<readonly [Tensor, Tensor] | null> {
    const index = this.variableIndex();
    return this.params.map((p, t) => {
      if (p.role === 'bias') return null;
      const [a, b] = index[t].map((i) => this.vars[i]);
      const window = p.shape.slice(0, -2).reduce((x, y) => x * y, 1);
      const row = window === 1 ? tf.exp(b) : tf.tile(tf.exp(b), [window]);
      return [row, tf.exp(a)] as const;
    });
  }

  /** Σ log δ = Σ_kernels (rows·Σa + window·units·Σb) + Σ_biases Σc, without expanding δ. */
  protected override computeLogDet(): Tensor {
    const index = this.variableIndex();
    return tf.tidy(() =>
      tf.addN(
        this.params.map((p, t) => {
          if (p.role === 'bias') return tf.sum(this.vars[index[t][0]]);
          const [a, b] = index[t].map((i) => this.vars[i]);
          const units = p.shape[p.shape.length - 1];
          const rows = p.shape.slice(0, -1).reduce((x, y) => x * y, 1);
          const window = rows / p.shape[p.shape.length - 2];
          return tf.add(tf.mul(tf.sum(a), rows), tf.mul(tf.sum(b), window * units));
        }),
      ),
    );
  }

  /** Σ δθ² = Σ_kernels e^bᵀ (θ² summed over the window) e^a + Σ_biases e^c·θ². */
  protected override computeScatter(sq: readonly Tensor[]): Tensor {
    const index = this.variableIndex();
    return tf.tidy(() =>
      tf.addN(
        this.params.map((p, t) => {
          if (p.role === 'bias') return tf.sum(tf.mul(tf.exp(this.vars[index[t][0]]), sq[t]));
          const [a, b] = index[t].map((i) => this.vars[i]);
          const units = p.shape[p.shape.length - 1];
          const cin = p.shape[p.shape.length - 2];
          const m = tf.sum(tf.reshape(sq[t], [-1, cin, units]), 0); // [in, out]
          return tf.sum(tf.matMul(tf.matMul(tf.reshape(tf.exp(b), [1, cin]), m), tf.reshape(tf.exp(a), [units, 1])));
        }),
      ),
    );
  }

  protected computeLogPrecisionBlocks(): Tensor[] {
    const index = this.variableIndex();
    return tf.tidy(() =>
      this.params.map((p, t) => {
        if (p.role === 'bias') return tf.clone(this.vars[index[t][0]]);
        const [a, b] = index[t].map((i) => this.vars[i]);
        const r = p.shape.length;
        const out = tf.reshape(a, [...new Array(r - 1).fill(1), p.shape[r - 1]]);
        const inn = tf.reshape(b, [...new Array(r - 2).fill(1), p.shape[r - 2], 1]);
        return tf.add(tf.zeros(p.shape), tf.add(out, inn));
      }),
    );
  }
}

/** Unit-wise prior: per kernel `a [out]` and `b [in]` (½·log δ₀ each), per bias `c [out]` (log δ₀). */
export const unitwiseDefinition: PriorDefinition<UnitwisePrior> = {
  variables: (params, l0) =>
    params.flatMap((p): PriorVariableSpec[] => {
      const out = p.shape[p.shape.length - 1];
      if (p.role === 'bias') return [{ shape: [out], init: l0, label: 'unit_bias' }];
      return [
        { shape: [out], init: l0 / 2, label: 'unit_out' },
        { shape: [p.shape[p.shape.length - 2]], init: l0 / 2, label: 'unit_in' },
      ];
    }),
  create: (params, variables) => new UnitwisePrior(params, variables),
};

/**
 * Unit-wise prior over a model's parameters with δ = δ₀ everywhere initially: a = b = ½·log δ₀,
 * c = log δ₀ (finite for every δ₀ > 0, unlike the paper code's initialisation for δ₀ < 1).
 */
export function unitwisePrior(model: ModelLike, options: PriorOptions = {}): UnitwisePrior {
  const l0 = initialLogPrecision(options, 'unitwise prior');
  return buildPrior(unitwiseDefinition, modelParams(model), l0);
}
