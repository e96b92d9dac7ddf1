// loadLaplace / saveLaplace on bad input: typed errors naming the problem, and no tensor left
// behind — another model, a corrupted or edited manifest, a truncated / padded / flipped weights
// buffer, a format version from the future, an unknown structure, NaN in a tensor, a bad prior,
// bad options. Fuzz-ish: every single-character change of the manifest text and random byte
// flips of the buffer are refused.
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { DisposedError, InvalidOptionError, SpamError } from '@spam/core';
import { PriorFormatError, PriorMismatchError, type Prior } from '@spam/priors';
import {
  fromMemory,
  LAPLACE_FORMAT_VERSION,
  LaplaceFormatError,
  LaplaceMismatchError,
  LaplaceVersionError,
  loadLaplace,
  saveLaplace,
  toMemory,
  type Laplace,
  type LaplaceArtifacts,
} from '@spam/laplace';
import { rng } from '../../../test/helpers/index.js';
import { copy, expectRejects, fit, mixedNet, reseal, variedPrior } from './io-helpers.js';

const model = mixedNet();
let la: Laplace;
let prior: Prior;
let saved: LaplaceArtifacts;

beforeAll(async () => {
  la = await fit(model, 'kron');
  prior = variedPrior(model, 'unitwise');
  const h = toMemory();
  await saveLaplace(la, h, { prior, eigendecomposition: true });
  saved = h.artifacts!;
});
afterAll(() => {
  la.dispose();
  prior.dispose();
});

const load = (a: { manifest: unknown; weightData: unknown }) => () => loadLaplace(fromMemory(a), model);

describe('loadLaplace: a model it was not fitted on', () => {
  it('different layer names → LaplaceMismatchError naming both parameters', async () => {
    const other = mixedNet(11, 'other_net');
    const e = await expectRejects(
      () => loadLaplace(fromMemory(saved), other),
      LaplaceMismatchError,
      /'other_net_conv\/kernel'.*'io_mixed_conv\/kernel'/,
    );
    expect((e as SpamError).code).toBe('LAPLACE_MISMATCH');
  });
  it('different shapes (4 output units instead of 3) → LaplaceMismatchError naming the count', async () => {
    const wider = mixedNet(11, 'io_mixed', 4);
    await expectRejects(
      () => loadLaplace(fromMemory(saved), wider),
      LaplaceMismatchError,
      /has 6 parameter tensors \(90 parameters\).*fitted on 6 \(71\)/,
    );
  });
  it('a model with another layer type at the same place (Kronecker vs diagonal block) → LaplaceMismatchError', async () => {
    const a = copy(saved);
    a.manifest.params[0].kron = false;
    await expectRejects(load(reseal(a)), LaplaceMismatchError, /diagonal block/);
  });
});

