import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countParams, pruneUnits } from '@spam/structured';
import { fileSystem } from '@spam/structured/node';
import { arr, maxAbsDiff, randomTensor, seedWeights } from '../../../test/helpers/index.js';

const L = tf.layers;
const root = mkdtempSync(join(tmpdir(), 'spam-structured-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function cnn(): tf.Sequential {
  const m = tf.sequential({
    layers: [
      L.conv2d({ inputShape: [8, 8, 1], filters: 6, kernelSize: 3, activation: 'relu', name: 'c1' }),
      L.maxPooling2d({ poolSize: 2 }),
      L.flatten(),
      L.dense({ units: 16, activation: 'sigmoid', name: 'd1' }),
      L.dense({ units: 3, activation: 'softmax', name: 'out' }),
    ],
  });
  seedWeights(m, 21);
  return m;
}

const masks = {
  c1: [true, false, true, false, false, true],
  d1: Array.from({ length: 16 }, (_, i) => i % 3 === 0),
};

const bytes = (dir: string) => statSync(join(dir, 'model.json')).size + statSync(join(dir, 'weights.bin')).size;

describe('save and load the smaller model', () => {
  it('fileSystem(dir): pruned model round-trips through tf.loadLayersModel; its files are smaller', async () => {
    const m = cnn();
    const p = pruneUnits(m, masks);
    const x = randomTensor([4, 8, 8, 1], 22);
    const dirFull = join(root, 'full');
    const dirPruned = join(root, 'nested', 'pruned');
    await m.save(fileSystem(dirFull));
    const result = await p.save(fileSystem(dirPruned));
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(countParams(p) * 4);
    expect(statSync(join(dirPruned, 'weights.bin')).size).toBe(countParams(p) * 4);
    expect(statSync(join(dirPruned, 'weights.bin')).size).toBeLessThan(statSync(join(dirFull, 'weights.bin')).size);
    expect(bytes(dirPruned)).toBeLessThan(bytes(dirFull));
    const json = JSON.parse(readFileSync(join(dirPruned, 'model.json'), 'utf8'));
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(json.format).toBe('layers-model');

    const before = tf.memory().numTensors;
    const loaded = await tf.loadLayersModel(fileSystem(dirPruned));
    const [yp, yl] = [p, loaded].map((mm) => tf.tidy(() => arr(mm.predict(x) as tf.Tensor)));
    expect(maxAbsDiff(yp, yl)).toBe(0);
    expect(loaded.getLayer('c1').getConfig().filters).toBe(3);
    expect(loaded.getLayer('d1').getConfig().units).toBe(6);
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);

    // The original reloads too (so the handler is not specific to pruned models).
    const full = await tf.loadLayersModel(fileSystem(dirFull));
    const [ym, yf] = [m, full].map((mm) => tf.tidy(() => arr(mm.predict(x) as tf.Tensor)));
    expect(maxAbsDiff(ym, yf)).toBe(0);
    full.dispose();
    tf.dispose(x);
    p.dispose();
    m.dispose();
  });

  it('custom file names, and a missing directory rejects', async () => {
    const m = cnn();
    const dir = join(root, 'named');
    await m.save(fileSystem(dir, { modelFile: 'topology.json', weightsFile: 'w.bin' }));
    expect(statSync(join(dir, 'w.bin')).size).toBe(countParams(m) * 4);
    const loaded = await tf.loadLayersModel(fileSystem(dir, { modelFile: 'topology.json' }));
    expect(loaded.countParams()).toBe(m.countParams());
    loaded.dispose();
    await expect(tf.loadLayersModel(fileSystem(join(root, 'missing')))).rejects.toThrow(/ENOENT/);
    m.dispose();
  });

  it('standard handlers: tf.io.withSaveHandler → tf.io.fromMemory round trip', async () => {
    const m = cnn();
    const p = pruneUnits(m, masks);
    let saved: tf.io.ModelArtifacts | undefined;
    let savedFull: tf.io.ModelArtifacts | undefined;
    const handler = (set: (a: tf.io.ModelArtifacts) => void) =>
      tf.io.withSaveHandler(async (a) => {
        set(a);
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
      });
    await p.save(handler((a) => (saved = a)));
    await m.save(handler((a) => (savedFull = a)));
    const size = (a: tf.io.ModelArtifacts) => {
      const info = tf.io.getModelArtifactsInfoForJSON(a);
      return (info.modelTopologyBytes ?? 0) + (info.weightSpecsBytes ?? 0) + (info.weightDataBytes ?? 0);
    };
    expect(size(saved!)).toBeLessThan(size(savedFull!));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const x = randomTensor([3, 8, 8, 1], 23);
    const [yp, yl] = [p, loaded].map((mm) => tf.tidy(() => arr(mm.predict(x) as tf.Tensor)));
    expect(maxAbsDiff(yp, yl)).toBe(0);
    tf.dispose(x);
    [loaded, p, m].forEach((mm) => mm.dispose());
  });
});
