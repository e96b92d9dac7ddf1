/**
 * Path checks and directory creation for the Node file handlers (`fileSystem(dir)` of
 * `@spam/laplace/node` and `@spam/structured/node`): names stay inside the directory, symbolic
 * links are followed and checked, pseudo file systems are refused without the `mkdir -p` hang.
 * @packageDocumentation
 */
import { mkdir, realpath, stat, statfs } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
// The package's own main entry, left external by the build (one class per error; see fs-errors.ts).
import { InvalidOptionError } from '@spam/core';
import { PathEscapeError, TargetDirError } from './fs-errors.js';

/**
 * The constructor of a package's "cannot read this file" error (`LaplaceFileError`,
 * `ModelFileError`), which the load-side checks {@link existingFileInside} and {@link existingDir}
 * raise naming the file (each package keeps its own: the code tells what was being loaded).
 */
export type FileErrorClass = new (file: string, reason: string, options?: { cause?: unknown }) => Error;

/**
 * Linux `statfs` magic numbers of kernel pseudo file systems (linux/magic.h): files there are
 * views of kernel state, not storage; `mkdir -p` below `/proc` even loops forever in Node.
 */
const PSEUDO_MAGIC = new Map<number, string>([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x1cd1, 'devpts'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x0027e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0xcafe4a11, 'bpf'],
  [0x6165676c, 'pstore'],
  [0x62656570, 'configfs'],
  [0x65735543, 'fusectl'],
  [0xf97cff8c, 'selinuxfs'],
  [0xde5e81e4, 'efivarfs'],
  [0x42494e4d, 'binfmt_misc'],
  [0x19800202, 'mqueue'],
  [0x6e736673, 'nsfs'],
]);

/** Mount points of pseudo file systems on Unix-likes (with `/dev/shm`, a plain tmpfs, allowed). */
const PSEUDO_ROOTS = ['/proc', '/sys', '/dev'];

/** Whether `p` lies strictly inside `root` (both absolute, no symlink resolution). */
export function isInside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** Whether `p` is `root` or inside it. */
function isAtOrInside(root: string, p: string): boolean {
  return p === root || isInside(root, p);
}

/** The name of the pseudo file system `statfs` reports for an existing path, or null. */
export async function pseudoFsByStatfs(path: string): Promise<string | null> {
  if (process.platform !== 'linux') return null;
  try {
    const { type } = await statfs(path);
    return PSEUDO_MAGIC.get(Number(type) >>> 0) ?? null;
  } catch {
    return null;
  }
}

/**
 * The pseudo file system an existing, symlink-free path lies on (`'proc'`, `'sysfs'`, …), or null
 * for ordinary storage: by `statfs` on Linux, else by the mount points `/proc`, `/sys`, `/dev`.
 */
export async function pseudoFileSystem(realPath: string): Promise<string | null> {
  const byMagic = await pseudoFsByStatfs(realPath);
  if (byMagic) return byMagic;
  if (process.platform === 'win32') return null;
  if (isAtOrInside('/dev/shm', realPath)) return null;
  const root = PSEUDO_ROOTS.find((r) => isAtOrInside(r, realPath));
  return root ? root.slice(1) : null;
}

/** Checks a directory argument: a non-empty string without NUL bytes. */
export function checkDirArg(dir: unknown, what = 'dir'): string {
  if (typeof dir !== 'string' || dir.length === 0 || dir.includes('\0')) {
    throw new InvalidOptionError(
      `${what} must be a non-empty path string, got ${typeof dir === 'string' ? JSON.stringify(dir) : String(dir)}`,
    );
  }
  return dir;
}

/**
 * Checks a file name relative to `dir` (an option or a manifest path): a non-empty string without
 * NUL bytes that is not absolute and stays strictly inside `dir` after resolving `..`. Returns the
 * absolute path. `InvalidOptionError` for a non-string, {@link PathEscapeError} for an escape.
 */
export function fileInside(what: string, name: unknown, dir: string): string {
  if (typeof name !== 'string' || name.length === 0 || name.includes('\0')) {
    throw new InvalidOptionError(
      `${what} must be a non-empty file name, got ${typeof name === 'string' ? JSON.stringify(name) : String(name)}`,
    );
  }
  const root = resolve(dir);
  const abs = resolve(root, name);
  if (isAbsolute(name) || !isInside(root, abs)) throw new PathEscapeError(what, name, abs, dir);
  return abs;
}

/** `stat` that returns null for a missing path (ENOENT, or ENOTDIR: an ancestor is a file). */
async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw e;
  }
}