describe('loadLaplace: corrupt, truncated or edited files', () => {
  it('a format version from the future → LaplaceVersionError naming the version this build reads', async () => {
    const a = copy(saved);
    a.manifest.version = LAPLACE_FORMAT_VERSION + 1;
    const e = (await expectRejects(load(a), LaplaceVersionError, /format version 2 .*reads \(version 1\)/)) as LaplaceVersionError;
    expect([e.version, e.supported, e.field, e.code]).toEqual([2, 1, 'version', 'LAPLACE_VERSION']);
    expect(e).toBeInstanceOf(LaplaceFormatError);
  });
  it('an unknown structure → LaplaceFormatError listing the known ones', async () => {
    const a = copy(saved);
    a.manifest.structure = 'lowrank';
    await expectRejects(load(reseal(a)), LaplaceFormatError, /unknown curvature structure 'lowrank' \(this build reads diag, kron, full\)/);
  });
  it('not a saved Laplace, a missing field, wrong types → LaplaceFormatError naming the field', async () => {
    const cases: Array<[(m: Record<string, unknown>) => void, RegExp]> = [
      [(m) => (m.format = 'tfjs-layers'), /field 'format'/],
      [(m) => delete m.tensors, /field 'tensors'/],
      [(m) => (m.nData = 0), /field 'nData'/],
      [(m) => (m.sigma = -1), /field 'sigma'/],
      [(m) => (m.curvature = 'hessian'), /field 'curvature'/],
      [(m) => ((m.params as Array<Record<string, unknown>>)[1].shape = [2, 'x']), /field 'params\[1\]\.shape\[1\]'/],
      [(m) => ((m.tensors as Array<Record<string, unknown>>)[2].dtype = 'float64'), /field 'tensors\[2\]\.dtype'/],
      [(m) => ((m.tensors as Array<Record<string, unknown>>)[2].byteOffset = 4), /field 'tensors\[2\]\.byteOffset'/],
    ];
    for (const [edit, message] of cases) {
      const a = copy(saved);
      edit(a.manifest as unknown as Record<string, unknown>);
      await expectRejects(load(reseal(a)), LaplaceFormatError, message);
    }
    await expectRejects(load({ manifest: 42, weightData: saved.weightData }), LaplaceFormatError, /field '\(root\)': must be an object/);
    const text = JSON.stringify(saved.manifest);
    await expectRejects(load({ manifest: text.slice(0, -10), weightData: saved.weightData }), LaplaceFormatError, /not JSON/);
    const ok = await loadLaplace(fromMemory({ manifest: text, weightData: saved.weightData }), model); // JSON text is accepted
    ok.laplace.dispose();
    ok.prior?.dispose();
  });
  it('tensor specs that do not match the structure layout (names, shapes, a missing eigendecomposition) → LaplaceFormatError', async () => {
    const a = copy(saved);
    a.manifest.tensors[3].name = 'kron/elsewhere/A';
    await expectRejects(load(reseal(a)), LaplaceFormatError, /tensors\[3\]\.name/);
    const b = copy(saved);
    b.manifest.eigendecomposition = false;
    await expectRejects(load(reseal(b)), LaplaceFormatError, /stores \d+ tensors, the manifest lists \d+/);
  });
  it('an edited manifest (checksum no longer matches) → LaplaceFormatError on checksum.manifest', async () => {
    const a = copy(saved);
    a.manifest.nData += 1;
    await expectRejects(load(a), LaplaceFormatError, /checksum\.manifest.*edited or corrupted/);
  });
  it('a truncated or padded weights buffer → LaplaceFormatError with the byte counts', async () => {
    const n = saved.weightData.byteLength;
    await expectRejects(
      load({ manifest: saved.manifest, weightData: saved.weightData.slice(0, n - 4) }),
      LaplaceFormatError,
      new RegExp(`hold ${n - 4} bytes .* need ${n}`),
    );
    const padded = new Uint8Array(n + 4);
    padded.set(new Uint8Array(saved.weightData));
    await expectRejects(load({ manifest: saved.manifest, weightData: padded.buffer }), LaplaceFormatError, /truncated, padded/);
    await expectRejects(
      load({ manifest: saved.manifest, weightData: new Uint8Array(saved.weightData) }),
      LaplaceFormatError,
      /must be an ArrayBuffer/,
    );
  });
  it('NaN in a tensor (checksums resealed) → LaplaceFormatError naming the tensor', async () => {
    const a = copy(saved);
    const t = a.manifest.tensors.find((s) => s.name.endsWith('/G'))!;
    new DataView(a.weightData).setFloat32(t.byteOffset + 4, NaN, true);
    await expectRejects(load(reseal(a)), LaplaceFormatError, new RegExp(`'${t.name}' holds NaN at entry 1`));
  });
  it('a corrupted prior JSON inside the manifest → PriorFormatError; a prior for other parameters → PriorMismatchError', async () => {
    const a = copy(saved);
    a.manifest.prior!.logPrecisions[0] = [1, 2, 3, 4, 5, 6, 7];
    await expectRejects(load(reseal(a)), PriorFormatError, /logPrecisions\[0\]/);
    const b = copy(saved);
    b.manifest.prior!.params[0].name = 'x/kernel';
    await expectRejects(load(reseal(b)), PriorMismatchError, /'x\/kernel'/);
  });

  it('fuzz: every single-character change of the manifest JSON is refused with a typed error, no tensor left', async () => {
    const text = JSON.stringify(saved.manifest);
    const r = rng(7);
    const positions = Array.from({ length: 120 }, () => Math.floor(r() * text.length));
    for (const pos of positions) {
      const old = text[pos];
      const replacement = '0123456789abcdef,:{}[]"x '.split('').filter((ch) => ch !== old);
      const ch = replacement[Math.floor(r() * replacement.length)];
      // The manifest as JSON text, as the file handlers pass it: not JSON any more, or JSON that differs.
      const manifest = text.slice(0, pos) + ch + text.slice(pos + 1);
      const before = tf.memory().numTensors;
      const err = await loadLaplace(fromMemory({ manifest, weightData: saved.weightData }), model).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, `position ${pos}: '${old}' → '${ch}'`).toBeInstanceOf(SpamError);
      if (!(err instanceof LaplaceFormatError)) expect(err).toBeInstanceOf(PriorMismatchError); // a digit of the prior's log δ
      expect(tf.memory().numTensors).toBe(before);
    }
  });
  it('fuzz: flipping any bit of the weights buffer is refused (weights checksum)', async () => {
    const r = rng(8);
    for (let k = 0; k < 40; k++) {
      const bytes = new Uint8Array(saved.weightData.slice(0));
      const pos = Math.floor(r() * bytes.length);
      bytes[pos] ^= 1 << Math.floor(r() * 8);
      await expectRejects(load({ manifest: saved.manifest, weightData: bytes.buffer }), LaplaceFormatError, /CRC-32 .* corrupted/);
    }
  });
});

describe('saveLaplace / loadLaplace: bad arguments', () => {
  it('not a Laplace, a handler without save/load, bad options → InvalidOptionError', async () => {
    await expectRejects(() => saveLaplace({} as Laplace, toMemory()), InvalidOptionError, /needs a fitted Laplace/);
    await expectRejects(() => saveLaplace(la, {}), InvalidOptionError, /no save\(\) method/);
    await expectRejects(() => saveLaplace(la, toMemory(), { temperature: 0 }), InvalidOptionError, /temperature/);
    await expectRejects(
      () => saveLaplace(la, toMemory(), { eigendecomposition: 'yes' as unknown as boolean }),
      InvalidOptionError,
      /eigendecomposition/,
    );
    await expectRejects(() => saveLaplace(la, toMemory(), { prior: {} as Prior }), InvalidOptionError, /must be a Prior/);
    await expectRejects(() => loadLaplace({}, model), InvalidOptionError, /no load\(\) method/);
    await expectRejects(() => loadLaplace(toMemory(), model), InvalidOptionError, /nothing has been saved/);
  });
  it('a prior over another model → PriorMismatchError; a disposed Laplace or prior → DisposedError', async () => {
    const other = mixedNet(11, 'other_net');
    const p = variedPrior(other, 'layerwise');
    await expectRejects(() => saveLaplace(la, toMemory(), { prior: p }), PriorMismatchError, /another model/);
    p.dispose();
    const q = variedPrior(model, 'layerwise');
    q.dispose();
    await expectRejects(() => saveLaplace(la, toMemory(), { prior: q }), DisposedError, /prior/);
    const gone = await fit(model, 'diag');
    gone.dispose();
    await expectRejects(() => saveLaplace(gone, toMemory()), DisposedError, /Laplace/);
  });
});
