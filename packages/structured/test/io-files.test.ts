// The fileSystem(dir) loader checks what it reads: the weights files must hold exactly the bytes
// the manifest's weight specs need, and model.json must be JSON with a layers-model topology and a
// well-formed weights manifest; otherwise ModelFileError naming the file, before any tensor exists.
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSystem, ModelFileError } from '@spam/structured/node';
import { specBytes } from '../src/fs-manifest.js';
import { editModelJSON, loadError, savedDir as saved } from './io-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'spam-io-files-'));
const savedDir = () => saved(root);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('weights byte length = Σ Π shape × dtype size of the manifest', () => {
  it('a truncated weights file → ModelFileError naming it, no tensors leaked', async () => {
    const dir = await savedDir();
    truncateSync(join(dir, 'weights.bin'), 28);
    const e = await loadError(dir);
    expect(e).toBeInstanceOf(ModelFileError);
    expect(e.message).toContain('weights.bin');
    expect(e.message).toMatch(/hold 28 bytes, but the 2 weight specs need 32/);
    expect((e as ModelFileError).code).toBe('MODEL_FILE');
  });

  it('extra bytes after the weights → ModelFileError', async () => {
    const dir = await savedDir();
    appendFileSync(join(dir, 'weights.bin'), Buffer.from('garbage!'));
    expect((await loadError(dir)).message).toMatch(/hold 40 bytes, but .* need 32/);
  });

  it('an empty weights file, or a shape edited in the manifest → ModelFileError', async () => {
    const dir = await savedDir();
    writeFileSync(join(dir, 'weights.bin'), Buffer.alloc(0));
    expect(await loadError(dir)).toBeInstanceOf(ModelFileError);
    const dir2 = await savedDir();
    editModelJSON(dir2, (j) => (j.weightsManifest[0].weights[0].shape = [3, 3]));
    expect((await loadError(dir2)).message).toMatch(/need 44/);
  });

  it('a missing weights file or model directory → ModelFileError naming it (with the ENOENT cause)', async () => {
    const dir = await savedDir();
    rmSync(join(dir, 'weights.bin'));
    const e = await loadError(dir);
    expect(e).toBeInstanceOf(ModelFileError);
    expect(e.message).toMatch(/weights\.bin.*ENOENT/);
    const e2 = await loadError(join(root, 'nothing-here'));
    expect(e2).toBeInstanceOf(ModelFileError);
    expect(e2.message).toContain('nothing-here');
  });

  it('bytes per spec: float32/int32 4, bool 1, complex64 8, quantized uint8 1 / uint16 2 / float16 2', () => {
    const spec = (dtype: string, q?: string) =>
      ({ name: 'w', shape: [2, 3], dtype, ...(q ? { quantization: { dtype: q } } : {}) }) as never;
    expect(['float32', 'int32', 'bool', 'complex64'].map((d) => specBytes(spec(d)))).toEqual([24, 24, 6, 48]);
    expect(['uint8', 'uint16', 'float16'].map((q) => specBytes(spec('float32', q)))).toEqual([6, 12, 12]);
    expect(specBytes({ name: 's', shape: [], dtype: 'float32' })).toBe(4);
  });

  it('a uint8-quantized manifest with the matching byte count loads', async () => {
    const dir = await savedDir();
    // kernel [3, 2] and bias [2] quantized to uint8: 6 + 2 bytes
    editModelJSON(dir, (j) =>
      j.weightsManifest[0].weights.forEach((w: Record<string, unknown>) => (w.quantization = { dtype: 'uint8', scale: 0.5, min: -1 })),
    );
    writeFileSync(join(dir, 'weights.bin'), Buffer.from([0, 1, 2, 3, 4, 5, 6, 7]));
    const before = tf.memory().numTensors;
    const m = await tf.loadLayersModel(fileSystem(dir));
    const [k] = m.getWeights();
    expect(Array.from(k.dataSync())).toEqual([-1, -0.5, 0, 0.5, 1, 1.5]);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('model.json is checked before anything is built', () => {
  const cases: Array<[string, (dir: string) => void, RegExp]> = [
    ['not JSON', (d) => writeFileSync(join(d, 'model.json'), '{"modelTopology": '), /not valid JSON/],
    ['a JSON array', (d) => writeFileSync(join(d, 'model.json'), '[1, 2]'), /JSON object/],
    ['no modelTopology', (d) => editModelJSON(d, (j) => delete j.modelTopology), /modelTopology must be an object/],
    ['modelTopology a string', (d) => editModelJSON(d, (j) => (j.modelTopology = 'Sequential')), /modelTopology must be an object/],
    ['modelTopology without class_name', (d) => editModelJSON(d, (j) => delete j.modelTopology.class_name), /class_name/],
    ['no weightsManifest', (d) => editModelJSON(d, (j) => delete j.weightsManifest), /weightsManifest must be an array/],
    ['weightsManifest an object', (d) => editModelJSON(d, (j) => (j.weightsManifest = { paths: [] })), /weightsManifest must be an array/],
    [
      'a group without paths',
      (d) => editModelJSON(d, (j) => delete j.weightsManifest[0].paths),
      /weightsManifest\[0\]\.paths must be an array/,
    ],
    ['a numeric path', (d) => editModelJSON(d, (j) => (j.weightsManifest[0].paths = [3])), /paths\[0\] must be a non-empty file name/],
    ['weights not an array', (d) => editModelJSON(d, (j) => (j.weightsManifest[0].weights = null)), /weights must be an array/],
    ['a spec without a name', (d) => editModelJSON(d, (j) => delete j.weightsManifest[0].weights[1].name), /weights\[1\]\.name/],
    [
      'a negative dimension',
      (d) => editModelJSON(d, (j) => (j.weightsManifest[0].weights[0].shape = [-3, 2])),
      /shape must be an array of non-negative integers/,
    ],
    ['a fractional dimension', (d) => editModelJSON(d, (j) => (j.weightsManifest[0].weights[0].shape = [1.5, 2])), /non-negative integers/],
    ['a string dtype', (d) => editModelJSON(d, (j) => (j.weightsManifest[0].weights[0].dtype = 'string')), /dtype must be one of/],
    [
      'an unknown quantization',
      (d) => editModelJSON(d, (j) => (j.weightsManifest[0].weights[0].quantization = { dtype: 'int4' })),
      /quantization\.dtype/,
    ],
    ['trainingConfig a number', (d) => editModelJSON(d, (j) => (j.trainingConfig = 5)), /trainingConfig must be an object/],
    [
      'model.json a folder',
      (d) => {
        rmSync(join(d, 'model.json'));
        mkdirSync(join(d, 'model.json'));
      },
      /not a regular file/,
    ],
  ];
  for (const [what, corrupt, message] of cases) {
    it(`${what} → ModelFileError`, async () => {
      const dir = await savedDir();
      corrupt(dir);
      const e = await loadError(dir);
      expect(e).toBeInstanceOf(ModelFileError);
      expect(e.message).toMatch(message);
      expect(e.message).toContain('model.json');
    });
  }

  it('the saved model.json itself passes (the checks accept what the handler writes)', async () => {
    const dir = await savedDir();
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.weightsManifest[0].weights.map((w: { shape: number[] }) => w.shape)).toEqual([[3, 2], [2]]);
    const m = await tf.loadLayersModel(fileSystem(dir));
    expect(m.countParams()).toBe(8);
    m.dispose();
  });
});
