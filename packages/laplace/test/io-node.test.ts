// @spam/laplace/node fileSystem(dir): save → load in a temporary directory gives the same Laplace
// bit for bit; files are written through a temporary name (none left behind, an old pair is
// replaced whole); names that escape the directory, pseudo file systems, missing / non-regular /
// truncated / corrupted files give typed errors naming the file, with no tensor left behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidOptionError } from '@spam/core';
import type { Prior } from '@spam/priors';
import { LaplaceFormatError, loadLaplace, logMarginalLikelihoodTerms, saveLaplace, type Laplace } from '@spam/laplace';
import { fileSystem, LaplaceFileError, PathEscapeError, TargetDirError } from '@spam/laplace/node';
import { expectRejects, fit, mixedNet, values, variedPrior } from './io-helpers.js';

const model = mixedNet();
let root: string;
let la: Laplace;
let prior: Prior;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'spam-laplace-io-'));
  la = await fit(model, 'kron');
  prior = variedPrior(model, 'unitwise');
});
afterAll(() => {
  la.dispose();
  prior.dispose();
  rmSync(root, { recursive: true, force: true });
});

describe('fileSystem(dir): save and load a Laplace in a directory', () => {
  it('round trip: identical log Z (both kronPrior modes), OPD diagonal and θ; two files, no temporary left', async () => {
    const dir = join(root, 'a', 'b'); // created on save
    const result = await saveLaplace(la, fileSystem(dir), { prior });
    expect(readdirSync(dir).sort()).toEqual(['laplace.json', 'laplace.weights.bin']);
    expect(readFileSync(join(dir, 'laplace.weights.bin')).byteLength).toBe(result.weightBytes);
    const observe = (l: Laplace, p: Prior) =>
      (['projected', 'exact'] as const).map((mode) => ({
        logZ: logMarginalLikelihoodTerms(l, p, { kronPrior: mode }),
        opd: tf.tidy(() => values(l.posteriorPrecisionDiagonal(p.precisionBlocks(), mode))),
      }));
    const expected = observe(la, prior); // computes and caches la's eigendecomposition (owned by la)
    const before = tf.memory().numTensors;
    const loaded = await loadLaplace(fileSystem(dir), model);
    expect(observe(loaded.laplace, loaded.prior!)).toEqual(expected);
    expect(values(loaded.laplace.theta)).toEqual(values(la.theta));
    loaded.laplace.dispose();
    loaded.prior!.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('saving again replaces both files whole (custom name); a full and a diag Laplace side by side', async () => {
    const dir = join(root, 'names');
    const full = await fit(model, 'full');
    const diag = await fit(model, 'diag');
    await saveLaplace(full, fileSystem(dir, { name: 'run' }));
    await saveLaplace(diag, fileSystem(dir, { name: 'run' }));
    await saveLaplace(full, fileSystem(dir, { name: 'full' }));
    expect(readdirSync(dir).sort()).toEqual(['full.json', 'full.weights.bin', 'run.json', 'run.weights.bin']);
    const a = await loadLaplace(fileSystem(dir, { name: 'run' }), model);
    const b = await loadLaplace(fileSystem(dir, { name: 'full' }), model);
    expect([a.laplace.structure, b.laplace.structure]).toEqual(['diag', 'full']);
    expect(tf.tidy(() => values([a.laplace.diagonal(), b.laplace.diagonal()]))).toEqual(
      tf.tidy(() => values([diag.diagonal(), full.diagonal()])),
    );
    for (const o of [full, diag, a.laplace, b.laplace]) o.dispose();
  });

  it('a name that escapes the directory → PathEscapeError, nothing written; a symlink leading out → PathEscapeError', async () => {
    const dir = join(root, 'escape');
    expect(() => fileSystem(dir, { name: '../outside' })).toThrow(PathEscapeError);
    expect(() => fileSystem(dir, { name: '/etc/laplace' })).toThrow(PathEscapeError);
    expect(() => fileSystem('')).toThrow(InvalidOptionError);
    mkdirSync(join(dir, 'in'), { recursive: true });
    mkdirSync(join(root, 'elsewhere'), { recursive: true });
    symlinkSync(join(root, 'elsewhere'), join(dir, 'link'));
    await expectRejects(() => saveLaplace(la, fileSystem(dir, { name: 'link/x' })), PathEscapeError, /outside the directory/);
    expect(readdirSync(join(root, 'elsewhere'))).toEqual([]);
  });

  it('a directory on a pseudo file system → TargetDirError (no hang)', async () => {
    await expectRejects(() => saveLaplace(la, fileSystem('/proc/spam-laplace')), TargetDirError, /pseudo file system/);
  });

  it('missing directory or file → LaplaceFileError naming it', async () => {
    await expectRejects(() => loadLaplace(fileSystem(join(root, 'nothing')), model), LaplaceFileError, /nothing/);
    const dir = join(root, 'half');
    await saveLaplace(la, fileSystem(dir));
    rmSync(join(dir, 'laplace.weights.bin'));
    await expectRejects(() => loadLaplace(fileSystem(dir), model), LaplaceFileError, /laplace\.weights\.bin/);
  });

  it('truncated weights, corrupted bytes, a manifest that is not JSON → LaplaceFormatError naming the file', async () => {
    const dir = join(root, 'corrupt');
    await saveLaplace(la, fileSystem(dir));
    const bin = join(dir, 'laplace.weights.bin');
    const json = join(dir, 'laplace.json');
    const good = readFileSync(bin);
    truncateSync(bin, good.byteLength - 8);
    const e = (await expectRejects(() => loadLaplace(fileSystem(dir), model), LaplaceFormatError, /truncated/)) as LaplaceFormatError;
    expect(e.source).toBe(bin);
    const flipped = Buffer.from(good);
    flipped[100] ^= 0x10;
    writeFileSync(bin, flipped);
    await expectRejects(() => loadLaplace(fileSystem(dir), model), LaplaceFormatError, /CRC-32/);
    writeFileSync(bin, good);
    const text = readFileSync(json, 'utf8');
    writeFileSync(json, text.slice(0, text.length / 2));
    await expectRejects(() => loadLaplace(fileSystem(dir), model), LaplaceFormatError, /laplace\.json.*not JSON/);
    writeFileSync(json, text.replace('"version":1', '"version":7'));
    await expectRejects(() => loadLaplace(fileSystem(dir), model), LaplaceFormatError, /version 7 .*reads \(version 1\)/);
  });
});
