/**
 * The one check of a model input tensor shared by the adapter's forward/predict, the training
 * path (`meanNllGradients`, `trainEpoch`) and `fitLaplace`: a live numeric tensor with at least
 * one example and the model's per-example shape.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { DisposedError, InvalidDataError, ShapeMismatchError } from '../errors.js';

/** What {@link checkModelInput} needs to know about the model (a `ModelAdapter` or `ModelGraph` has it). */
export interface ModelInputSpec {
  /** The model's name, for the message. */
  readonly name?: string;
  /** Per-example input shape. */
  readonly inputShape: readonly number[];
}

/**
 * Throws a typed error unless `x` can be fed to the model: `InvalidDataError` when it is not a
 * tf.Tensor, has a string/complex dtype or no example (0 rows); `DisposedError` when it is
 * disposed; `ShapeMismatchError` (naming expected vs got) when its per-example shape is not the
 * model's. `what` names the argument, e.g. `'inputs (batch 3)'`. Int32/bool inputs are accepted
 * (token ids of an Embedding model; the adapter casts them for a float model). Reads no data.
 */
export function checkModelInput(model: ModelInputSpec, x: unknown, what = 'inputs'): asserts x is Tensor {
  const name = model.name === undefined ? 'the model' : `model '${model.name}'`;
  if (!(x instanceof tf.Tensor)) {
    throw new InvalidDataError(
      `${what} must be a tf.Tensor [N, ${model.inputShape}], got ${x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x}`,
    );
  }
  if (x.isDisposed) throw new DisposedError('tensor', what);
  if (x.dtype === 'string' || x.dtype === 'complex64') {
    throw new InvalidDataError(`${what} must be a numeric tensor (float32, int32 or bool), got dtype ${x.dtype}`);
  }
  const want = model.inputShape;
  const got = x.shape.slice(1);
  if (x.rank === 0 || got.length !== want.length || got.some((d: number, i: number) => d !== want[i])) {
    throw new ShapeMismatchError(
      `${what} have shape [${x.shape}] (per-example [${x.rank === 0 ? 'scalar' : got}]) but ${name} expects [N, ${want}]`,
    );
  }
  if (x.shape[0] === 0) throw new InvalidDataError(`${what} hold no example (0 rows, shape [${x.shape}]); ${name} needs at least one`);
}
