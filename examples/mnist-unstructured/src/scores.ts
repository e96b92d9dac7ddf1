/** Every pruning criterion's scores for one trained net, timed. */
import type * as tf from '@tensorflow/tfjs';
import type { Laplace } from '@spam/laplace';
import type { Prior } from '@spam/priors';
import { criterionScores, type Criterion, type ParamScores } from '@spam/prune';

/** What the criteria need besides the net. */
export interface ScoreContext {
  /** The Laplace `marglikTraining` refitted at the final weights (OPD, OBD). */
  laplace: Laplace;
  /** Its prior (learned by SpaM; δ₀ for MAP). */
  prior: Prior;
  /** Training examples for SNIP and GraSP. */
  xs: tf.Tensor;
  ys: tf.Tensor;
  seed: number;
  /** OPD's `kron` diagonal. */
  kronDiagonal: 'exact' | 'eigen';
}

/** Scores of one criterion and the wall time it took (ms). */
export interface TimedScores {
  scores: ParamScores;
  ms: number;
}

/**
 * The scores of `criterion`: OPD θ²·diag(P) and OBD ½θ²·s·h from the training's own Laplace
 * (no extra pass), magnitude |θ|, random (seeded), SNIP |θ·g| and GraSP θ·Hg on the given
 * examples in batches of 100, SynFlow on an all-ones input.
 */
export async function scoreModel(model: tf.LayersModel, criterion: Criterion, ctx: ScoreContext): Promise<TimedScores> {
  const t0 = performance.now();
  const scores = await criterionScores(criterion, {
    model,
    likelihood: 'classification',
    laplace: ctx.laplace,
    prior: ctx.prior,
    data: { xs: ctx.xs, ys: ctx.ys, batchSize: 100 },
    seed: ctx.seed,
    kronDiagonal: ctx.kronDiagonal,
  });
  return { scores, ms: performance.now() - t0 };
}
