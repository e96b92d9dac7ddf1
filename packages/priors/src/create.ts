import { InvalidOptionError, type ModelLike } from '@spam/core';
import type { Prior, PriorOptions, PriorStructure } from './prior.js';
import { scalarPrior } from './scalar.js';
import { layerwisePrior } from './layerwise.js';
import { unitwisePrior } from './unitwise.js';
import { parameterwisePrior } from './parameterwise.js';

/** Every prior structure, for option validation and loops. */
export const PRIOR_STRUCTURES: readonly PriorStructure[] = ['scalar', 'layerwise', 'unitwise', 'parameterwise'];

/** One factory over the four structures. */
export function createPrior(model: ModelLike, structure: PriorStructure, options: PriorOptions = {}): Prior {
  switch (structure) {
    case 'scalar':
      return scalarPrior(model, options);
    case 'layerwise':
      return layerwisePrior(model, options);
    case 'unitwise':
      return unitwisePrior(model, options);
    case 'parameterwise':
      return parameterwisePrior(model, options);
    default:
      throw new InvalidOptionError(`prior structure must be one of ${PRIOR_STRUCTURES.join(', ')}, got '${String(structure)}'`);
  }
}
