import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { buildModelAdapter, type DataSource, type ModelLike } from '@spam/core';
import { ParamScores, scoredParams } from './scores.js';
import type { CriterionSpec } from './criterion.js';
import { meanCriterionGradient, meanCriterionHvp, resolveGradientOptions, type GradientScoreOptions } from './gradients.js';
import { hasExactHessianVectorProduct } from './hessian-vector.js';
import { finiteDifferenceHvp } from './hessian-vector-fd.js';

/**
 * GraSP (Wang et al. 2020), canonical form: score = θ ⊙ (H g) with g = ∇θ L and H = ∇²θ L the exact
 * Hessian (not the GGN) of the mean criterion L over the used examples (see {@link GradientScoreOptions}).
 * Higher = keep: GraSP removes the weights with the largest −θ ⊙ Hg, i.e. the lowest scores.
 *
 * Two passes over the data: g over all used batches, then H g = Σ_b (n_b/N) H_b g. The data must
 * yield the same batches twice (`InvalidDataError` when the example counts differ).
 *
 * - Chains of Dense/Conv2D/Embedding, any registered activation, MaxPooling2D and the linear op
 *   layers (Flatten, Reshape, Dropout, AveragePooling2D, GlobalAveragePooling2D): H g is EXACT, by
 *   Pearlmutter's R-operator through the model adapter's layers (correct on wasm and cpu).
 * - Every other model the adapter takes (graph models with Add/Concatenate/Multiply/Dot merges,
 *   BatchNormalization, LayerNormalization, DepthwiseConv2D, PReLU, attention): H g by a CENTRAL
 *   FINITE DIFFERENCE of the adapter's exact gradients, (∇L(θ + εg) − ∇L(θ − εg))/2ε at ε and ε/2
 *   with one Richardson step, ε = 10⁻²·‖θ‖/‖g‖, in float32, with every layer that declares itself
 *   piecewise-linear (ReLU family, max pooling, PReLU) linearised at θ so that no switch flips
 *   within the step. Measured: ≤ 5·10⁻⁶ relative (normwise) against the exact product and the
 *   float64 fixtures on chains and against autodiff references on smooth graph nets; about 7·10⁻⁴
 *   with PReLU (its α gradient is not frozen). Four gradient passes per batch. The
 *   model's weights are overwritten only inside synchronous per-batch steps and restored
 *   bit-exactly before each await and on error.
 *
 * Leaves the model unchanged.
 */
export async function graspScores(model: ModelLike, data: DataSource, options: GradientScoreOptions): Promise<ParamScores> {
  const opts = resolveGradientOptions(options);
  const adapter = buildModelAdapter(model, { logits: opts.likelihood === 'classification' });
  const { grads, n } = await meanCriterionGradient(adapter, data, opts);
  let hv: Tensor[];
  try {
    hv = hasExactHessianVectorProduct(adapter)
      ? await meanCriterionHvp(adapter, data, grads, opts, n)
      : await finiteDifferenceHvp(adapter, data, grads, opts, n);
  } finally {
    tf.dispose(grads);
  }
  const blocks = tf.tidy(() => hv.map((h, i) => tf.mul(adapter.params[i].variable.read(), h)));
  tf.dispose(hv);
  return new ParamScores('grasp', scoredParams(adapter.params), blocks);
}

/** `grasp` in the criterion registry (needs `data`). */
export const graspCriterion: CriterionSpec = {
  needs: ['data'],
  description: 'GraSP θ·(H∇L): exact Hessian-vector product on chains, central finite difference of exact gradients on graph models',
  score: (ctx) => graspScores(ctx.model, ctx.data!, { likelihood: ctx.likelihood, sigma: ctx.sigma }),
};
