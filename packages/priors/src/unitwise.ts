import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import type { ModelLike, UnitLayout } from '@spam/core';
import { Prior, type PriorOptions, type PriorParam } from './prior.js';
import { buildPrior, modelParams, type PriorDefinition, type PriorVariableSpec } from './definition.js';
import { initialLogPrecision } from './bounds.js';

/**
 * The unit layout of a prior parameter: the adapter's when recorded, else a kernel is
 * `[...window, in, out]` and any other tensor a vector of units (window 1, no input units).
 */
export function unitLayoutOf(p: PriorParam): UnitLayout {
  if (p.units) return p.units;
  const out = p.shape[p.shape.length - 1] ?? 1;
  if (p.role !== 'kernel' || p.shape.length < 2)
    return { window: p.shape.slice(0, -1).reduce((a, b) => a * b, 1), inUnits: null, outUnits: out };
  return { window: p.shape.slice(0, -2).reduce((a, b) => a * b, 1), inUnits: p.shape[p.shape.length - 2], outUnits: out };
}

/**
 * Unit-wise prior: a tensor whose entries, flattened row-major, are `[window, in, out]` (its
 * {@link UnitLayout}) has log δ_{w,i,o} = a_o + b_i, shared over the window (Dense: window 1;
 * Conv2D: the kernel window, i the input channel; Embedding: i the token); a tensor without input
 * units (bias, norm gamma/beta, depthwise kernel) has log δ_{w,o} = c_o, shared over its window.
 * Variables per parameter tensor: with input units → [a `[out]`, b `[in]`], else → [c `[out]`].
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
    return this.params.map((p) => (unitLayoutOf(p).inUnits !== null ? [k++, k++] : [k++]));
  }

  /** δ_{w,i,o} = exp(b_i)·exp(a_o) for tensors with input units: row over [window, in] (b repeated per window position), col over out. */
  protected override computeKernelOuterFactors(): Array<readonly [Tensor, Tensor] | null> {
    const index = this.variableIndex();
    return this.params.map((p, t) => {
      const u = unitLayoutOf(p);
      if (u.inUnits === null || p.role !== 'kernel') return null;
      const [a, b] = index[t].map((i) => this.vars[i]);
      const row = u.window === 1 ? tf.exp(b) : tf.tile(tf.exp(b), [u.window]);
      return [row, tf.exp(a)] as const;
    });
  }

  /** Σ log δ = Σ_{with in} window·(in·Σa + out·Σb) + Σ_{others} window·Σc, without expanding δ. */
  protected override computeLogDet(): Tensor {
    const index = this.variableIndex();
    return tf.tidy(() =>
      tf.addN(
        this.params.map((p, t) => {
          const u = unitLayoutOf(p);
          if (u.inUnits === null) return tf.mul(tf.sum(this.vars[index[t][0]]), u.window);
          const [a, b] = index[t].map((i) => this.vars[i]);
          return tf.add(tf.mul(tf.sum(a), u.window * u.inUnits), tf.mul(tf.sum(b), u.window * u.outUnits));
        }),
      ),
    );
  }

  /** Σ δθ² = Σ_{with in} e^bᵀ (θ² summed over the window) e^a + Σ_{others} e^cᵀ (θ² summed over the window). */
  protected override computeScatter(sq: readonly Tensor[]): Tensor {
    const index = this.variableIndex();
    return tf.tidy(() =>
      tf.addN(
        this.params.map((p, t) => {
          const u = unitLayoutOf(p);
          if (u.inUnits === null)
            return tf.sum(tf.mul(tf.exp(this.vars[index[t][0]]), tf.sum(tf.reshape(sq[t], [u.window, u.outUnits]), 0)));
          const [a, b] = index[t].map((i) => this.vars[i]);
          const m = tf.sum(tf.reshape(sq[t], [u.window, u.inUnits, u.outUnits]), 0); // [in, out]
          return tf.sum(tf.matMul(tf.matMul(tf.reshape(tf.exp(b), [1, u.inUnits]), m), tf.reshape(tf.exp(a), [u.outUnits, 1])));
        }),
      ),
    );
  }

  protected computeLogPrecisionBlocks(): Tensor[] {
    const index = this.variableIndex();
    return tf.tidy(() =>
      this.params.map((p, t) => {
        const u = unitLayoutOf(p);
        if (u.inUnits === null) {
          const c = this.vars[index[t][0]];
          return tf.reshape(u.window === 1 ? tf.clone(c) : tf.tile(tf.reshape(c, [1, u.outUnits]), [u.window, 1]), p.shape);
        }
        const [a, b] = index[t].map((i) => this.vars[i]);
        const grid = tf.add(tf.reshape(a, [1, 1, u.outUnits]), tf.reshape(b, [1, u.inUnits, 1])); // [1, in, out]
        return tf.reshape(tf.tile(grid, [u.window, 1, 1]), p.shape);
      }),
    );
  }
}

/** Unit-wise prior: per tensor with input units `a [out]` and `b [in]` (½·log δ₀ each), per other tensor `c [out]` (log δ₀). */
export const unitwiseDefinition: PriorDefinition<UnitwisePrior> = {
  variables: (params, l0) =>
    params.flatMap((p): PriorVariableSpec[] => {
      const u = unitLayoutOf(p);
      if (u.inUnits === null) return [{ shape: [u.outUnits], init: l0, label: 'unit_bias' }];
      return [
        { shape: [u.outUnits], init: l0 / 2, label: 'unit_out' },
        { shape: [u.inUnits], init: l0 / 2, label: 'unit_in' },
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
