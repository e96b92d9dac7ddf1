// The fileSystem(dir) handler keeps every file inside dir: manifest paths, modelFile/weightsFile
// options and symbolic links that lead outside are refused (PathEscapeError) before anything is
// read or written; pseudo file systems (/proc, /sys, /dev) and file ancestors are refused on save
// (TargetDirError) without hanging.
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidOptionError, SpamError } from '@spam/core';
import { ensureTargetDir, fileSystem, ModelFileError, PathEscapeError, TargetDirError } from '@spam/structured/node';
import { pseudoFsByStatfs } from '../src/fs-paths.js';
import { rejection, thrown } from '../../../test/helpers/index.js';
import { editModelJSON, loadError, savedDir as saved, small } from './io-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'spam-io-paths-'));
const devProbe = `/dev/spam-io-paths-${process.pid}`;
const savedDir = () => saved(root);
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(devProbe, { recursive: true, force: true });
});

describe('load: manifest paths stay inside dir', () => {
  it("weightsManifest path '../../../../etc/passwd' → PathEscapeError naming it; nothing read", async () => {
    const dir = await savedDir();
    editModelJSON(dir, (j) => (j.weightsManifest[0].paths = ['../../../../etc/passwd']));
    const e = await loadError(dir);
    expect(e).toBeInstanceOf(PathEscapeError);
    expect(e).toBeInstanceOf(SpamError);
    expect((e as PathEscapeError).code).toBe('PATH_ESCAPE');
    expect(e.message).toContain("'../../../../etc/passwd'");
    expect((e as PathEscapeError).path).toBe('../../../../etc/passwd');
  });

  it('absolute manifest paths and paths climbing out of a sub-folder are refused', async () => {
    for (const p of ['/etc/passwd', 'sub/../../x.bin', '..', '.']) {
      const dir = await savedDir();
      editModelJSON(dir, (j) => (j.weightsManifest[0].paths = [p]));
      expect(await loadError(dir), p).toBeInstanceOf(PathEscapeError);
    }
  });

  it('a weights file that is a symbolic link to a file outside dir → PathEscapeError', async () => {
    const dir = await savedDir();
    const outside = join(root, 'outside.bin');
    writeFileSync(outside, readFileSync(join(dir, 'weights.bin'))); // right size: only the link gives it away
    rmSync(join(dir, 'weights.bin'));
    symlinkSync(outside, join(dir, 'weights.bin'));
    const e = await loadError(dir);
    expect(e).toBeInstanceOf(PathEscapeError);
    expect((e as PathEscapeError).resolved).toBe(realpathSync(outside));
  });

  it('a symbolic link inside dir to a file inside dir loads', async () => {
    const dir = await savedDir();
    writeFileSync(join(dir, 'real.bin'), readFileSync(join(dir, 'weights.bin')));
    rmSync(join(dir, 'weights.bin'));
    symlinkSync(join(dir, 'real.bin'), join(dir, 'weights.bin'));
    const m = await tf.loadLayersModel(fileSystem(dir));
    expect(m.countParams()).toBe(8);
    m.dispose();
  });

  it('a FIFO as weights file is refused as not a regular file (no hang)', async () => {
    const dir = await savedDir();
    rmSync(join(dir, 'weights.bin'));
    try {
      execFileSync('mkfifo', [join(dir, 'weights.bin')]);
    } catch {
      return; // no mkfifo on this system
    }
    const before = tf.memory().numTensors;
    const timeout = new Promise<Error>((res) => setTimeout(() => res(new Error('timeout: load hung on the FIFO')), 5000).unref());
    const e = await Promise.race([rejection(tf.loadLayersModel(fileSystem(dir))), timeout]);
    expect(e).toBeInstanceOf(ModelFileError);
    expect(e.message).toMatch(/not a regular file/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('save: modelFile / weightsFile stay inside dir', () => {
  it("'../' and absolute file names → PathEscapeError at once; nothing written outside", () => {
    const dir = join(root, 'save-escape');
    const cases: Array<Record<string, string>> = [
      { modelFile: '../evil.json' },
      { weightsFile: '../../evil.bin' },
      { weightsFile: join(root, 'abs-evil.bin') },
      { modelFile: 'sub/../../evil.json' },
      { weightsFile: '..' },
    ];
    for (const o of cases) {
      const e = thrown(() => fileSystem(dir, o));
      expect(e, JSON.stringify(o)).toBeInstanceOf(PathEscapeError);
      expect(e.message).toContain(Object.values(o)[0]);
    }
    expect(existsSync(join(root, 'evil.json'))).toBe(false);
    expect(existsSync(join(root, 'abs-evil.bin'))).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  it('bad option types → InvalidOptionError', () => {
    for (const [d, o] of [
      ['', {}],
      [3, {}],
      ['x\0y', {}],
      [root, { modelFile: '' }],
      [root, { weightsFile: 7 }],
      [root, { modelFile: 'a', weightsFile: 'a' }],
      [root, null],
    ] as const) {
      expect(
        thrown(() => fileSystem(d as never, o as never)),
        JSON.stringify([d, o]),
      ).toBeInstanceOf(InvalidOptionError);
    }
  });

  it('a symbolic link at the weights file name is replaced, not followed: the outside file is untouched', async () => {
    const dir = join(root, 'save-link');
    mkdirSync(dir);
    const outside = join(root, 'victim.txt');
    writeFileSync(outside, 'keep me');
    symlinkSync(outside, join(dir, 'weights.bin'));
    const m = small();
    await m.save(fileSystem(dir));
    m.dispose();
    expect(readFileSync(outside, 'utf8')).toBe('keep me');
    expect(statSync(join(dir, 'weights.bin')).size).toBe(32);
  });

  it('a nested file name through a symlinked folder leading outside → PathEscapeError; nothing written there', async () => {
    const dir = join(root, 'save-subdir-link');
    const outsideDir = join(root, 'outside-dir');
    mkdirSync(dir);
    mkdirSync(outsideDir);
    symlinkSync(outsideDir, join(dir, 'sub'));
    const m = small();
    const e = await rejection(m.save(fileSystem(dir, { weightsFile: 'sub/w.bin' })));
    m.dispose();
    expect(e).toBeInstanceOf(PathEscapeError);
    expect(existsSync(join(outsideDir, 'w.bin'))).toBe(false);
  });

  it('a relative dir is resolved when the handler is made: a later chdir does not move the files', async () => {
    const cwd = process.cwd();
    process.chdir(root);
    let handler;
    try {
      handler = fileSystem('rel-dir');
      process.chdir(tmpdir());
      const m = small();
      await m.save(handler);
      m.dispose();
    } finally {
      process.chdir(cwd);
    }
    expect(statSync(join(root, 'rel-dir', 'weights.bin')).size).toBe(32);
    expect(existsSync(join(tmpdir(), 'rel-dir'))).toBe(false);
  });

  it('nested file names inside dir round-trip', async () => {
    const dir = join(root, 'nested-names');
    const m = small();
    await m.save(fileSystem(dir, { modelFile: 'a/model.json', weightsFile: 'b/c/w.bin' }));
    const loaded = await tf.loadLayersModel(fileSystem(dir, { modelFile: 'a/model.json' }));
    expect(loaded.countParams()).toBe(8);
    expect(statSync(join(dir, 'b', 'c', 'w.bin')).size).toBe(32);
    loaded.dispose();
    m.dispose();
  });
});

describe('save: pseudo file systems and file ancestors → TargetDirError, never a hang', () => {
  const refuse = async (dir: string) => {
    const m = small();
    const timeout = new Promise<Error>((res) => setTimeout(() => res(new Error('timeout: save hung')), 5000).unref());
    const e = await Promise.race([rejection(m.save(fileSystem(dir))), timeout]);
    m.dispose();
    return e;
  };

  for (const dir of ['/proc/x', '/proc/self/spam', '/sys/spam-x', devProbe, '/proc']) {
    it(`fileSystem('${dir}').save`, async () => {
      if (process.platform === 'win32' || !existsSync(dir.split('/').slice(0, 2).join('/'))) return;
      const e = await refuse(dir);
      expect(e).toBeInstanceOf(TargetDirError);
      expect(e.message).toMatch(/pseudo file system/);
      expect((e as TargetDirError).path).toBe(dir);
      if (dir === devProbe) expect(existsSync(devProbe)).toBe(false);
    });
  }

  it('a symbolic link to /proc is followed and refused', async () => {
    if (process.platform !== 'linux') return;
    const link = join(root, 'to-proc');
    symlinkSync('/proc', link);
    expect(await refuse(join(link, 'x'))).toBeInstanceOf(TargetDirError);
  });

  it('an ancestor that is a file → TargetDirError naming it', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    const e = await refuse(join(file, 'sub', 'dir'));
    expect(e).toBeInstanceOf(TargetDirError);
    expect(e.message).toContain(`'${file}' exists and is not a directory`);
  });

  it('statfs recognises procfs and sysfs by magic number; ordinary folders are not pseudo', async () => {
    if (process.platform !== 'linux') return;
    expect(await pseudoFsByStatfs('/proc')).toBe('proc');
    if (existsSync('/sys/kernel')) expect(await pseudoFsByStatfs('/sys')).toBe('sysfs');
    expect(await pseudoFsByStatfs(root)).toBe(null);
  });

  it('ensureTargetDir creates missing folders and returns the real path', async () => {
    const dir = join(root, 'e1', 'e2', 'e3');
    const real = await ensureTargetDir(dir);
    expect(real).toBe(realpathSync(dir));
    expect(statSync(dir).isDirectory()).toBe(true);
    expect(await ensureTargetDir(dir)).toBe(real); // idempotent
  });
});
