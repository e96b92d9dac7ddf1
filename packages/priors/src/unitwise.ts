import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import type { ModelLike } from '@spam/core';
import { initialLogPrecision, logPrecisionVariable, modelParams, Prior, type PriorOptions, type PriorParam } from './prior.js';

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
  override kernelOuterFactors(): Array<readonly [Tensor, Tensor] | null> {
    const index = this.variableIndex();
    return this.params.map((p, t) => {
      if (p.role === 'bias') return null;
      const [a, b] = index[t].map((i) => this.variables[i]);
      const window = p.shape.slice(0, -2).reduce((x, y) => x * y, 1);
      const row = window === 1 ? tf.exp(b) : tf.tile(tf.exp(b), [window]);
      return [row, tf.exp(a)] as const;
    });
  }

  logPrecisionBlocks(): Tensor[] {
    const index = this.variableIndex();
    return tf.tidy(() =>
      this.params.map((p, t) => {
        if (p.role === 'bias') return tf.clone(this.variables[index[t][0]]);
        const [a, b] = index[t].map((i) => this.variables[i]);
        const r = p.shape.length;
        const out = tf.reshape(a, [...new Array(r - 1).fill(1), p.shape[r - 1]]);
        const inn = tf.reshape(b, [...new Array(r - 2).fill(1), p.shape[r - 2], 1]);
        return tf.add(tf.zeros(p.shape), tf.add(out, inn));
      }),
    );
  }
}

/**
 * Unit-wise prior over a model's parameters with δ = δ₀ everywhere initially: a = b = ½·log δ₀,
 * c = log δ₀ (finite for every δ₀ > 0, unlike the paper code's initialisation for δ₀ < 1).
 */
export function unitwisePrior(model: ModelLike, options: PriorOptions = {}): UnitwisePrior {
  const params = modelParams(model);
  const l0 = initialLogPrecision(options);
  const vars: Variable[] = [];
  for (const p of params) {
    const out = p.shape[p.shape.length - 1];
    if (p.role === 'bias') vars.push(logPrecisionVariable(tf.fill([out], l0), 'unit_bias'));
    else {
      vars.push(logPrecisionVariable(tf.fill([out], l0 / 2), 'unit_out'));
      vars.push(logPrecisionVariable(tf.fill([p.shape[p.shape.length - 2]], l0 / 2), 'unit_in'));
    }
  }
  return new UnitwisePrior(params, vars);
}
