import { InvalidDataError, InvalidOptionError } from '@spam/core';
import type { ParamScores } from './scores.js';
import type { CriterionContext, CriterionNeed } from './criterion.js';
import { CRITERIA, CRITERIA_REGISTRY, type Criterion } from './criteria.js';

export type { CriterionContext } from './criterion.js';
export { CRITERIA } from './criteria.js';

const MISSING: Record<CriterionNeed, (c: string) => Error> = {
  laplace: (c) => new InvalidOptionError(`criterion '${c}' needs a fitted Laplace (ctx.laplace)`),
  prior: (c) => new InvalidOptionError(`criterion '${c}' needs the prior (ctx.prior: a Prior or a constant δ)`),
  data: (c) => new InvalidDataError(`criterion '${c}' needs training data (ctx.data)`),
};

/**
 * The scores of a criterion by name — `opd` θ²·diag(P), `obd` ½θ²·s·h, `magnitude` |θ|, `random`,
 * `snip` |θ·g|, `grasp` θ·Hg, `synflow` — from the parts of `ctx` it needs; a typed error names a
 * missing part (e.g. GraSP without data) or an unknown criterion.
 */
export async function criterionScores(criterion: Criterion, ctx: CriterionContext): Promise<ParamScores> {
  const spec = Object.hasOwn(CRITERIA_REGISTRY, criterion) ? CRITERIA_REGISTRY[criterion] : undefined;
  if (!spec) throw new InvalidOptionError(`unknown criterion '${String(criterion)}'; valid: ${CRITERIA.join(', ')}`);
  if (ctx === null || typeof ctx !== 'object')
    throw new InvalidOptionError(
      `criterionScores needs a context object {model, likelihood, …}, got ${ctx === null ? 'null' : typeof ctx}`,
    );
  const missing = spec.needs.find((need) => ctx[need] === undefined);
  if (missing) throw MISSING[missing](criterion);
  return spec.score(ctx);
}
