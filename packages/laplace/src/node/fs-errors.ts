import { SpamError } from '@spam/core';

/**
 * A file path of the `fileSystem(dir)` handler resolves outside `dir`: a `name` option that is
 * absolute or climbs out with `..`, or a path inside `dir` that is (or runs through) a symbolic
 * link leading outside it. Nothing is read or written. Code `'PATH_ESCAPE'`.
 */
export class PathEscapeError extends SpamError {
  /** The offending path as given. */
  readonly path: string;
  /** Where it resolves to (after following symbolic links, when they were the reason). */
  readonly resolved: string;
  /** The handler's directory. */
  readonly dir: string;
  constructor(what: string, path: string, resolved: string, dir: string) {
    super('PATH_ESCAPE', `${what} '${path}' resolves to '${resolved}', outside the directory '${dir}'; file names must stay inside it`);
    this.path = path;
    this.resolved = resolved;
    this.dir = dir;
  }
}

/**
 * The `fileSystem(dir)` handler cannot save into `dir`: it (or its nearest existing ancestor) is
 * on a kernel pseudo file system (`/proc`, `/sys`, `/dev`, …), an ancestor is not a directory, or
 * creating the directory or writing a file failed (the cause is in the message and in `cause`).
 * Code `'TARGET_DIR'`.
 */
export class TargetDirError extends SpamError {
  /** The directory (or file) the save was refused for. */
  readonly path: string;
  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super('TARGET_DIR', `cannot save into '${path}': ${reason}`);
    this.path = path;
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

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
