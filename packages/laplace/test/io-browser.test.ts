// The browser handlers in Node: browserDownloads(name) saves two files through a DOM-like host
// (anchors with object URLs), browserFiles(files) loads them back from File objects; the loaded
// Laplace is bit-identical. Bad file lists and a non-JSON manifest give typed errors.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { resolveObjectURL } from 'node:buffer';
import { InvalidOptionError } from '@spam/core';
import {
  browserDownloads,
  browserFiles,
  LaplaceFormatError,
  loadLaplace,
  logMarginalLikelihoodTerms,
  saveLaplace,
  type DownloadHost,
} from '@spam/laplace';
import { expectRejects, fit, mixedNet, variedPrior } from './io-helpers.js';

const model = mixedNet();

/** A DOM stand-in: every clicked anchor's download name and blob. */
function fakeHost(): { host: DownloadHost; downloads: Array<{ name: string; blob: Blob }> } {
  const downloads: Array<{ name: string; blob: Blob }> = [];
  const host: DownloadHost = {
    createElement: () => ({
      href: '',
      download: '',
      click() {
        const blob = resolveObjectURL(this.href);
        if (!blob) throw new Error(`no blob behind ${this.href}`);
        downloads.push({ name: this.download, blob: blob as Blob });
      },
    }),
  };
  return { host, downloads };
}

describe('browserDownloads → browserFiles', () => {
  it('saves <name>.weights.bin then <name>.json; loading the two files gives the same log Z', async () => {
    const la = await fit(model, 'diag');
    const prior = variedPrior(model, 'unitwise');
    const { host, downloads } = fakeHost();
    await saveLaplace(la, browserDownloads('my-fit', host), { prior });
    expect(downloads.map((d) => d.name)).toEqual(['my-fit.weights.bin', 'my-fit.json']);
    const files = await Promise.all(downloads.map(async (d) => new File([await d.blob.arrayBuffer()], d.name)));
    const expected = logMarginalLikelihoodTerms(la, prior); // caches θ² on la (owned by la)
    const before = tf.memory().numTensors;
    const loaded = await loadLaplace(browserFiles([files[1], files[0]]), model);
    expect(logMarginalLikelihoodTerms(loaded.laplace, loaded.prior!)).toEqual(expected);
    loaded.laplace.dispose();
    loaded.prior!.dispose();
    expect(tf.memory().numTensors).toBe(before);
    la.dispose();
    prior.dispose();
  });

  it('without a document → InvalidOptionError pointing at fileSystem; a bad name → InvalidOptionError', async () => {
    const la = await fit(model, 'diag');
    await expectRejects(() => saveLaplace(la, browserDownloads()), InvalidOptionError, /@spam\/laplace\/node/);
    expect(() => browserDownloads('a/b')).toThrow(InvalidOptionError);
    la.dispose();
  });

  it('browserFiles needs exactly one .json of two files; a manifest that is not JSON → LaplaceFormatError naming the file', async () => {
    const bin = new File([new Uint8Array(8)], 'x.weights.bin');
    expect(() => browserFiles([bin])).toThrow(InvalidOptionError);
    expect(() => browserFiles([bin, bin])).toThrow(/exactly one of the two files must be the \.json/);
    const bad = new File(['{"format": "spam-laplace", '], 'x.json');
    await expectRejects(() => loadLaplace(browserFiles([bad, bin]), model), LaplaceFormatError, /'x\.json'.*not JSON/);
  });
});
