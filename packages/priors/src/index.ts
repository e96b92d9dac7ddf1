/**
 * `@spam/priors`: zero-mean Gaussian priors N(0, diag(δ)⁻¹) over a tfjs-layers model's
 * parameters, with learnable log-precisions shared as one scalar, per parameter tensor
 * (layer-wise), per unit (log δ_{i,o} = a_o + b_i) or per parameter.
 * @packageDocumentation
 */
export { Prior, type PrecisionStats, type PriorJSON, type PriorOptions, type PriorParam } from './prior.js';
export {
  initialLogPrecision,
  precisionRangeViolation,
  MIN_LOG_PRECISION,
  MAX_LOG_PRECISION,
  MIN_PRECISION,
  MAX_PRECISION,
  type PrecisionViolation,
} from './bounds.js';
export { buildPrior, type PriorDefinition, type PriorVariableSpec } from './definition.js';
export { PRIOR_REGISTRY, isPriorStructure, type PriorOf, type PriorStructure } from './registry.js';
export { ScalarPrior, scalarPrior, scalarDefinition } from './scalar.js';
export { LayerwisePrior, layerwisePrior, layerwiseDefinition } from './layerwise.js';
export { UnitwisePrior, unitwisePrior, unitwiseDefinition } from './unitwise.js';
export { ParameterwisePrior, parameterwisePrior, parameterwiseDefinition } from './parameterwise.js';
export { createPrior, PRIOR_STRUCTURES } from './create.js';
export { priorFromJSON, type FromJSONOptions } from './json.js';
export { parsePriorJSON } from './json-parse.js';
export { PriorFormatError, PriorMismatchError } from './errors.js';
