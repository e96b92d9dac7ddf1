import type { ModelLike } from '@spam/core';
import { PriorFormatError, PriorMismatchError } from './errors.js';
import type { Prior, PriorJSON } from './prior.js';
import { buildPrior, modelParams } from './definition.js';
import { describeViolation, precisionRangeViolation } from './bounds.js';
import { priorDefinition } from './registry.js';
import { parsePriorJSON } from './json-parse.js';

/** Options of {@link priorFromJSON}. */
export interface FromJSONOptions {
  /** Match parameters by position and shape only (layer names may differ, e.g. auto-generated). Default false. */
  ignoreNames?: boolean;
}

/**
 * Rebuilds a prior for `model` from {@link Prior.toJSON} output. Throws `PriorFormatError` (a
 * `PriorMismatchError`, code `PRIOR_FORMAT`) naming the field when the JSON is malformed: missing
 * or mistyped fields, an unknown structure, blocks of the wrong count or length, non-finite
 * values, or a log δ outside [−87, 88] (δ outside ≈ [1.65e−38, 1.65e38]); `PriorMismatchError`
 * when the model's parameters (names, shapes, count) differ from the recorded ones;
 * `DisposedError` for a disposed model. Creates no tensor unless it succeeds.
 */
export function priorFromJSON(model: ModelLike, json: PriorJSON, options: FromJSONOptions = {}): Prior {
  const j = parsePriorJSON(json);
  const params = modelParams(model);
  if (params.length !== j.params.length) {
    throw new PriorMismatchError(`the prior covers ${j.params.length} parameter tensors but the model has ${params.length}`);
  }
  params.forEach((p, i) => {
    const r = j.params[i];
    if (!options?.ignoreNames && p.name !== r.name) {
      throw new PriorMismatchError(
        `parameter ${i} is '${p.name}' in the model but '${r.name}' in the prior (pass ignoreNames to match by position)`,
      );
    }
    if (p.shape.join(',') !== r.shape.join(',') || p.role !== r.role) {
      throw new PriorMismatchError(
        `parameter '${p.name}' has shape [${p.shape}] (${p.role}) but the prior was built for [${r.shape}] (${r.role})`,
      );
    }
  });
  const def = priorDefinition(j.structure);
  const specs = def.variables(params, 0);
  if (specs.length !== j.logPrecisions.length) {
    throw new PriorFormatError(
      'logPrecisions',
      `a ${j.structure} prior over these parameters has ${specs.length} variables, the JSON ${j.logPrecisions.length} blocks`,
    );
  }
  specs.forEach((s, i) => {
    const size = s.shape.reduce((a, b) => a * b, 1);
    if (j.logPrecisions[i].length !== size)
      throw new PriorFormatError(
        `logPrecisions[${i}]`,
        `must hold ${size} values (variable shape [${s.shape}]), got ${j.logPrecisions[i].length}`,
      );
  });
  const prior = buildPrior(def, params, 0, j.logPrecisions);
  try {
    const bad = precisionRangeViolation(prior);
    if (bad) throw new PriorFormatError('logPrecisions', `${j.structure} prior: ${describeViolation(bad)}`);
  } catch (e) {
    prior.dispose();
    throw e;
  }
  return prior;
}
