/** Every pruning criterion's scores for one trained net, timed. */
import type * as tf from '@tensorflow/tfjs';
import type { Laplace } from '@spam/laplace';
import type { Prior } from '@spam/priors';
import {
  graspScores,
  magnitudeScores,
  obdScores,
  opdScores,
  randomScores,
  snipScores,
  synflowScores,
  type Criterion,
  type ParamScores,
} from '@spam/prune';

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
  const data = { xs: ctx.xs, ys: ctx.ys, batchSize: 100 };
  let scores: ParamScores;
  switch (criterion) {
    case 'opd':
      scores = opdScores(ctx.laplace, ctx.prior, { kronDiagonal: ctx.kronDiagonal });
      break;
    case 'obd':
      scores = obdScores(ctx.laplace);
      break;
    case 'magnitude':
      scores = magnitudeScores(model);
      break;
    case 'random':
      scores = randomScores(model, { seed: ctx.seed });
      break;
    case 'snip':
      scores = await snipScores(model, data, { likelihood: 'classification' });
      break;
    case 'grasp':
      scores = await graspScores(model, data, { likelihood: 'classification' });
      break;
    case 'synflow':
      scores = synflowScores(model);
      break;
  }
  return { scores, ms: performance.now() - t0 };
}
