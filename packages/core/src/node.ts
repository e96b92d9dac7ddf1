/**
 * `@spam/core/node`: the Node-only helpers the packages' file handlers share (`fileSystem(dir)` of
 * `@spam/laplace/node` and `@spam/structured/node`): path checks that keep every file inside the
 * directory, target directories created without the pseudo-file-system hang, and their errors.
 * Kept out of the main entry so that `@spam/core` stays browser-safe (no `node:` imports).
 * @packageDocumentation
 */
export { PathEscapeError, TargetDirError } from './node/fs-errors.js';
export {
  checkDirArg,
  ensureTargetDir,
  existingDir,
  existingFileInside,
  fileInside,
  isInside,
  prepareFile,
  pseudoFileSystem,
  pseudoFsByStatfs,
  type FileErrorClass,
} from './node/fs-paths.js';
export { writeReplacing } from './node/fs-write.js';
