import type { PriorDefinition } from './definition.js';
import { scalarDefinition } from './scalar.js';
import { layerwiseDefinition } from './layerwise.js';
import { unitwiseDefinition } from './unitwise.js';
import { parameterwiseDefinition } from './parameterwise.js';

/**
 * Every prior structure, keyed by its name (the `structure` field of the prior and of its JSON).
 * Adding a prior: write its file (class with `structure = '<name>' as const` and its
 * {@link PriorDefinition}), then add one line here; `createPrior`, `priorFromJSON`,
 * {@link PriorStructure} and {@link PRIOR_STRUCTURES} follow.
 */
export const PRIOR_REGISTRY = {
  scalar: scalarDefinition,
  layerwise: layerwiseDefinition,
  unitwise: unitwiseDefinition,
  parameterwise: parameterwiseDefinition,
} as const;

/** How the prior precisions are shared: a key of {@link PRIOR_REGISTRY}. */
export type PriorStructure = keyof typeof PRIOR_REGISTRY;

/** The prior class a structure builds, e.g. `PriorOf<'unitwise'>` is `UnitwisePrior`. */
export type PriorOf<S extends PriorStructure> = ReturnType<(typeof PRIOR_REGISTRY)[S]['create']>;

/** Every prior structure (registry order), for option validation and loops. */
export const PRIOR_STRUCTURES: readonly PriorStructure[] = Object.freeze(Object.keys(PRIOR_REGISTRY) as PriorStructure[]);

/** Whether `name` is a registered prior structure (own keys only: `'toString'` is not one). */
export function isPriorStructure(name: unknown): name is PriorStructure {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(PRIOR_REGISTRY, name);
}

/** The definition of a registered structure (check it with {@link isPriorStructure} first). */
export function priorDefinition<S extends PriorStructure>(structure: S): PriorDefinition<PriorOf<S>> {
  return PRIOR_REGISTRY[structure] as unknown as PriorDefinition<PriorOf<S>>;
}
