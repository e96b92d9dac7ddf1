/**
 * Browser handlers for saved Laplaces, in the style of `tf.io.browserDownloads` and
 * `tf.io.browserFiles`: two files, `<name>.json` (the manifest) and `<name>.weights.bin` (the
 * float32 buffer). Browser-safe: no Node imports.
 * @packageDocumentation
 */
import { InvalidOptionError } from '@spam/core';
import { manifestBytes, type LaplaceIOHandler } from './handler.js';

/** The file names a saved Laplace called `name` uses: `<name>.json` and `<name>.weights.bin`. */
export function laplaceFileNames(name: string): { manifest: string; weights: string } {
  return { manifest: `${name}.json`, weights: `${name}.weights.bin` };
}

/** The part of the DOM `browserDownloads` uses (so tests and other hosts can pass their own). */
export interface DownloadHost {
  /** `document.createElement('a')`. */
  createElement(tag: 'a'): { href: string; download: string; click(): void };
}

/**
 * A handler that saves by triggering two browser downloads, `<name>.json` and
 * `<name>.weights.bin` (as `tf.io.browserDownloads` does). Load them back with
 * {@link browserFiles}. Needs a DOM `document` (else pass `host`); `InvalidOptionError` otherwise.
 */
export function browserDownloads(name = 'laplace', host?: DownloadHost): LaplaceIOHandler {
  if (typeof name !== 'string' || name.length === 0 || /[\\/\0]/.test(name))
    throw new InvalidOptionError(`browserDownloads name must be a non-empty file name without slashes, got ${JSON.stringify(name)}`);
  const files = laplaceFileNames(name);
  return {
    save(artifacts) {
      const doc = host ?? (globalThis as { document?: DownloadHost }).document;
      if (!doc || typeof doc.createElement !== 'function' || typeof URL.createObjectURL !== 'function') {
        return Promise.reject(
          new InvalidOptionError('browserDownloads needs a browser document; in Node use fileSystem(dir) from @spam/laplace/node'),
        );
      }
      const json = new Blob([JSON.stringify(artifacts.manifest)], { type: 'application/json' });
      const bin = new Blob([artifacts.weightData], { type: 'application/octet-stream' });
      // The weights first: a manifest never exists without its weights.
      for (const [blob, file] of [
        [bin, files.weights],
        [json, files.manifest],
      ] as const) {
        const url = URL.createObjectURL(blob);
        const a = doc.createElement('a');
        a.download = file;
        a.href = url;
        a.click();
        setTimeout(() => URL.revokeObjectURL(url), 0);
      }
      return Promise.resolve({ manifestBytes: manifestBytes(artifacts.manifest), weightBytes: artifacts.weightData.byteLength });
    },
  };
}

/** A `File` or `Blob` with a name (what an `<input type="file">` gives). */
export interface NamedBlob {
  /** File name. */
  readonly name: string;
  /** The contents as text. */
  text(): Promise<string>;
  /** The contents as bytes. */
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * A handler that loads a saved Laplace from two user-selected files (an `<input type="file"
 * multiple>`'s `FileList`, or any two `File`s): the one whose name ends in `.json` is the manifest,
 * the other the weights. `InvalidOptionError` unless exactly one of two files is a `.json`;
 * `LaplaceFormatError` naming the file when the manifest is not JSON.
 */
export function browserFiles(files: ArrayLike<NamedBlob>): LaplaceIOHandler {
  const list = files && typeof files === 'object' && typeof files.length === 'number' ? Array.from(files) : null;
  if (!list || list.length !== 2 || list.some((f) => typeof f?.name !== 'string' || typeof f.text !== 'function'))
    throw new InvalidOptionError('browserFiles needs two files: the manifest (<name>.json) and the weights (<name>.weights.bin)');
  const json = list.filter((f) => f.name.toLowerCase().endsWith('.json'));
  if (json.length !== 1)
    throw new InvalidOptionError(
      `browserFiles: exactly one of the two files must be the .json manifest, got ${list.map((f) => f.name).join(', ')}`,
    );
  const manifestFile = json[0];
  const weightsFile = list.find((f) => f !== manifestFile)!;
  return {
    async load() {
      const manifest = await manifestFile.text(); // JSON text: loadLaplace parses it
      return { manifest, weightData: await weightsFile.arrayBuffer(), sources: { manifest: manifestFile.name, weights: weightsFile.name } };
    },
  };
}
