import { SpamError } from '@spam/core';

// One class per idea, shared with `@spam/structured/node`: `instanceof PathEscapeError` holds
// whichever package raised it.
export { PathEscapeError, TargetDirError } from '@spam/core/node';

/**
 * The `fileSystem(dir)` handler cannot read a saved Laplace: the directory or a file is missing,
 * not a regular file or unreadable. (A file that is read but malformed, truncated or corrupted is a
 * `LaplaceFormatError` naming the file.) Code `'LAPLACE_FILE'`.
 */
export class LaplaceFileError extends SpamError {
  /** The file (or directory) at fault. */
  readonly file: string;
  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super('LAPLACE_FILE', `'${file}': ${reason}`);
    this.file = file;
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}
