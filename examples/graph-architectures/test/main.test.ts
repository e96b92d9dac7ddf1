import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '@spam/harness';
import { loadMnist, parseCli, resolveSchedule, run } from '../src/main.js';

const backend = (process.env.SPAM_TEST_BACKEND ?? 'wasm') as BackendName;

describe('graph-architectures example: schedule and flags', () => {
  it('defaults: every model, the ViT with MAP vs diag + parameter-wise, OPD/magnitude/SNIP at 80–99 %', () => {
    const { name, schedule } = resolveSchedule();
    expect(name).toBe('default');
    expect(schedule.models).toEqual(['resnet', 'vit', 'mixer']);
    expect(schedule.trainings.vit.map((t) => t.name)).toEqual(['map', 'diag+parameterwise']);
    expect(schedule.trainings.vit[1]).toMatchObject({ hessian: 'diag', prior: 'parameterwise', map: false });
    expect(schedule.criteria).toEqual(['opd', 'magnitude', 'snip']);
    expect(schedule.sparsities).toEqual([0.8, 0.9, 0.95, 0.99]);
    expect(schedule.perModel.mixer.trainSize).toBe(8000);
    expect(schedule.perModel.resnet).toMatchObject({ trainSize: 2000, testSize: 1000 });
    const q = resolveSchedule({ quick: true, models: ['vit'], trainings: ['map'], epochs: 2 }).schedule;
    expect(q.models).toEqual(['vit']);
    expect(q.perModel.vit).toMatchObject({ epochs: 2, trainSize: 500 });
    expect(() => resolveSchedule({ models: ['lenet'] })).toThrow(/valid: resnet, vit, mixer/);
    expect(() => resolveSchedule({ trainings: ['kron+layerwise'] })).toThrow(/valid: map, diag\+parameterwise, kron\+unitwise/);
    expect(() => resolveSchedule({ sparsities: [1] })).toThrow(/\[0, 1\)/);
    expect(parseCli(['--models', 'vit,mixer', '--quick'])).toMatchObject({ models: ['vit', 'mixer'], quick: true });
    expect(() => parseCli(['--sparsities', '0.5,2'])).toThrow(/fractions/);
    expect(parseCli(['--help'])).toBe('help');
  });

  it('loads the digits as images for the ResNet/ViT and as vectors for the Mixer', () => {
    const before = tf.memory().numTensors;
    const img = loadMnist('image', { trainSize: 10, testSize: 5 });
    const flat = loadMnist('flat', { trainSize: 10, testSize: 5 });
    expect(img.xTrain.shape).toEqual([10, 28, 28, 1]);
    expect(flat.xTest.shape).toEqual([5, 784]);
    // The same pixels in both layouts.
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.reshape(img.xTrain, [10, 784]), flat.xTrain))).dataSync()[0]);
    expect(diff).toBe(0);
    img.dispose();
    flat.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('graph-architectures example: run', () => {
  it('trains MAP vs SpaM, scores and sweeps each model without leaking', async () => {
    const sparsities = [0.5, 0.9];
    const summary = await run({
      backend,
      log: false,
      quick: true,
      models: ['mixer'],
      trainings: ['map', 'diag+parameterwise'],
      trainSize: 128,
      testSize: 64,
      scoreExamples: 32,
      epochs: 1,
      hyperSteps: 2,
      sparsities,
    });
    expect(summary.tensorsLeaked).toBe(0);
    expect(summary.rows.map((r) => `${r.model} ${r.name}`)).toEqual(['mixer map', 'mixer diag+parameterwise']);
    for (const r of summary.rows) {
      expect(r.sweep).toHaveLength(3 * sparsities.length);
      expect(r.times.perEpochMs).toBeGreaterThan(0);
      expect(r.times.epochsMs).toBeLessThanOrEqual(r.times.totalMs);
      for (const p of r.sweep) {
        expect(p.accuracy).toBeGreaterThanOrEqual(0);
        expect(p.accuracy).toBeLessThanOrEqual(1);
      }
    }
    // MAP takes no marglik step; SpaM fits its curvature at the step.
    expect(summary.rows[0].times.curvatureMs).toBe(0);
    expect(summary.rows[1].times.curvatureMs).toBeGreaterThan(0);
    expect(summary.results).toHaveLength(2 * (3 * sparsities.length + 1));
  }, 60_000);
});
