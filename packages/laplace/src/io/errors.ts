import { SpamError } from '@spam/core';

/**
 * A saved Laplace cannot be read: the manifest is not JSON or lacks / mistypes a field, names an
 * unknown structure, curvature type or likelihood, its tensor specs do not match the structure's
 * layout, the weights buffer has the wrong length (truncated or padded), a checksum does not match
 * (flipped bytes), or a tensor holds NaN/Inf. Nothing is created. Code `'LAPLACE_FORMAT'`, with
 * the path of the offending field (e.g. `tensors[3].shape`, `weights`, `checksum.manifest`).
 */
export class LaplaceFormatError extends SpamError {
  /** Path of the offending field in the manifest, e.g. `tensors[2].byteOffset`; `(root)` for the whole file. */
  readonly field: string;
  /** Where the artifact came from (a file path), when the handler knows it. */
  readonly source?: string;
  constructor(field: string, message: string, source?: string, code = 'LAPLACE_FORMAT') {
    super(code, `${source ? `'${source}': ` : ''}saved Laplace field '${field}': ${message}`);
    this.field = field;
    if (source !== undefined) this.source = source;
  }
}

/**
 * A saved Laplace was written in a format version this build does not read (a newer release of
 * `@spam/laplace` wrote it). A {@link LaplaceFormatError} with field `version` and code
 * `'LAPLACE_VERSION'`; the message names both versions.
 */
export class LaplaceVersionError extends LaplaceFormatError {
  /** The version recorded in the file. */
  readonly version: number;
  /** The newest version this build reads. */
  readonly supported: number;
  constructor(version: number, supported: number, source?: string) {
    super(
      'version',
      `format version ${version} is newer than this build of @spam/laplace reads (version ${supported}); ` +
        'upgrade @spam/laplace to load it',
      source,
      'LAPLACE_VERSION',
    );
    this.version = version;
    this.supported = supported;
  }
}

/**
 * A saved Laplace does not belong to the model it is loaded for: the parameter layout (count,
 * layer names, weight names, shapes, roles, Kronecker or diagonal blocks) differs. The message
 * names the first parameter that differs. Code `'LAPLACE_MISMATCH'`.
 */
export class LaplaceMismatchError extends SpamError {
  constructor(message: string) {
    super('LAPLACE_MISMATCH', message);
  }
}
