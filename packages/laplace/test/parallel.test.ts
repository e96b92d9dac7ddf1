import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  fitCurvaturePartial,
  fitLaplace,
  laplaceFromPartial,
  marglikTraining,
  mergeCurvaturePartials,
  PartialMismatchError,
  WorkerShardError,
  type CurvatureStructure,
  type CurvatureType,
  type Laplace,
} from '@spam/laplace';
import { nodeWorkers } from '@spam/laplace/parallel';
import { arr, randomLabels, randomTensor, relErr, seedWeights } from '../../../test/helpers/index.js';

const L = tf.layers;

/** A small residual CNN with BatchNormalization (kron blocks + exact-diagonal BN blocks). */
function resnetLike(): tf.LayersModel {
  const x = tf.input({ shape: [6, 6, 2] });
  const c1 = L.conv2d({ filters: 3, kernelSize: 3, padding: 'same', name: 'c1' }).apply(x) as tf.SymbolicTensor;
  const bn = L.batchNormalization({ name: 'bn' }).apply(c1) as tf.SymbolicTensor;
  const r = L.reLU().apply(bn) as tf.SymbolicTensor;
  const c2 = L.conv2d({ filters: 3, kernelSize: 1, name: 'c2' }).apply(r) as tf.SymbolicTensor;
  const s = L.add().apply([c2, c1]) as tf.SymbolicTensor;
  const g = L.globalAveragePooling2d({}).apply(s) as tf.SymbolicTensor;
  const out = L.dense({ units: 4, name: 'out' }).apply(g) as tf.SymbolicTensor;
  const m = tf.model({ inputs: x, outputs: out });
  seedWeights(m, 5, 0.7);
  const bnLayer = m.getLayer('bn');
  // Moving variances must stay positive: reseed the BN statistics.
  bnLayer.setWeights([
    tf.tensor1d([1.1, 0.9, 1.2]),
    tf.tensor1d([0.1, -0.2, 0.05]),
    tf.tensor1d([0.3, -0.1, 0.2]),
    tf.tensor1d([0.8, 1.3, 0.6]),
  ]);
  return m;
}

function mlp(): tf.LayersModel {
  const m = tf.sequential({ layers: [L.dense({ inputShape: [5], units: 4, activation: 'tanh' }), L.dense({ units: 3 })] });
  seedWeights(m, 9, 0.8);
  return m;
}

/** Every number a fitted curvature holds, flattened. */
function contents(lap: Laplace): number[] {
  switch (lap.structure) {
    case 'diag':
      return arr(lap.diag);
    case 'full':
      return arr(lap.H);
    default:
      return [...lap.factors.flatMap((f) => [...arr(f.A), ...arr(f.G)]), ...lap.diagonalBlocks.flatMap((d) => (d ? arr(d) : []))];
  }
}

/** One-hot labels `[n, k]`. */
function labels(n: number, k: number, seed: number): tf.Tensor {
  return tf.oneHot(tf.tensor1d(randomLabels(n, k, seed), 'int32'), k);
}

// One pool for the whole file: each case below fits another model on the same warm threads.
const two = nodeWorkers({ count: 2 });
const created: tf.Tensor[] = [];
afterAll(async () => {
  tf.dispose(created);
  await two.dispose();
});

