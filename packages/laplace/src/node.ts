/**
 * `@spam/laplace/node`: the Node file-system handler for saved Laplaces (`fileSystem(dir)`) and
 * its path checks. Kept out of the main entry so that `@spam/laplace` stays browser-safe.
 * @packageDocumentation
 */
export { fileSystem, type LaplaceFileSystemOptions } from './node/file-system.js';
export { LaplaceFileError, PathEscapeError, TargetDirError } from './node/fs-errors.js';
export { ensureTargetDir } from './node/fs-paths.js';
