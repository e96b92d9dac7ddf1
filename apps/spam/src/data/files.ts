/** Finding the user's data files and reading them, gzipped or not. */
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { CorruptDataError } from './errors.js';

const gunzipAsync = promisify(gunzip);

/** True when `path` is an existing directory. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** True when `path` is an existing regular file. */
export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** `dataDir` and its existing subfolders `subdirs` (absolute; `dataDir` first, even if it does not exist). */
export function candidateDirs(dataDir: string, subdirs: readonly string[]): string[] {
  const root = resolve(dataDir);
  return [root, ...subdirs.map((s) => join(root, s)).filter(isDirectory)];
}

/** The result of {@link findFiles}: the directory used and, per expected file, the path found (or undefined). */
export interface FoundFiles {
  dir: string;
  paths: Array<string | undefined>;
}

/**
 * Looks for every expected file in each directory (in order); `variants(name)` lists the accepted
 * spellings of one file (e.g. with and without `.gz`), the first existing one wins. Returns the
 * first directory holding all of them, else the one holding the most (ties: the first).
 */
export function findFiles(dirs: readonly string[], expected: readonly string[], variants: (name: string) => string[]): FoundFiles {
  let best: FoundFiles | undefined;
  let bestCount = -1;
  for (const dir of dirs) {
    const paths = expected.map((name) =>
      variants(name)
        .map((v) => join(dir, v))
        .find(isFile),
    );
    const count = paths.filter((p) => p !== undefined).length;
    if (count === expected.length) return { dir, paths };
    if (count > bestCount) {
      best = { dir, paths };
      bestCount = count;
    }
  }
  return best ?? { dir: dirs[0] ?? '', paths: expected.map(() => undefined) };
}

/** True when the bytes start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Reads a file; if its content is gzip (by magic number, whatever its name), decompresses it.
 * A broken gzip stream is a {@link CorruptDataError} naming the file.
 */
export async function readMaybeGzip(path: string): Promise<Uint8Array> {
  const raw = await readFile(path);
  if (!isGzip(raw)) return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  try {
    const out = await gunzipAsync(raw);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    throw new CorruptDataError(path, `gzip data is corrupt or truncated (${(e as Error).message})`);
  }
}