const reason = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Makes sure `dir` exists as a directory on ordinary storage and returns its real path. The
 * nearest existing ancestor must be a directory that is not on a pseudo file system (`/proc`,
 * `/sys`, `/dev` except `/dev/shm`, cgroup, debugfs, … by `statfs`); the missing components are
 * then created one by one (never `mkdir -p`, which loops forever below `/proc`). Throws
 * {@link TargetDirError} naming the path otherwise; never hangs.
 */
export async function ensureTargetDir(dir: string): Promise<string> {
  checkDirArg(dir);
  const abs = resolve(dir);
  const missing: string[] = [];
  let existing = abs;
  for (;;) {
    let st: Stats | null;
    try {
      st = await statOrNull(existing);
    } catch (e) {
      throw new TargetDirError(dir, `cannot inspect '${existing}': ${reason(e)}`, { cause: e });
    }
    if (st) {
      if (!st.isDirectory()) throw new TargetDirError(dir, `'${existing}' exists and is not a directory`);
      break;
    }
    const parent = dirname(existing);
    if (parent === existing) throw new TargetDirError(dir, 'no ancestor directory exists');
    missing.unshift(basename(existing));
    existing = parent;
  }
  let current = await realOrThrow(dir, existing);
  await refusePseudo(dir, current);
  for (const name of missing) {
    const next = join(current, name);
    try {
      await mkdir(next);
    } catch (e) {
      const st = (e as NodeJS.ErrnoException).code === 'EEXIST' ? await statOrNull(next).catch(() => null) : null;
      if (!st?.isDirectory()) throw new TargetDirError(dir, `cannot create '${next}': ${reason(e)}`, { cause: e });
    }
    current = await realOrThrow(dir, next);
  }
  await refusePseudo(dir, current);
  return current;
}

async function realOrThrow(dir: string, path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (e) {
    throw new TargetDirError(dir, `cannot resolve '${path}': ${reason(e)}`, { cause: e });
  }
}

async function refusePseudo(dir: string, realPath: string): Promise<void> {
  const fs = await pseudoFileSystem(realPath);
  if (fs) {
    throw new TargetDirError(
      dir,
      `'${realPath}' is on the ${fs} pseudo file system (kernel state, not storage); choose a directory on a disk or tmpfs`,
    );
  }
}

/**
 * Creates the missing directories between the real target directory `realRoot` and the parent of
 * the file `abs` (a nested file name), refusing symbolic links that lead outside `realRoot`.
 * Returns the real path the file will be written to.
 */
export async function prepareFile(what: string, name: string, abs: string, dir: string, realRoot: string): Promise<string> {
  const parts = relative(resolve(dir), abs).split(sep);
  let current = realRoot;
  for (const part of parts.slice(0, -1)) {
    const next = join(current, part);
    try {
      await mkdir(next);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new TargetDirError(dir, `cannot create '${next}': ${reason(e)}`, { cause: e });
    }
    current = await realOrThrow(dir, next);
    if (!isInside(realRoot, current)) throw new PathEscapeError(what, name, current, dir);
    const st = await stat(current);
    if (!st.isDirectory()) throw new TargetDirError(dir, `'${next}' exists and is not a directory`);
  }
  return join(current, parts[parts.length - 1]);
}

/**
 * For loading: the real path of the file `abs` (named `name` in `what`), which must exist, be a
 * regular file and lie inside `realRoot` after following symbolic links. Throws
 * {@link PathEscapeError}, or `FileError` naming the file; returns the real path and the file's size.
 */
export async function existingFileInside(
  what: string,
  name: string,
  abs: string,
  dir: string,
  realRoot: string,
  FileError: FileErrorClass,
): Promise<{ real: string; size: number }> {
  let real: string;
  try {
    real = await realpath(abs);
  } catch (e) {
    throw new FileError(abs, `cannot read the ${what}: ${reason(e)}`, { cause: e });
  }
  if (!isInside(realRoot, real)) throw new PathEscapeError(what, name, real, dir);
  const st = await stat(real);
  if (!st.isFile()) throw new FileError(abs, `the ${what} is not a regular file`);
  return { real, size: st.size };
}

/**
 * For loading: the real path of `dir` (described as `what`, e.g. `'model directory'`), which must
 * be an existing directory; `FileError` naming it otherwise.
 */
export async function existingDir(dir: string, FileError: FileErrorClass, what = 'directory'): Promise<string> {
  let real: string;
  try {
    real = await realpath(dir);
  } catch (e) {
    throw new FileError(dir, `cannot read the ${what}: ${reason(e)}`, { cause: e });
  }
  if (!(await stat(real)).isDirectory()) throw new FileError(dir, 'the path is not a directory');
  return real;
}
