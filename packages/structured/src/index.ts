/**
 * `@spam/structured`: structured removal for tfjs-layers models. Element scores (OPD or any
 * `@spam/prune` criterion) are aggregated per unit (Dense neuron, Conv2D channel), the weakest
 * units are chosen per layer or globally, and `pruneUnits` builds a new, smaller dense model whose
 * output equals the unit-masked model's; `countParams` / `countMacs` report the cost. The Node
 * file-system `tf.io` handler is in the subpath `@spam/structured/node`.
 * @packageDocumentation
 */
export { CoupledUnitsError, GroupMaskError } from './errors.js';
export { dependencyGroups, type DependencyGroup, type DependencyGroupOptions, type GroupMember } from './groups/dependency-groups.js';
export {
  groupScores,
  groupMasks,
  type GroupAggregate,
  type GroupScores,
  type GroupScoreOptions,
  type GroupMaskOptions,
} from './groups/group-scores.js';
export type { UnitMasks } from './masks-input.js';
export {
  unitScores,
  randomUnitScores,
  magnitudeUnitScores,
  type UnitAggregate,
  type UnitScores,
  type UnitScoreOptions,
  type RandomUnitScoreOptions,
} from './unit-scores.js';
export { unitMasks, type UnitMaskOptions } from './unit-masks.js';
export { pruneUnits, maskUnits } from './prune-units.js';
export { countParams, countMacs, layerCosts, type LayerCost } from './cost.js';
export * from './protocol/index.js';
