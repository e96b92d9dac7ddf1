import * as tf from '@tensorflow/tfjs-core';
import type { Laplace } from '@spam/laplace';
import { ParamScores, scoredParams } from './scores.js';
import type { CriterionSpec } from './criterion.js';

/**
 * OBD (Optimal Brain Damage): score_i = ½·θ_i²·s·h_ii with s·h the likelihood curvature diagonal
 * (GGN, MC or EF, as the Laplace was fitted; no prior) at the fitted θ.
 */
export function obdScores(laplace: Laplace): ParamScores {
  const blocks = tf.tidy(() => {
    const h = laplace.diagonal();
    const half = 0.5 * laplace.hFactor;
    return laplace.params.map((p, i) =>
      tf.mul(tf.mul(half, tf.square(laplace.theta[i])), tf.reshape(tf.slice(h, p.offset, p.size), p.shape)),
    );
  });
  return new ParamScores('obd', scoredParams(laplace.params), blocks);
}

/** `obd` in the criterion registry (needs `laplace`). */
export const obdCriterion: CriterionSpec = {
  needs: ['laplace'],
  description: 'OBD ½θ²·s·h, the likelihood curvature diagonal (no prior)',
  score: (ctx) => obdScores(ctx.laplace!),
};
