import { SpamError } from '@spam/core';

// One class per idea, shared with `@spam/laplace/node`: `instanceof PathEscapeError` holds
// whichever package raised it.
export { PathEscapeError, TargetDirError } from '@spam/core/node';

/**
 * A saved model cannot be loaded by the `fileSystem(dir)` handler: `model.json` is missing, not a
 * regular file, not JSON, or lacks a valid `modelTopology` / `weightsManifest`; a weight spec has a
 * bad name, shape or dtype; a weights file is missing or not a regular file; or the weights files
 * hold a different number of bytes than the manifest's weight specs need (truncated or padded
 * files). No tensor is created. Code `'MODEL_FILE'`.
 */
export class ModelFileError extends SpamError {
  /** The file (or directory) at fault. */
  readonly file: string;
  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super('MODEL_FILE', `'${file}': ${reason}`);
    this.file = file;
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}
