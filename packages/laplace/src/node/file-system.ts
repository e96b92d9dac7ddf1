import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InvalidOptionError } from '@spam/core';
import { laplaceFileNames } from '../io/browser.js';
import { manifestBytes, type LaplaceIOHandler } from '../io/handler.js';
import { LaplaceFileError } from './fs-errors.js';
import { checkDirArg, ensureTargetDir, existingDir, existingFileInside, fileInside, prepareFile, writeReplacing } from './fs-paths.js';

/** Options of {@link fileSystem}. */
export interface LaplaceFileSystemOptions {
  /**
   * Base name of the two files inside the directory: `<name>.json` (manifest) and
   * `<name>.weights.bin` (weights), as `browserDownloads` names them. Default `'laplace'`.
   */
  name?: string;
}

const reason = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * A Node handler that saves a Laplace into a directory and loads it back: `<name>.json` (the
 * manifest) and `<name>.weights.bin` (the float32 buffer). `await saveLaplace(la, fileSystem(dir))`;
 * `await loadLaplace(fileSystem(dir), model)`.
 *
 * Guarantees: both files lie inside `dir` (a `name` that is absolute, climbs out with `..` or runs
 * through a symbolic link leading outside: `PathEscapeError`); on save the directory is created
 * (not on `/proc`, `/sys`, `/dev` or another pseudo file system: `TargetDirError`) and each file is
 * written to a temporary name and renamed, weights first, so no file is ever partial and a manifest
 * never points at half-written weights (the manifest's checksum of the weights catches a pair from
 * two different saves); on load both must be regular files (`LaplaceFileError`); `loadLaplace` then
 * checks everything else (`LaplaceFormatError` naming the file).
 */
export function fileSystem(dirArg: string, options: LaplaceFileSystemOptions = {}): LaplaceIOHandler {
  const dir = resolve(checkDirArg(dirArg));
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('fileSystem options must be an object {name}');
  const name = options.name ?? 'laplace';
  if (typeof name !== 'string' || name.length === 0)
    throw new InvalidOptionError(`fileSystem option name must be a non-empty string, got ${String(name)}`);
  const files = laplaceFileNames(name);
  const manifestPath = fileInside('manifest file', files.manifest, dir);
  const weightsPath = fileInside('weights file', files.weights, dir);
  return {
    async save(artifacts) {
      const realRoot = await ensureTargetDir(dir);
      const weightsTarget = await prepareFile('weights file', files.weights, weightsPath, dir, realRoot);
      const manifestTarget = await prepareFile('manifest file', files.manifest, manifestPath, dir, realRoot);
      const text = JSON.stringify(artifacts.manifest);
      await writeReplacing(weightsTarget, new Uint8Array(artifacts.weightData), dir);
      await writeReplacing(manifestTarget, text, dir);
      return { manifestBytes: manifestBytes(artifacts.manifest), weightBytes: artifacts.weightData.byteLength };
    },
    async load() {
      const realRoot = await existingDir(dir);
      const m = await existingFileInside('manifest file', files.manifest, manifestPath, dir, realRoot);
      const w = await existingFileInside('weights file', files.weights, weightsPath, dir, realRoot);
      const read = async (path: string, real: string) => {
        try {
          return await readFile(real);
        } catch (e) {
          throw new LaplaceFileError(path, `cannot read the file: ${reason(e)}`, { cause: e });
        }
      };
      // The JSON text as is: loadLaplace parses it (a LaplaceFormatError naming this file if it is not JSON).
      const manifest = (await read(manifestPath, m.real)).toString('utf8');
      const buf = await read(weightsPath, w.real);
      const weightData = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
      return { manifest, weightData, sources: { manifest: manifestPath, weights: weightsPath } };
    },
  };
}
