import { SpamError } from '@spam/core';

/** A mask (or score set) was built for another model: parameter names or shapes differ. */
export class MaskMismatchError extends SpamError {
  constructor(message: string) {
    super('MASK_MISMATCH', message);
  }
}
