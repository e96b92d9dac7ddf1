/**
 * Path checks and directory creation for the Node file handler: the shared ones of
 * `@spam/core/node`, with the load-side checks raising {@link LaplaceFileError}.
 * @packageDocumentation
 */
import { existingDir as existingDirOf, existingFileInside as existingFileInsideOf } from '@spam/core/node';
import { LaplaceFileError } from './fs-errors.js';

export { checkDirArg, ensureTargetDir, fileInside, prepareFile, writeReplacing } from '@spam/core/node';

/**
 * For loading: the real path of the file `abs` (named `name` in `what`), which must exist, be a
 * regular file and lie inside `realRoot` after following symbolic links. Throws `PathEscapeError`
 * or {@link LaplaceFileError}; returns the real path and the file's size.
 */
export function existingFileInside(what: string, name: string, abs: string, dir: string, realRoot: string) {
  return existingFileInsideOf(what, name, abs, dir, realRoot, LaplaceFileError);
}

/** For loading: the real path of `dir`, which must be an existing directory ({@link LaplaceFileError} otherwise). */
export function existingDir(dir: string): Promise<string> {
  return existingDirOf(dir, LaplaceFileError);
}
