/**
 * The tfjs-core versions SpaM supports, and a one-time warning when another one is loaded.
 * @packageDocumentation
 */
import { version_core } from '@tensorflow/tfjs-core';

/** The `@tensorflow/tfjs-core` peer range of every `@spam/*` package (tested at both ends). */
export const SUPPORTED_TFJS_CORE_RANGE = '>=4.10.0 <5';

/** Process-wide flag (shared by the ESM and CJS builds, should both be loaded): warned already. */
const WARNED = Symbol.for('@spam/core.tfjsVersionWarned');
const shared = globalThis as typeof globalThis & { [WARNED]?: boolean };

/**
 * Whether a tfjs-core version string (e.g. `'4.22.0'`, `tf.version_core`) lies in
 * {@link SUPPORTED_TFJS_CORE_RANGE}. Anything that is not a version string (null, a number, an
 * array) is not a supported version: false.
 */
export function isSupportedTfjsVersion(version: string): boolean {
  if (typeof version !== 'string') return false;
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
  if (!m) return false;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major === 4 && minor >= 10;
}

/**
 * Checks the loaded tfjs-core version (`tf.version_core`, or `version` when given) and, the first
 * time it is outside {@link SUPPORTED_TFJS_CORE_RANGE}, warns once per process through `warn`
 * (default `console.warn`). SpaM calls it when `@spam/core` is loaded and whenever a model adapter
 * is built; later calls after a warning stay silent. Returns whether the version is supported.
 */
export function checkTfjsVersion(version: string = version_core, warn: (message: string) => void = console.warn): boolean {
  if (isSupportedTfjsVersion(version)) return true;
  if (!shared[WARNED]) {
    shared[WARNED] = true;
    warn(
      `SpaM: @tensorflow/tfjs-core ${version} is outside the supported range ${SUPPORTED_TFJS_CORE_RANGE}; ` +
        'results may be wrong or calls may fail. Install a tfjs 4.x release >= 4.10 (e.g. npm install @tensorflow/tfjs@4).',
    );
  }
  return false;
}

/** Test hook: forgets that the warning was printed. @internal */
export function resetTfjsVersionWarning(): void {
  shared[WARNED] = false;
}
