import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DisposedError } from '@spam/core';
import {
  fitLaplace,
  marglikTraining,
  setDefaultCurvatureWorkers,
  WorkerPoolDisposedError,
  WorkerShardError,
  type CurvatureStructure,
  type Laplace,
} from '@spam/laplace';
import { nodeWorkers, type NodeWorkers } from '@spam/laplace/parallel';
import { arr, randomLabels, randomTensor, relErr, seedWeights } from '../../../test/helpers/index.js';

const L = tf.layers;
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

function mlp(seed: number, hidden = 4): tf.LayersModel {
  const m = tf.sequential({ layers: [L.dense({ inputShape: [5], units: hidden, activation: 'tanh' }), L.dense({ units: 3 })] });
  seedWeights(m, seed, 0.8);
  return m;
}

/** Every number a fitted curvature holds, flattened. */
function contents(lap: Laplace): number[] {
  if (lap.structure === 'diag') return arr(lap.diag);
  if (lap.structure === 'full') return arr(lap.H);
  return lap.factors.flatMap((f) => [...arr(f.A), ...arr(f.G)]);
}

const xs = randomTensor([30, 5], 81);
const ys = tf.oneHot(tf.tensor1d(randomLabels(30, 3, 82), 'int32'), 3);
const data = { xs, ys, batchSize: 8 };
const dir = mkdtempSync(join(tmpdir(), 'spam-pool-'));
const pools: NodeWorkers[] = [];
/** A pool whose threads log each setup (one line per thread start) to a fresh file. */
function countingPool(): { pool: NodeWorkers; starts: () => string[] } {
  const log = join(dir, `setup-${pools.length}.log`);
  process.env.SPAM_SETUP_LOG = log;
  const pool = nodeWorkers({ count: 2, setup: [fixture('counting-setup.mjs')] });
  pools.push(pool);
  return { pool, starts: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []) };
}
afterEach(() => {
  delete process.env.SPAM_SETUP_LOG;
  delete process.env.SPAM_KILL_FILE;
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.dispose()));
  tf.dispose([xs, ys]);
  rmSync(dir, { recursive: true, force: true });
});

