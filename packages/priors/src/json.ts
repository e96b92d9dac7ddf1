import * as tf from '@tensorflow/tfjs-core';
import type { ModelLike } from '@spam/core';
import { PriorMismatchError } from './errors.js';
import { modelParams, type Prior, type PriorJSON, type PriorStructure } from './prior.js';
import { createPrior, PRIOR_STRUCTURES } from './create.js';

/** Options of {@link priorFromJSON}. */
export interface FromJSONOptions {
  /** Match parameters by position and shape only (layer names may differ, e.g. auto-generated). Default false. */
  ignoreNames?: boolean;
}

/**
 * Rebuilds a prior for `model` from {@link Prior.toJSON} output. Throws `PriorMismatchError` when
 * the structure is unknown or the model's parameters (names, shapes, count) differ from the recorded ones.
 */
export function priorFromJSON(model: ModelLike, json: PriorJSON, options: FromJSONOptions = {}): Prior {
  if (!json || json.format !== 'spam-prior') throw new PriorMismatchError('not a SpaM prior JSON (format must be "spam-prior")');
  if (!PRIOR_STRUCTURES.includes(json.structure)) {
    throw new PriorMismatchError(`unknown prior structure '${String(json.structure)}' (expected one of ${PRIOR_STRUCTURES.join(', ')})`);
  }
  const params = modelParams(model);
  if (params.length !== json.params.length) {
    throw new PriorMismatchError(`the prior covers ${json.params.length} parameter tensors but the model has ${params.length}`);
  }
  params.forEach((p, i) => {
    const r = json.params[i];
    if (!options.ignoreNames && p.name !== r.name) {
      throw new PriorMismatchError(`parameter ${i} is '${p.name}' in the model but '${r.name}' in the prior (pass ignoreNames to match by position)`);
    }
    if (p.shape.join(',') !== r.shape.join(',') || p.role !== r.role) {
      throw new PriorMismatchError(`parameter '${p.name}' has shape [${p.shape}] (${p.role}) but the prior was built for [${r.shape}] (${r.role})`);
    }
  });
  const prior = createPrior(model, json.structure as PriorStructure);
  if (prior.variables.length !== json.logPrecisions.length) {
    prior.dispose();
    throw new PriorMismatchError(`a ${json.structure} prior has ${prior.variables.length} variables, the JSON ${json.logPrecisions.length}`);
  }
  prior.variables.forEach((v, i) => {
    const values = json.logPrecisions[i];
    if (values.length !== v.size || values.some((x) => !Number.isFinite(x))) {
      prior.dispose();
      throw new PriorMismatchError(`log-precision block ${i} must hold ${v.size} finite values`);
    }
    tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
  });
  return prior;
}
