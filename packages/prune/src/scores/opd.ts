import * as tf from '@tensorflow/tfjs-core';
import type { Prior } from '@spam/priors';
import type { Laplace } from '@spam/laplace';
import { ParamScores, scoredParams } from './scores.js';
import type { CriterionSpec } from './criterion.js';
import { kronDiagonalMode, posteriorPrecisionDiagonal, type PrecisionDiagonalOptions } from './precision.js';

/** Options of {@link opdScores}. */
export type OpdOptions = PrecisionDiagonalOptions;

/**
 * OPD (Optimal Posterior Damage): score_i = θ_i²·P_ii with P = s·H + diag(δ) the Laplace posterior
 * precision at the fitted θ. `prior` is the (learned) prior the curvature goes with, or a constant
 * δ (e.g. δ₀ for a MAP model). For `kron`, P_ii is exact by default (`kronPrior: 'projected'` for
 * the paper's eigen-projected diagonal, labelled `'opd-projected'` so that sweeps and reports keep
 * the two apart).
 */
export function opdScores(laplace: Laplace, prior: Prior | number, options: OpdOptions = {}): ParamScores {
  const mode = kronDiagonalMode(options);
  const diag = posteriorPrecisionDiagonal(laplace, prior, { kronPrior: mode });
  const blocks = tf.tidy(() => diag.map((d, i) => tf.mul(tf.square(laplace.theta[i]), d)));
  tf.dispose(diag);
  // The two kron diagonals are different criteria: label them apart (sweeps, reports).
  return new ParamScores(mode === 'projected' ? 'opd-projected' : 'opd', scoredParams(laplace.params), blocks);
}

/** `opd` in the criterion registry (needs `laplace` and `prior`). */
export const opdCriterion: CriterionSpec = {
  needs: ['laplace', 'prior'],
  description: 'OPD θ²·diag(P), P = s·H + diag(δ) the Laplace posterior precision',
  score: (ctx) => opdScores(ctx.laplace!, ctx.prior!, { kronPrior: ctx.kronPrior, kronDiagonal: ctx.kronDiagonal }),
};
