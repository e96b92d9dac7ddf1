/**
 * The errors of the Node file handlers' path checks (`@spam/laplace/node`, `@spam/structured/node`):
 * one class per idea, so `instanceof PathEscapeError` holds whichever package raised it.
 * @packageDocumentation
 */
// The package's own main entry (not '../errors.js'): the build leaves it external, so this entry
// and `@spam/core` share one `SpamError` class in the ESM and the CJS build alike.
import { SpamError } from '@spam/core';

/**
 * A file path of a `fileSystem(dir)` handler resolves outside `dir`: a file name option or a
 * manifest path that is absolute or climbs out with `..`, or a path inside `dir` that is (or runs
 * through) a symbolic link leading outside it. Nothing is read or written. Code `'PATH_ESCAPE'`.
 */
export class PathEscapeError extends SpamError {
  /** The offending path as given (option value or manifest entry). */
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
 * A `fileSystem(dir)` handler cannot save into `dir`: it (or its nearest existing ancestor) is on
 * a kernel pseudo file system (`/proc`, `/sys`, `/dev`, cgroup, debugfs, …), an ancestor is not a
 * directory, or creating the directory or writing a file failed (the cause is in the message and
 * in `cause`). Code `'TARGET_DIR'`.
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
