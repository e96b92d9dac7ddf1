/**
 * Where a report may go. The directory is created one level at a time with plain `mkdir` (Node's
 * recursive `mkdir` loops forever at full CPU on procfs), after checking that the nearest existing
 * ancestor is a directory on a regular filesystem: pseudo filesystems (proc, sysfs, devtmpfs,
 * cgroup, …) are refused, whatever their mount point.
 */
import { mkdir, readFile, realpath, rm, stat, statfs } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { SpamError } from '@spam/core';

/** The report directory cannot be created or written. `code` is `'REPORT_DIR'`. */
export class ReportDirError extends SpamError {
  /** The system error code (`ENOTDIR`, `EACCES`, `EROFS`, …) when there is one. */
  readonly systemCode: string | undefined;
  /** The filesystem type when the target lies on a pseudo filesystem (`'proc'`, `'sysfs'`, …). */
  readonly fsType: string | undefined;
  override readonly cause: unknown;
  constructor(
    /** The directory as given. */
    readonly dir: string,
    systemCode: string | undefined,
    options?: { cause?: unknown; fsType?: string },
  ) {
    const why = options?.cause instanceof Error ? options.cause.message : String(options?.cause ?? 'unknown error');
    super('REPORT_DIR', `cannot write the report to '${dir}' (${resolve(dir)}): ${why}`);
    this.systemCode = systemCode;
    this.fsType = options?.fsType;
    this.cause = options?.cause;
  }
}

/** Filesystem types whose files are kernel interfaces, not storage: never a report directory. */
export const PSEUDO_FILESYSTEMS: ReadonlySet<string> = new Set([
  'proc',
  'sysfs',
  'devtmpfs',
  'devpts',
  'cgroup',
  'cgroup2',
  'debugfs',
  'tracefs',
  'securityfs',
  'pstore',
  'bpf',
  'configfs',
  'fusectl',
  'efivarfs',
  'binfmt_misc',
  'mqueue',
  'autofs',
  'nsfs',
  'selinuxfs',
  'hugetlbfs',
  'rpc_pipefs',
]);

/** `statfs` magic numbers of the pseudo filesystems (used when /proc/self/mountinfo cannot be read). */
const PSEUDO_MAGIC: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x1cd1, 'devpts'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x6165676c, 'pstore'],
  [0xcafe4a11, 'bpf'],
  [0x62656570, 'configfs'],
  [0x65735543, 'fusectl'],
  [0xde5e81e4, 'efivarfs'],
  [0x42494e4d, 'binfmt_misc'],
  [0x19800202, 'mqueue'],
  [0x0187, 'autofs'],
  [0x6e736673, 'nsfs'],
  [0xf97cff8c, 'selinuxfs'],
  [0x958458f6, 'hugetlbfs'],
]);

function codeOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}

const unescapeMount = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/**
 * The mount holding `path` (absolute, symlinks resolved) according to a `/proc/self/mountinfo`
 * text: the longest mount point that is `path` or one of its ancestors.
 */
export function mountOf(mountinfo: string, path: string): { mountPoint: string; fsType: string } | undefined {
  let best: { mountPoint: string; fsType: string } | undefined;
  for (const line of mountinfo.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!post) continue;
    const mountPoint = unescapeMount(pre.split(' ')[4] ?? '');
    const fsType = post.split(' ')[0];
    if (!mountPoint || !fsType) continue;
    const inside = mountPoint === sep || path === mountPoint || path.startsWith(mountPoint + sep);
    if (inside && (!best || mountPoint.length >= best.mountPoint.length)) best = { mountPoint, fsType };
  }
  return best;
}

/** The pseudo filesystem `existing` (an existing path) lies on, if any. */
async function pseudoFilesystemOf(existing: string): Promise<{ fsType: string; mountPoint?: string } | undefined> {
  const real = await realpath(existing).catch(() => existing);
  const info = await readFile('/proc/self/mountinfo', 'utf8').catch(() => undefined);
  const mount = info === undefined ? undefined : mountOf(info, real);
  if (mount) return PSEUDO_FILESYSTEMS.has(mount.fsType) ? mount : undefined;
  const magic = await statfs(real).then(
    (s) => Number(s.type),
    () => undefined,
  );
  const fsType = magic === undefined ? undefined : PSEUDO_MAGIC.get(magic);
  return fsType ? { fsType } : undefined;
}

/**
 * Makes sure `dir` is a directory on a regular filesystem, creating it and its missing parents
 * one level at a time. Returns the top-most directory it created (undefined: it existed).
 * Throws {@link ReportDirError} (nothing created) when an ancestor is a file, the target lies on a
 * pseudo filesystem, or a `mkdir` fails (then the levels it made are removed again).
 */
export async function ensureReportDir(dir: string): Promise<string | undefined> {
  const abs = resolve(dir);
  const missing: string[] = [];
  let existing = abs;
  for (;;) {
    try {
      const st = await stat(existing);
      if (!st.isDirectory()) {
        throw new ReportDirError(dir, 'ENOTDIR', { cause: new Error(`'${existing}' is not a directory`) });
      }
      break;
    } catch (err) {
      if (err instanceof ReportDirError) throw err;
      const code = codeOf(err);
      const up = dirname(existing);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || up === existing) throw new ReportDirError(dir, code, { cause: err });
      missing.unshift(existing);
      existing = up;
    }
  }
  const pseudo = await pseudoFilesystemOf(existing);
  if (pseudo) {
    const where = pseudo.mountPoint ? ` mounted at ${pseudo.mountPoint}` : '';
    throw new ReportDirError(dir, undefined, {
      fsType: pseudo.fsType,
      cause: new Error(
        `'${existing}' is on the ${pseudo.fsType} pseudo filesystem${where}, which holds kernel interfaces, not files; choose a directory on a disk`,
      ),
    });
  }
  let created: string | undefined;
  for (const level of missing) {
    try {
      await mkdir(level);
      created ??= level;
    } catch (err) {
      if (
        codeOf(err) === 'EEXIST' &&
        (await stat(level).then(
          (s) => s.isDirectory(),
          () => false,
        ))
      )
        continue;
      if (created) await rm(created, { recursive: true, force: true }).catch(() => {});
      throw new ReportDirError(dir, codeOf(err), { cause: err });
    }
  }
  return created;
}
