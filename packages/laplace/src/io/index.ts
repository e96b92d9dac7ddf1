/**
 * Saving and loading a fitted Laplace (and a prior): the versioned format, `saveLaplace` /
 * `loadLaplace`, and the browser-safe handlers. The Node file-system handler is in `@spam/laplace/node`.
 * @packageDocumentation
 */
export { saveLaplace, type SaveLaplaceOptions } from './save.js';
export { loadLaplace, type LoadedLaplace } from './load.js';
export { fromMemory, toMemory, type LaplaceIOHandler, type LaplaceSaveResult, type MemoryLaplaceHandler } from './handler.js';
export { browserDownloads, browserFiles, laplaceFileNames, type DownloadHost, type NamedBlob } from './browser.js';
export {
  LAPLACE_FORMAT,
  LAPLACE_FORMAT_VERSION,
  type LaplaceArtifacts,
  type LaplaceManifest,
  type SavedParam,
  type SavedTensorSpec,
} from './format.js';
export { LAPLACE_CODECS, type LaplaceCodec, type LayoutEntry } from './codecs.js';
export { LaplaceFormatError, LaplaceMismatchError, LaplaceVersionError } from './errors.js';
