import { InvalidOptionError, type ModelLike } from '@spam/core';
import type { PriorOptions } from './prior.js';
import { initialLogPrecision } from './bounds.js';
import { buildPrior, modelParams } from './definition.js';
import { isPriorStructure, priorDefinition, PRIOR_STRUCTURES, type PriorOf, type PriorStructure } from './registry.js';

export { PRIOR_STRUCTURES };

/**
 * One factory over every registered structure ({@link PRIOR_STRUCTURES}). Throws
 * `InvalidOptionError` for an unknown structure or a precision outside [e^−87, e^88]
 * ≈ [1.65e−38, 1.65e38], `DisposedError` for a disposed model.
 */
export function createPrior<S extends PriorStructure>(model: ModelLike, structure: S, options: PriorOptions = {}): PriorOf<S> {
  if (!isPriorStructure(structure)) {
    throw new InvalidOptionError(`prior structure must be one of ${PRIOR_STRUCTURES.join(', ')}, got '${String(structure)}'`);
  }
  const l0 = initialLogPrecision(options, `${structure} prior`);
  return buildPrior(priorDefinition(structure), modelParams(model), l0);
}
