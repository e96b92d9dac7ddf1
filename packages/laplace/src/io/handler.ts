import { InvalidOptionError } from '@spam/core';
import type { LaplaceArtifacts } from './format.js';

/** What a handler reports after saving. */
export interface LaplaceSaveResult {
  /** Bytes of the manifest's JSON text. */
  manifestBytes: number;
  /** Bytes of the weights buffer. */
  weightBytes: number;
}

/**
 * Where a saved Laplace goes and comes from, in the style of `tf.io.IOHandler`: `save` receives
 * the finished artifacts (a JSON-serialisable manifest and one `ArrayBuffer`) and stores both;
 * `load` returns them as stored (`loadLaplace` checks everything it gets, so a handler does not
 * need to validate). A handler for another store (IndexedDB, a URL, a cloud bucket) is an object
 * with these two methods; it should write all-or-nothing (e.g. a temporary name, then a rename).
 */
export interface LaplaceIOHandler {
  /** Stores the artifacts. */
  save?(artifacts: LaplaceArtifacts): Promise<LaplaceSaveResult>;
  /**
   * Returns stored artifacts (unchecked: `loadLaplace` validates the manifest and the buffer): the
   * manifest as an object or as its JSON text, and where they came from when known (file names,
   * quoted in error messages).
   */
  load?(): Promise<{ manifest: unknown; weightData: unknown; sources?: { manifest?: string; weights?: string } }>;
}

/** A handler that keeps the artifacts in memory (see {@link toMemory}). */
export interface MemoryLaplaceHandler extends LaplaceIOHandler {
  /** The artifacts of the last save (independent copies), or undefined before the first. */
  artifacts?: LaplaceArtifacts;
}

/** Bytes of the manifest as JSON text (UTF-8). */
export function manifestBytes(manifest: object): number {
  return new TextEncoder().encode(JSON.stringify(manifest)).byteLength;
}

/**
 * A handler that saves into memory: after `saveLaplace(la, h = toMemory())`, `h.artifacts` holds
 * a copy of the manifest and of the weights buffer; the same handler also loads them back.
 */
export function toMemory(): MemoryLaplaceHandler {
  const handler: MemoryLaplaceHandler = {
    save(artifacts) {
      handler.artifacts = copyArtifacts(artifacts);
      return Promise.resolve({ manifestBytes: manifestBytes(artifacts.manifest), weightBytes: artifacts.weightData.byteLength });
    },
    load() {
      if (!handler.artifacts) return Promise.reject(new InvalidOptionError('toMemory handler: nothing has been saved into it yet'));
      return Promise.resolve(copyArtifacts(handler.artifacts));
    },
  };
  return handler;
}

/**
 * A handler that loads the given artifacts (e.g. `toMemory().artifacts`, or a manifest object and
 * an `ArrayBuffer` from any other store). They are checked when `loadLaplace` reads them.
 */
export function fromMemory(artifacts: { manifest: unknown; weightData: unknown }): LaplaceIOHandler {
  if (artifacts === null || typeof artifacts !== 'object')
    throw new InvalidOptionError(`fromMemory needs {manifest, weightData}, got ${artifacts === null ? 'null' : typeof artifacts}`);
  return { load: () => Promise.resolve({ manifest: artifacts.manifest, weightData: artifacts.weightData }) };
}

function copyArtifacts(a: LaplaceArtifacts): LaplaceArtifacts {
  return { manifest: JSON.parse(JSON.stringify(a.manifest)) as LaplaceArtifacts['manifest'], weightData: a.weightData.slice(0) };
}
