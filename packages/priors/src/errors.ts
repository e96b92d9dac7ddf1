import { SpamError } from '@spam/core';

/** A prior (or its JSON) does not fit the model's parameters: names, shapes or structure differ. */
export class PriorMismatchError extends SpamError {
  constructor(message: string, code = 'PRIOR_MISMATCH') {
    super(code, message);
  }
}

/**
 * A prior JSON is malformed: a field is missing, has the wrong type or length, holds a
 * non-finite value, or a log-precision outside [−87, 88]. A subclass of {@link PriorMismatchError}
 * (so `catch (e instanceof PriorMismatchError)` still sees it), with code `'PRIOR_FORMAT'` and the
 * offending field's path, e.g. `params[2].shape` or `logPrecisions[1]`.
 */
export class PriorFormatError extends PriorMismatchError {
  /** Path of the offending field in the JSON, e.g. `logPrecisions[3]`. */
  readonly field: string;
  constructor(field: string, message: string) {
    super(`prior JSON field '${field}': ${message}`, 'PRIOR_FORMAT');
    this.field = field;
  }
}
