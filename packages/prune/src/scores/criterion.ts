/**
 * What a pruning criterion is, for the registry in `criteria.ts`: the parts of a
 * {@link CriterionContext} it needs and how it scores. A criterion's file exports its scoring
 * function and one {@link CriterionSpec}; `criteria.ts` lists the spec under the criterion's name.
 * @packageDocumentation
 */
import type { DataSource, LikelihoodName, ModelLike } from '@spam/core';
import type { KronPriorMode, Laplace } from '@spam/laplace';
import type { Prior } from '@spam/priors';
import type { ParamScores } from './scores.js';
import type { KronDiagonal } from './precision.js';

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
  /** OPD's `kron` diagonal: `'exact'` (default) or `'projected'`. */
  kronPrior?: KronPriorMode;
  /** @deprecated Use `kronPrior` (`'eigen'` is `'projected'`). */
  kronDiagonal?: KronDiagonal;
  /** Regression noise σ (SNIP/GraSP). */
  sigma?: number;
}

/** A part of the context a criterion cannot score without. */
export type CriterionNeed = 'laplace' | 'prior' | 'data';

/** One pruning criterion, as registered in `CRITERIA_REGISTRY`. */
export interface CriterionSpec {
  /** Context parts that must be present; `criterionScores` names a missing one in a typed error. */
  readonly needs: readonly CriterionNeed[];
  /** One-line description (docs, CLI help). */
  readonly description: string;
  /** The scores (higher = keep), given a context that has every part in {@link CriterionSpec.needs}. */
  score(ctx: CriterionContext): ParamScores | Promise<ParamScores>;
}
