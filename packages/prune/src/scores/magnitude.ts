import * as tf from '@tensorflow/tfjs-core';
import { buildModelAdapter, type ModelLike } from '@spam/core';
import { ParamScores, scoredParams } from './scores.js';
import type { CriterionSpec } from './criterion.js';

/** Magnitude pruning: score_i = |θ_i| of the model's current weights. */
export function magnitudeScores(model: ModelLike): ParamScores {
  const params = buildModelAdapter(model).params;
  const blocks = tf.tidy(() => params.map((p) => tf.abs(p.variable.read())));
  return new ParamScores('magnitude', scoredParams(params), blocks);
}

/** `magnitude` in the criterion registry. */
export const magnitudeCriterion: CriterionSpec = {
  needs: [],
  description: 'magnitude |θ|',
  score: (ctx) => magnitudeScores(ctx.model),
};
