/**
 * Atomic file writes for the Node file handlers (`fileSystem(dir)` of `@spam/laplace/node` and
 * `@spam/structured/node`).
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TargetDirError } from './fs-errors.js';

const reason = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Writes `data` to `target` through a fresh temporary file in the same folder and a rename: a
 * reader never sees half a file, and a symbolic link at `target` is replaced, never followed. A
 * failure removes the temporary file and throws {@link TargetDirError} naming `dir` and `target`.
 */
export async function writeReplacing(target: string, data: Uint8Array | string, dir: string): Promise<void> {
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, data, { flag: 'wx' });
    await rename(tmp, target);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw new TargetDirError(dir, `cannot write '${target}': ${reason(e)}`, { cause: e });
  }
}
