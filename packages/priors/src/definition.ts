import * as tf from '@tensorflow/tfjs-core';
import type { Variable } from '@tensorflow/tfjs-core';
import { assertModelUsable, buildModelAdapter, type ModelLike, type ParamBlock } from '@spam/core';
import type { Prior, PriorParam } from './prior.js';

/** One learnable variable of a prior: its shape and its value for δ = δ₀ everywhere. */
export interface PriorVariableSpec {
  /** Variable shape. */
  shape: number[];
  /** The initial value, given log δ₀ (e.g. log δ₀ itself, or ½·log δ₀ for a summand). */
  init: number;
  /** Short label; the variable is named `spam_prior_<label>_<n>`. */
  label: string;
}

/**
 * How one prior structure is built: the one thing a prior file exports besides its class, and
 * what the registry (`registry.ts`) holds. `createPrior`, the structure's own factory and
 * `priorFromJSON` all go through it, so a new prior is its file plus one registry line.
 */
export interface PriorDefinition<P extends Prior = Prior> {
  /** The prior's learnable variables for these parameters, in its variable order. */
  variables(params: readonly PriorParam[], logPrecision0: number): PriorVariableSpec[];
  /** Wraps fresh variables (in the order of {@link variables}) into the prior; takes ownership. */
  create(params: readonly PriorParam[], variables: Variable[]): P;
}

/** The canonical parameters of a model (model order, kernel then bias); `DisposedError` for a disposed model. */
export function modelParams(model: ModelLike): readonly ParamBlock[] {
  assertModelUsable(model);
  return buildModelAdapter(model).params;
}

let counter = 0;
/** A new trainable variable named for the prior, initialised from (and consuming) `init`. */
export function logPrecisionVariable(init: tf.Tensor, label: string): Variable {
  const v = tf.variable(init, true, `spam_prior_${label}_${counter++}`);
  init.dispose();
  return v;
}

/**
 * Builds a prior from its definition: variables filled with their initial values for log δ₀, or
 * with `values` (one flat array per variable, already checked for length). Frees the variables
 * made so far if anything throws.
 */
export function buildPrior<P extends Prior>(
  def: PriorDefinition<P>,
  params: readonly PriorParam[],
  logPrecision0: number,
  values?: readonly number[][],
): P {
  const specs = def.variables(params, logPrecision0);
  const vars: Variable[] = [];
  try {
    specs.forEach((s, i) => {
      const init = values ? tf.tensor(values[i], s.shape, 'float32') : tf.fill(s.shape, s.init, 'float32');
      vars.push(logPrecisionVariable(init, s.label));
    });
    return def.create(params, vars);
  } catch (e) {
    tf.dispose(vars);
    throw e;
  }
}
