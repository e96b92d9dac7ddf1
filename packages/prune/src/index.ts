/**
 * `@spam/prune`: pruning scores — OPD (Optimal Posterior Damage, θ²·diag of the Laplace posterior
 * precision) and the baselines OBD, magnitude, random, SNIP, GraSP, SynFlow — masks (global or per
 * layer, exact counts, N:M), keeping masks applied during training, sparsity schedules and
 * one-shot sweeps over a sparsity grid.
 * @packageDocumentation
 */
export { ParamScores, scoredParams, type Criterion, type ScoredParam } from './scores/scores.js';
export { opdScores, type OpdOptions } from './scores/opd.js';
export { posteriorPrecisionDiagonal, type KronDiagonal, type PrecisionDiagonalOptions } from './scores/precision.js';
export { obdScores } from './scores/obd.js';
export { criterionScores, CRITERIA, type CriterionContext } from './scores/by-criterion.js';
export { CRITERIA_REGISTRY } from './scores/criteria.js';
export type { CriterionNeed, CriterionSpec } from './scores/criterion.js';
export { magnitudeScores } from './scores/magnitude.js';
export { randomScores, type RandomScoreOptions } from './scores/random.js';
export { snipScores, type GradientScoreOptions } from './scores/snip.js';
export { graspScores } from './scores/grasp.js';
export { synflowScores, type SynflowOptions } from './scores/synflow.js';
export { MaskMismatchError } from './errors.js';
export { Mask } from './masks/mask.js';
export { scoreMask, globalMask, layerMask, checkSparsity, pruneCount, type MaskOptions } from './masks/select.js';
export { nmMask, type NmOptions } from './masks/nm.js';
export { applyMask, MaskApplier } from './masks/apply.js';
export { sparsityReport, formatSparsityReport, type SparsityCount, type SparsityReport } from './masks/report.js';
export { polynomialSchedule, oneShotSchedule, type PolynomialScheduleOptions, type SparsitySchedule } from './schedule/polynomial.js';
export { gradualPruning, GradualPruning, type GradualPruningOptions } from './schedule/gradual.js';
export { sparsitySweep, PAPER_SPARSITIES, type SweepOptions, type SweepRow } from './sweep.js';
