// The playground's engine in Node (the code the page's worker runs): a MAP and a SpaM training on
// breast cancer, the curves, the slider point, unit removal and the export round trip, with
// tf.memory() unchanged around every public call.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBreastCancerHost } from '@spam/harness';
import type { HostDataset } from '../src/dataset.js';
import { DEFAULT_CONFIG, type TrainConfig, ConfigError, checkConfig } from '../src/engine/config.js';
import { dataTensors, disposeRun, trainRun, type DataTensors, type TrainedRun, type TrainEvent } from '../src/engine/train.js';
import { exportModel, exportPruned, removeUnits, ScoreCache, sparsityCurves, sparsityPoint } from '../src/engine/analysis.js';

function breastCancer(): HostDataset {
  const h = loadBreastCancerHost();
  return {
    id: 'breast-cancer',
    title: 'breast cancer',
    numFeatures: 30,
    numClasses: 2,
    classNames: ['malignant', 'benign'],
    xTrain: h.xTrain,
    xTest: h.xTest,
    yTrain: h.trainLabels,
    yTest: h.testLabels,
  };
}

const config: TrainConfig = { ...DEFAULT_CONFIG, hidden: [16], epochs: 3, batchSize: 64, hyperSteps: 10 };

describe('playground engine (Node)', () => {
  let data: DataTensors;
  let before: number;
  const runs: TrainedRun[] = [];
  const events: TrainEvent[] = [];

  beforeAll(async () => {
    before = tf.memory().numTensors;
    data = dataTensors(breastCancer());
    runs.push(await trainRun('map', config, data, 2));
    runs.push(await trainRun('spam', config, data, 2, { onEvent: (e) => events.push(e) }));
  });
  afterAll(() => {
    runs.forEach(disposeRun);
    tf.dispose(Object.values(data));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports per-epoch loss, log Z, accuracy and log δ per layer for SpaM', () => {
    const epochs = events.filter((e) => e.stage === 'epoch');
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    for (const e of epochs) {
      expect(Number.isFinite(e.loss)).toBe(true);
      expect(Number.isFinite(e.logMarglik!)).toBe(true);
      expect(e.accuracy).toBeGreaterThan(0.5);
    }
    const deltas = events.filter((e) => e.stage === 'delta');
    expect(deltas).toHaveLength(3);
    expect(deltas[2].rows.map((r) => r.name)).toEqual(['fc1/kernel', 'fc1/bias', 'fc2/kernel', 'fc2/bias']);
    // SpaM moved δ away from δ₀ = 1 (log δ = 0).
    expect(Math.max(...deltas[2].rows.map((r) => Math.abs(r.max)))).toBeGreaterThan(0.01);
  });

  it('MAP keeps δ = δ₀ and both nets beat chance on the test split', () => {
    expect(runs[0].prior.summary().max).toBeCloseTo(1, 6);
    for (const r of runs) expect(r.test.accuracy).toBeGreaterThan(0.85);
  });

  it('curves, slider point and memory', async () => {
    const n0 = tf.memory().numTensors;
    const cache = new ScoreCache(runs[1], data, 1);
    const curves = await sparsityCurves(runs[1], cache, ['opd', 'random'], data, [0, 0.5, 0.99]);
    expect(curves).toHaveLength(6);
    const at = (c: string, s: number) => curves.find((p) => p.criterion === c && p.sparsity === s)!;
    expect(at('opd', 0).accuracy).toBeCloseTo(runs[1].test.accuracy, 10);
    expect(at('opd', 0.5).pruned).toBe(Math.floor(0.5 * (30 * 16 + 16 * 2)));
    expect(at('opd', 0.5).total).toBe(30 * 16 + 16 * 2);
    const p = await sparsityPoint(runs[1], cache, 'opd', 0.5, data);
    expect(p.accuracy).toBe(at('opd', 0.5).accuracy);
    cache.dispose();
    expect(tf.memory().numTensors).toBe(n0);
  });

  it('unit removal gives a smaller model; the export reads back with that shape', async () => {
    const n0 = tf.memory().numTensors;
    const cache = new ScoreCache(runs[1], data, 1);
    const { model, result } = await removeUnits(runs[1], cache, 'opd', 0.5, data);
    expect(result.units).toEqual([
      { name: 'fc1', units: 8 },
      { name: 'fc2', units: 2 },
    ]);
    expect(result.params).toBe(30 * 8 + 8 + 8 * 2 + 2);
    expect(result.macs).toBe(30 * 8 + 8 * 2);
    expect(result.latencyMs).toBeGreaterThan(0);
    const files = await exportModel(model, 'units');
    const back = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: JSON.parse(files.json).modelTopology,
        weightSpecs: JSON.parse(files.json).weightsManifest[0].weights,
        weightData: files.weights,
      }),
    );
    expect(back.layers.map((l) => (l.getWeights()[0].shape as number[]).join('x'))).toEqual(['30x8', '8x2']);
    const diff = tf.tidy(
      () => tf.max(tf.abs(tf.sub(back.predict(data.xTest) as tf.Tensor, model.predict(data.xTest) as tf.Tensor))).dataSync()[0],
    );
    expect(diff).toBe(0);
    back.dispose();
    model.dispose();
    // Element-pruned export: half the kernel entries are zero, the run's own weights untouched.
    const w0 = runs[1].model.getWeights()[0].dataSync().slice();
    const pruned = await exportPruned(runs[1], cache, 'opd', 0.5, 'pruned');
    expect(runs[1].model.getWeights()[0].dataSync()).toEqual(w0);
    const kernels = new Float32Array(pruned.weights, 0, 30 * 16);
    expect(kernels.filter((v) => v === 0).length).toBeGreaterThan(100);
    cache.dispose();
    expect(tf.memory().numTensors).toBe(n0);
  });

  it('checkConfig names the bad setting', () => {
    expect(() => checkConfig({ ...config, epochs: 0 })).toThrow(ConfigError);
    expect(() => checkConfig({ ...config, epochs: 0 })).toThrow(/epochs/);
    expect(() => checkConfig({ ...config, hidden: [0] })).toThrow(/hidden layer 1 width/);
    expect(() => checkConfig({ ...config, lr: NaN })).toThrow(/learning rate/);
  });
});
