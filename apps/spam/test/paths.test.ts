/**
 * Relative `--out` / `--data-dir` are taken relative to the folder the user ran the command from:
 * under npm (which runs scripts in the package's folder) that is INIT_CWD, otherwise the process's
 * cwd. (signal.test.ts runs `npm start` from another folder end to end.)
 */
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { callerDir, parseCli, type RunConfig } from '../src/main.js';

describe('callerDir', () => {
  const pkgDir = resolve('/repo/apps/spam');
  const npm = { INIT_CWD: '/home/me/work', npm_package_json: join(pkgDir, 'package.json') };

  it('takes INIT_CWD when npm started the process in the package folder', () => {
    expect(callerDir(npm, pkgDir)).toBe(resolve('/home/me/work'));
  });

  it('takes the cwd otherwise: no npm, or a process that changed folder inside an npm script', () => {
    expect(callerDir({}, '/somewhere')).toBe('/somewhere');
    expect(callerDir({ INIT_CWD: '/home/me/work' }, '/somewhere')).toBe('/somewhere');
    expect(callerDir(npm, '/repo/apps/spam/sub')).toBe('/repo/apps/spam/sub');
  });
});

describe('parseCli paths', () => {
  it('resolves --out and --data-dir against the caller folder, keeps absolute ones, defaults to <caller>/spam-report', () => {
    const cwd = resolve('/home/me/work');
    const cfg = parseCli(['--out', 'x/report', '--data-dir', '../data'], { cwd }) as RunConfig;
    expect(cfg.out).toBe(join(cwd, 'x', 'report'));
    expect(cfg.dataDir).toBe(resolve(cwd, '..', 'data'));
    expect((parseCli([], { cwd }) as RunConfig).out).toBe(join(cwd, 'spam-report'));
    expect((parseCli([], { cwd }) as RunConfig).dataDir).toBeUndefined();
    const abs = resolve('/abs/out');
    expect((parseCli(['--out', abs], { cwd }) as RunConfig).out).toBe(abs);
  });
});
