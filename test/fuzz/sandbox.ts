/**
 * A file-system sandbox for the file-handler fuzz: a temp tree with the target directory three
 * levels deep and a sentinel sibling, so that names with up to three `../` land inside the
 * sandbox, where a snapshot of everything outside the target detects any stray write.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';

/** The sandbox's paths. */
export interface Sandbox {
  /** The temp root (removed by `remove()`). */
  base: string;
  /** `base/a/b/c`: the target's parent. */
  deep: string;
  /** `deep/target`: the directory handed to the handler. */
  target: string;
  /** `deep/sentinel/keep.txt`: a file outside the target that must never change or be read as weights. */
  sentinelFile: string;
  /** Every file outside the target: path → size:mtime. */
  outside(): Map<string, string>;
  /** Empties the target (between runs). */
  resetTarget(): void;
  /** Whether `path` (relative to the target or absolute) resolves inside the target. */
  inside(path: string): boolean;
  remove(): void;
}

function walk(dir: string, skip: string, out: Map<string, string>): void {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (p === skip) continue;
    const st = statSync(p);
    if (st.isDirectory()) {
      out.set(p + sep, 'dir');
      walk(p, skip, out);
    } else out.set(p, `${st.size}:${st.mtimeMs}`);
  }
}

/** A fresh sandbox. */
export function sandbox(): Sandbox {
  const base = mkdtempSync(join(tmpdir(), 'spam-fuzz-fs-'));
  const deep = join(base, 'a', 'b', 'c');
  const target = join(deep, 'target');
  const sentinelFile = join(deep, 'sentinel', 'keep.txt');
  mkdirSync(target, { recursive: true });
  mkdirSync(join(deep, 'sentinel'));
  writeFileSync(sentinelFile, 'SENTINEL'.repeat(64)); // 512 bytes: a plausible weights size
  return {
    base,
    deep,
    target,
    sentinelFile,
    outside() {
      const out = new Map<string, string>();
      walk(base, target, out);
      return out;
    },
    resetTarget() {
      rmSync(target, { recursive: true, force: true });
      mkdirSync(target, { recursive: true });
    },
    inside(path: string) {
      return typeof path === 'string' && resolve(target, path).startsWith(target + sep);
    },
    remove() {
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** Files created, changed or removed outside the target between two snapshots. */
export function strayChanges(before: Map<string, string>, after: Map<string, string>): string[] {
  const changed: string[] = [];
  for (const [p, v] of after) if (before.get(p) !== v) changed.push(`${before.has(p) ? 'changed' : 'created'} ${p}`);
  for (const p of before.keys()) if (!after.has(p)) changed.push(`removed ${p}`);
  return changed;
}
