import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { buildModelAdapter, type DataSource, type ModelLike } from '@spam/core';
import { ParamScores, scoredParams } from './scores.js';
import type { CriterionSpec } from './criterion.js';
import { meanCriterionGradient, meanCriterionHvp, resolveGradientOptions, type GradientScoreOptions } from './gradients.js';

/**
 * GraSP (Wang et al. 2020), canonical form: score = θ ⊙ (H g) with g = ∇θ L and H = ∇²θ L the exact
 * Hessian (not the GGN) of the mean criterion L over the used examples (see {@link GradientScoreOptions}).
 * Higher = keep: GraSP removes the weights with the largest −θ ⊙ Hg, i.e. the lowest scores.
 *
 * Two passes over the data: g over all used batches, then H g = Σ_b (n_b/N) H_b g, i.e.
 * ∇θ(gᵀ stop_grad(g)) of the same mean criterion, by an exact Hessian-vector product (Pearlmutter's
 * R-operator through the model adapter's layers; no finite differences, correct on wasm and cpu).
 * The data must yield the same batches twice (`InvalidDataError` when the example counts differ).
 * Layers: Dense, Conv2D, any registered activation, MaxPooling2D, and the linear op layers
 * (Flatten, Reshape, Dropout, AveragePooling2D, GlobalAveragePooling2D); another op layer after
 * the first parametric layer raises `UnsupportedLayerError` naming it. Leaves the model unchanged.
 */
export async function graspScores(model: ModelLike, data: DataSource, options: GradientScoreOptions): Promise<ParamScores> {
  const opts = resolveGradientOptions(options);
  const adapter = buildModelAdapter(model, { logits: opts.likelihood === 'classification' });
  const { grads, n } = await meanCriterionGradient(adapter, data, opts);
  let hv: Tensor[];
  try {
    hv = await meanCriterionHvp(adapter, data, grads, opts, n);
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
  description: 'GraSP θ·(H∇L), exact Hessian-vector product',
  score: (ctx) => graspScores(ctx.model, ctx.data!, { likelihood: ctx.likelihood, sigma: ctx.sigma }),
};
