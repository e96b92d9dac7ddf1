import { SpamError } from '@spam/core';

/** A prior (or its JSON) does not fit the model's parameters: names, shapes or structure differ. */
export class PriorMismatchError extends SpamError {
  constructor(message: string) {
    super('PRIOR_MISMATCH', message);
  }
}