describe('a nodeWorkers pool reused across fits', () => {
  it('consecutive fits on one pool = in-process fits, new weights picked up, one thread started once, no leak', async () => {
    const { pool, starts } = countingPool();
    const model = mlp(1);
    const before = tf.memory().numTensors;
    for (const [step, structure] of [
      [0, 'kron'],
      [1, 'kron'],
      [2, 'diag'],
    ] as Array<[number, CurvatureStructure]>) {
      if (step > 0) seedWeights(model, 10 + step, 0.8); // different weights between fits
      const opts = { likelihood: 'classification' as const, structure, seed: 4 };
      const single = await fitLaplace(model, data, opts);
      const pooled = await fitLaplace(model, data, { ...opts, workers: pool });
      expect(relErr(contents(pooled), contents(single)), `fit ${step}`).toBeLessThan(2e-6);
      expect(pooled.nData).toBe(30);
      single.dispose();
      pooled.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(starts()).toHaveLength(1); // shard 1's thread, started by the first fit and kept
    expect(starts()[0]).toMatch(/^1 /);
    expect(pool.isDisposed).toBe(false);
  });

  it('another model on the same pool is rebuilt in the thread (same results as in-process)', async () => {
    const { pool, starts } = countingPool();
    for (const model of [mlp(2), mlp(3, 6), mlp(4)]) {
      const opts = { likelihood: 'classification' as const, structure: 'kron' as const };
      const single = await fitLaplace(model, data, opts);
      const pooled = await fitLaplace(model, data, { ...opts, workers: pool });
      expect(relErr(contents(pooled), contents(single))).toBeLessThan(2e-6);
      single.dispose();
      pooled.dispose();
    }
    expect(starts()).toHaveLength(1);
  });

  it('fits started at once on one pool run one after another, each right', async () => {
    const { pool, starts } = countingPool();
    const [a, b] = [mlp(11), mlp(12)];
    const opts = { likelihood: 'classification' as const, structure: 'kron' as const };
    const [pa, pb] = await Promise.all([fitLaplace(a, data, { ...opts, workers: pool }), fitLaplace(b, data, { ...opts, workers: pool })]);
    for (const [model, pooled] of [
      [a, pa],
      [b, pb],
    ] as const) {
      const single = await fitLaplace(model, data, opts);
      expect(relErr(contents(pooled), contents(single))).toBeLessThan(2e-6);
      single.dispose();
      pooled.dispose();
    }
    expect(starts()).toHaveLength(1);
  });

  it('dispose() ends the pool: later use raises WorkerPoolDisposedError (a DisposedError), no leak; dispose is idempotent', async () => {
    const pool = nodeWorkers({ count: 2 });
    pools.push(pool);
    const model = mlp(5);
    const la = await fitLaplace(model, data, { likelihood: 'classification', structure: 'diag', workers: pool });
    la.dispose();
    await pool.dispose();
    await pool.dispose();
    expect(pool.isDisposed).toBe(true);
    const before = tf.memory().numTensors;
    const err = await fitLaplace(model, data, { likelihood: 'classification', structure: 'diag', workers: pool }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerPoolDisposedError);
    expect(err).toBeInstanceOf(DisposedError);
    expect((err as Error).message).toMatch(/nodeWorkers\(count 2\).*disposed \(dispose\(\)\)/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a thread that dies between fits: the next fit raises WorkerShardError naming the shard, then the pool is disposed', async () => {
    const kill = join(dir, 'kill');
    process.env.SPAM_KILL_FILE = kill;
    const pool = nodeWorkers({ count: 2, setup: [fixture('killable-setup.mjs')] });
    pools.push(pool);
    const model = mlp(6);
    const opts = { likelihood: 'classification' as const, structure: 'diag' as const, workers: pool };
    (await fitLaplace(model, data, opts)).dispose();
    writeFileSync(kill, '');
    await new Promise((r) => setTimeout(r, 300)); // the thread polls every 10 ms
    const before = tf.memory().numTensors;
    const err = await fitLaplace(model, data, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerShardError);
    expect((err as WorkerShardError).shard).toBe(1);
    expect((err as Error).message).toMatch(/shard 1 .*exited \(code 9\)/);
    expect(pool.isDisposed).toBe(true);
    await expect(fitLaplace(model, data, opts)).rejects.toThrow(/cannot be used any more: shard 1 failed/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('workers: n makes a pool per fitLaplace call and one per marglikTraining run (every step and the final fit), disposed after', async () => {
    const made: Array<{ pool: NodeWorkers; starts: () => string[] }> = [];
    setDefaultCurvatureWorkers((count) => {
      const c = countingPool();
      expect(count).toBe(2);
      made.push(c);
      return c.pool;
    });
    try {
      const model = mlp(7);
      (await fitLaplace(model, data, { likelihood: 'classification', structure: 'diag', workers: 2 })).dispose();
      expect(made).toHaveLength(1);
      expect(made[0].pool.isDisposed).toBe(true);
      const steps: number[] = [];
      const r = await marglikTraining(model, data, {
        likelihood: 'classification',
        structure: 'kron',
        epochs: 3,
        marglikEvery: 1,
        hyperSteps: 2,
        workers: 2,
        onProgress: (p) => {
          if (p.stage === 'curvature' && p.examples === 30) steps.push(p.epoch ?? 0);
        },
      });
      r.laplace.dispose();
      r.prior.dispose();
      expect(steps).toEqual([1, 2, 3]); // three marglik steps fitted on workers
      expect(made).toHaveLength(2); // one pool for the whole run
      expect(made[1].starts()).toHaveLength(1); // its thread started once
      expect(made[1].pool.isDisposed).toBe(true);
    } finally {
      setDefaultCurvatureWorkers((count) => nodeWorkers({ count }));
    }
  });

  it('a pool passed to marglikTraining stays up after the run (the caller disposes it)', async () => {
    const { pool, starts } = countingPool();
    const r = await marglikTraining(mlp(8), data, {
      likelihood: 'classification',
      structure: 'diag',
      epochs: 2,
      marglikEvery: 1,
      hyperSteps: 2,
      workers: pool,
    });
    r.laplace.dispose();
    r.prior.dispose();
    expect(pool.isDisposed).toBe(false);
    expect(starts()).toHaveLength(1);
  });

  it('a pool never disposed does not keep the process alive (built packages)', () => {
    const r = spawnSync(process.execPath, [fixture('parallel-pool-exit.mjs')], { encoding: 'utf8', timeout: 90_000 });
    expect(r.signal, `killed after 90 s: idle pool threads kept the process alive\n${r.stderr}`).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('done 16 16 disposed=false');
  });
});
