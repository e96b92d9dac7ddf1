/**
 * Path checks and directory creation for the Node file handler: the shared ones of
 * `@spam/core/node`, with the load-side checks raising {@link ModelFileError}.
 * @packageDocumentation
 */
import { existingDir as existingDirOf, existingFileInside as existingFileInsideOf } from '@spam/core/node';
import { ModelFileError } from './fs-errors.js';

export { checkDirArg, ensureTargetDir, fileInside, prepareFile, pseudoFsByStatfs, writeReplacing } from '@spam/core/node';

/**
 * For loading: the real path of the file `abs` (named `name` in `what`), which must exist, be a
 * regular file and lie inside `realRoot` after following symbolic links. Throws `PathEscapeError`
 * or {@link ModelFileError}; returns the real path and the file's size.
 */
export function existingFileInside(what: string, name: string, abs: string, dir: string, realRoot: string) {
  return existingFileInsideOf(what, name, abs, dir, realRoot, ModelFileError);
}

/** For loading: the real path of `dir`, which must be an existing model directory ({@link ModelFileError} otherwise). */
export function existingDir(dir: string): Promise<string> {
  return existingDirOf(dir, ModelFileError, 'model directory');
}
