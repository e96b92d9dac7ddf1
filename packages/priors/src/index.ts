/**
 * `@spam/priors`: zero-mean Gaussian priors N(0, diag(δ)⁻¹) over a tfjs-layers model's
 * parameters, with learnable log-precisions shared as one scalar, per parameter tensor
 * (layer-wise), per unit (log δ_{i,o} = a_o + b_i) or per parameter.
 * @packageDocumentation
 */
export { Prior, initialLogPrecision, type PrecisionStats, type PriorJSON, type PriorOptions, type PriorParam, type PriorStructure } from './prior.js';
export { ScalarPrior, scalarPrior } from './scalar.js';
export { LayerwisePrior, layerwisePrior } from './layerwise.js';
export { UnitwisePrior, unitwisePrior } from './unitwise.js';
export { ParameterwisePrior, parameterwisePrior } from './parameterwise.js';
export { createPrior, PRIOR_STRUCTURES } from './create.js';
export { priorFromJSON, type FromJSONOptions } from './json.js';
export { PriorMismatchError } from './errors.js';
