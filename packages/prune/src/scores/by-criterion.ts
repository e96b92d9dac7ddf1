import { InvalidDataError, InvalidOptionError, type DataSource, type LikelihoodName, type ModelLike } from '@spam/core';
import type { Laplace } from '@spam/laplace';
import type { Prior } from '@spam/priors';
import type { Criterion, ParamScores } from './scores.js';
import { opdScores } from './opd.js';
import { obdScores } from './obd.js';
import { magnitudeScores } from './magnitude.js';
import { randomScores } from './random.js';
import { snipScores } from './snip.js';
import { graspScores } from './grasp.js';
import { synflowScores } from './synflow.js';
import type { KronDiagonal } from './precision.js';

/** Every criterion {@link criterionScores} knows, in a stable order. */
export const CRITERIA: readonly Criterion[] = ['opd', 'obd', 'magnitude', 'random', 'snip', 'grasp', 'synflow'];

/** What the criteria may need; each uses only its part (OPD: laplace + prior; SNIP/GraSP: data). */
export interface CriterionContext {
  model: ModelLike;
  likelihood: LikelihoodName;
  /** A Laplace fitted at the model's weights (OPD, OBD). */
  laplace?: Laplace;
  /** Its prior, or a constant δ (OPD). */
  prior?: Prior | number;
  /** Training data for SNIP and GraSP. */
  data?: DataSource;
  /** Random scores' seed. Default 0. */
  seed?: number;
  /** OPD's `kron` diagonal. Default `'exact'`. */
  kronDiagonal?: KronDiagonal;
  /** Regression noise σ (SNIP/GraSP). */
  sigma?: number;
}

/**
 * The scores of a criterion by name — `opd` θ²·diag(P), `obd` ½θ²·s·h, `magnitude` |θ|, `random`,
 * `snip` |θ·g|, `grasp` θ·Hg, `synflow` — from the parts of `ctx` it needs; a typed error names a
 * missing part (e.g. GraSP without data) or an unknown criterion.
 */
export async function criterionScores(criterion: Criterion, ctx: CriterionContext): Promise<ParamScores> {
  const needLaplace = () => {
    if (!ctx.laplace) throw new InvalidOptionError(`criterion '${criterion}' needs a fitted Laplace (ctx.laplace)`);
    return ctx.laplace;
  };
  const needData = () => {
    if (!ctx.data) throw new InvalidDataError(`criterion '${criterion}' needs training data (ctx.data)`);
    return ctx.data;
  };
  switch (criterion) {
    case 'opd':
      if (ctx.prior === undefined) throw new InvalidOptionError("criterion 'opd' needs the prior (ctx.prior: a Prior or a constant δ)");
      return opdScores(needLaplace(), ctx.prior, { kronDiagonal: ctx.kronDiagonal });
    case 'obd':
      return obdScores(needLaplace());
    case 'magnitude':
      return magnitudeScores(ctx.model);
    case 'random':
      return randomScores(ctx.model, { seed: ctx.seed ?? 0 });
    case 'snip':
      return snipScores(ctx.model, needData(), { likelihood: ctx.likelihood, sigma: ctx.sigma });
    case 'grasp':
      return graspScores(ctx.model, needData(), { likelihood: ctx.likelihood, sigma: ctx.sigma });
    case 'synflow':
      return synflowScores(ctx.model);
    default:
      throw new InvalidOptionError(`unknown criterion '${String(criterion)}'; valid: ${CRITERIA.join(', ')}`);
  }
}
