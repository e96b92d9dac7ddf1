import * as tf from '@tensorflow/tfjs-core';
import { buildModelAdapter, type DataSource, type ModelLike } from '@spam/core';
import { ParamScores, scoredParams } from './scores.js';
import type { CriterionSpec } from './criterion.js';
import { meanCriterionGradient, resolveGradientOptions, type GradientScoreOptions } from './gradients.js';

export type { GradientScoreOptions } from './gradients.js';

/**
 * SNIP (Lee et al. 2019), canonical form: score = |θ ⊙ ∇θ L(θ)| with L the mean criterion over
 * the used examples (see {@link GradientScoreOptions}; several batches combine weighted by size).
 *
 * The gradient runs through the model adapter's own backward (exact on wasm). A model ending in
 * softmax is scored on its logits for `likelihood: 'classification'`. Throws `InvalidDataError`
 * for empty data and `InvalidOptionError` for bad options; leaves the model unchanged.
 */
export async function snipScores(model: ModelLike, data: DataSource, options: GradientScoreOptions): Promise<ParamScores> {
  const opts = resolveGradientOptions(options);
  const adapter = buildModelAdapter(model, { logits: opts.likelihood === 'classification' });
  const { grads } = await meanCriterionGradient(adapter, data, opts);
  const blocks = tf.tidy(() => grads.map((g, i) => tf.abs(tf.mul(adapter.params[i].variable.read(), g))));
  tf.dispose(grads);
  return new ParamScores('snip', scoredParams(adapter.params), blocks);
}

/** `snip` in the criterion registry (needs `data`). */
export const snipCriterion: CriterionSpec = {
  needs: ['data'],
  description: 'SNIP |θ·∇L|',
  score: (ctx) => snipScores(ctx.model, ctx.data!, { likelihood: ctx.likelihood, sigma: ctx.sigma }),
};
