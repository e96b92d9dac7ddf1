/**
 * Every pruning criterion, keyed by the name users pass to `criterionScores`, `sparsitySweep`
 * reports and the `spam` CLI. This record is the one registration point: to add a criterion,
 * write its file beside `opd.ts` (the scoring function plus a `CriterionSpec`) and add one entry
 * here; the `Criterion` union and the `CRITERIA` list derive from it.
 * @packageDocumentation
 */
import type { CriterionSpec } from './criterion.js';
import { opdCriterion } from './opd.js';
import { obdCriterion } from './obd.js';
import { magnitudeCriterion } from './magnitude.js';
import { randomCriterion } from './random.js';
import { snipCriterion } from './snip.js';
import { graspCriterion } from './grasp.js';
import { synflowCriterion } from './synflow.js';

/** Every criterion, in a stable order. */
export const CRITERIA_REGISTRY = {
  opd: opdCriterion,
  obd: obdCriterion,
  magnitude: magnitudeCriterion,
  random: randomCriterion,
  snip: snipCriterion,
  grasp: graspCriterion,
  synflow: synflowCriterion,
} as const satisfies Record<string, CriterionSpec>;

/** The pruning criteria this package implements (higher score = more important = kept). */
export type Criterion = keyof typeof CRITERIA_REGISTRY;

/** Every criterion `criterionScores` knows, in a stable order. */
export const CRITERIA = Object.keys(CRITERIA_REGISTRY) as readonly Criterion[];