describe('data-parallel curvature on worker threads', () => {
  const cases: Array<[string, () => tf.LayersModel, number[], number, CurvatureStructure, CurvatureType]> = [
    ['mlp', mlp, [5], 3, 'full', 'ggn'],
    ['mlp', mlp, [5], 3, 'kron', 'ef'],
    ['resnet-like', resnetLike, [6, 6, 2], 4, 'diag', 'ggn'],
    ['resnet-like', resnetLike, [6, 6, 2], 4, 'kron', 'mc'],
    ['resnet-like', resnetLike, [6, 6, 2], 4, 'kron', 'ggn'],
  ];
  for (const [name, build, shape, k, structure, curvature] of cases) {
    it(`${name} ${structure}/${curvature}: 2 workers = 1 thread (to float32 rounding), counts and loss equal, no leak`, async () => {
      const model = build();
      const xs = randomTensor([37, ...shape], 11);
      const ys = labels(37, k, 12);
      created.push(xs, ys);
      const data = { xs, ys, batchSize: 8 };
      const opts = { likelihood: 'classification' as const, structure, curvature, seed: 3 };
      const single = await fitLaplace(model, data, opts);
      const before = tf.memory().numTensors;
      const weights = model.getWeights().map((w) => arr(w));
      const seen: number[] = [];
      const parallel = await fitLaplace(model, data, { ...opts, workers: two, onProgress: (p) => seen.push(p.examples) });
      expect(relErr(contents(parallel), contents(single))).toBeLessThan(2e-6);
      expect(parallel.nData).toBe(37);
      expect(parallel.loss).toBeCloseTo(single.loss, 3);
      expect(seen.at(-1)).toBe(37);
      expect(model.getWeights().map((w) => arr(w))).toEqual(weights);
      parallel.dispose();
      expect(tf.memory().numTensors).toBe(before);
      single.dispose();
    });
  }

  it('workers: 2 through the default runner registered by importing @spam/laplace/parallel', async () => {
    const model = mlp();
    const xs = randomTensor([20, 5], 21);
    const ys = labels(20, 3, 22);
    created.push(xs, ys);
    const a = await fitLaplace(model, { xs, ys, batchSize: 4 }, { likelihood: 'classification', structure: 'diag', workers: 2 });
    const b = await fitLaplace(model, { xs, ys, batchSize: 4 }, { likelihood: 'classification', structure: 'diag' });
    expect(relErr(contents(a), contents(b))).toBeLessThan(2e-6);
    a.dispose();
    b.dispose();
  });

  it('a shard whose worker throws: WorkerShardError naming the shard, model untouched', async () => {
    const model = mlp();
    const xs = randomTensor([16, 5], 31);
    const ys = labels(16, 3, 32);
    created.push(xs, ys);
    const before = tf.memory().numTensors;
    const bad = nodeWorkers({ count: 2, setup: [new URL('./fixtures/throwing-setup.mjs', import.meta.url).pathname] });
    const err = await fitLaplace(model, { xs, ys, batchSize: 4 }, { likelihood: 'classification', structure: 'diag', workers: bad }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkerShardError);
    expect((err as WorkerShardError).shard).toBe(1);
    expect((err as Error).message).toMatch(/shard 1 .*setup failed on purpose/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a worker that dies mid-fit: WorkerShardError with the exit code', async () => {
    const model = mlp();
    const xs = randomTensor([16, 5], 41);
    const ys = labels(16, 3, 42);
    created.push(xs, ys);
    const dying = nodeWorkers({ count: 2, setup: [new URL('./fixtures/exiting-setup.mjs', import.meta.url).pathname] });
    const err = await fitLaplace(
      model,
      { xs, ys, batchSize: 4 },
      { likelihood: 'classification', structure: 'diag', workers: dying },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerShardError);
    expect((err as Error).message).toMatch(/shard 1 .*exited \(code 7\)/);
  });

  it('no thread outlives a fit: a process that ran a parallel fit exits on its own (built packages)', () => {
    const script = fileURLToPath(new URL('./fixtures/parallel-exit.mjs', import.meta.url));
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 90_000 });
    expect(r.signal, `killed after 90 s: threads kept the process alive\n${r.stderr}`).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('done 16');
  });

  it('data that cannot be split, and bad worker counts: typed errors', async () => {
    const model = mlp();
    const xs = randomTensor([8, 5], 51);
    const ys = labels(8, 3, 52);
    created.push(xs, ys);
    await expect(fitLaplace(model, [{ xs, ys }], { likelihood: 'classification', workers: two })).rejects.toThrow(/in-memory data/);
    await expect(fitLaplace(model, { xs, ys }, { likelihood: 'classification', workers: 0 })).rejects.toThrow(/workers must be/);
    expect(() => nodeWorkers({ count: -1 })).toThrow(/count must be/);
  });
});

describe('marglikTraining with workers', () => {
  it('the curvature of every marglik step on 2 threads: same log marginal likelihoods and weights as in-process', async () => {
    const xs = randomTensor([24, 5], 71);
    const ys = labels(24, 3, 72);
    created.push(xs, ys);
    const run = async (workers: number) => {
      const model = mlp();
      const r = await marglikTraining(
        model,
        { xs, ys, batchSize: 8 },
        { likelihood: 'classification', structure: 'kron', epochs: 2, marglikEvery: 1, hyperSteps: 3, workers },
      );
      const out = { logZ: r.history.map((h) => h.logMarglik ?? NaN), weights: model.getWeights().flatMap((w) => arr(w)) };
      r.laplace.dispose();
      r.prior.dispose();
      return out;
    };
    const one = await run(1);
    const two = await run(2);
    expect(one.logZ.every(Number.isFinite)).toBe(true);
    expect(relErr(two.logZ, one.logZ)).toBeLessThan(1e-5);
    expect(relErr(two.weights, one.weights)).toBeLessThan(1e-5);
  });
});

describe('partial curvature sums', () => {
  it('two shards fitted in-process, merged = one fit; mismatches are refused', async () => {
    const model = mlp();
    const xs = randomTensor([12, 5], 61);
    const ys = labels(12, 3, 62);
    created.push(xs, ys);
    const opts = { likelihood: 'classification' as const, structure: 'kron' as const, curvature: 'mc' as const, seed: 5 };
    const [x0, x1, y0, y1] = [xs.slice(0, 8), xs.slice(8), ys.slice(0, 8), ys.slice(8)];
    created.push(x0, x1, y0, y1);
    const p0 = await fitCurvaturePartial(model, { xs: x0, ys: y0, batchSize: 4 }, opts);
    const p1 = await fitCurvaturePartial(model, { xs: x1, ys: y1, batchSize: 4 }, { ...opts, firstBatch: 2 });
    const merged = mergeCurvaturePartials([p1, p0]);
    expect(merged.nData).toBe(12);
    const a = laplaceFromPartial(model, merged, opts);
    const b = await fitLaplace(model, { xs, ys, batchSize: 4 }, opts);
    expect(relErr(contents(a), contents(b))).toBeLessThan(2e-6);
    a.dispose();
    b.dispose();
    expect(() => mergeCurvaturePartials([p0, p0])).toThrow(PartialMismatchError);
    expect(() => mergeCurvaturePartials([p0, { ...p1, seed: 6 }])).toThrow(/seed/);
    expect(() => laplaceFromPartial(mlp(), { ...merged, params: merged.params.slice(1) }, opts)).toThrow(/another model/);
    expect(() => laplaceFromPartial(model, { ...merged, version: 99 }, opts)).toThrow(/version 99; this build reads version 1/);
    expect(() => laplaceFromPartial(model, merged, { ...opts, curvature: 'ggn' })).toThrow(/curvature 'mc'/);
  });
});
