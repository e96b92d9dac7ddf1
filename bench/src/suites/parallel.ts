import * as tf from '@tensorflow/tfjs';
import { loadavg } from 'node:os';
import { fitLaplace, type CurvatureStructure } from '@spam/laplace';
import { nodeWorkers, type NodeWorkers } from '@spam/laplace/parallel';
import { describeBackend, useBackend } from '../lib/backend.js';
import { loadMnistDigits, MNIST_CLASSES, MNIST_PIXELS, shuffledSubset } from '../lib/mnist.js';
import { median, round, secondsSince } from '../lib/stats.js';
import { formatTable } from '../lib/table.js';
import type { Suite, SuiteContext, SuiteOutput } from './types.js';

/** One row of `bench/results/parallel.json`. */
export interface ParallelRow {
  task: 'kfac-ggn-fit' | 'diag-ggn-fit' | 'worker-startup';
  model: '784-500-300-10';
  backend: string;
  /** Worker threads (1 = the in-process fit, no threads). */
  workers: number;
  /**
   * With workers ≥ 2: `'cold'` = a pool started and disposed within the fit (`workers: 2`);
   * `'warm'` = one `nodeWorkers` pool kept across the repeats, warmed by an untimed fit first
   * (threads, tfjs and the model already there; each fit sends the weights and the data).
   */
  pool?: 'cold' | 'warm';
  /** Whether @spam/tfjs-wasm-kernels was imported (never here: curvature fits do not need it). */
  kernels: boolean;
  n: number;
  /** Median wall-clock seconds over the repeats. */
  seconds: number;
  repeats: number;
  /** 1-minute load average before the first and after the last timed run. */
  loadBefore: number;
  loadAfter: number;
}

const BATCH_SIZE = 128;
const QUICK_EXAMPLES = 1000;
/** Target of issue 16: a KFAC GGN fit with 2 workers ≥ 1.7× faster than with 1. */
const TARGET_SPEEDUP = 1.7;

function mlp(): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [MNIST_PIXELS],
        units: 500,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      }),
      tf.layers.dense({ units: 300, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
      tf.layers.dense({ units: MNIST_CLASSES, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
    ],
  });
  return model;
}

/** One timed fit; `workers` a count (a cold pool made and disposed by the fit; 1 = in-process) or a warm pool. */
async function timeFit(
  model: tf.LayersModel,
  xs: tf.Tensor,
  ys: tf.Tensor,
  structure: CurvatureStructure,
  workers: number | NodeWorkers,
): Promise<number> {
  const start = process.hrtime.bigint();
  const lap = await fitLaplace(
    model,
    { xs, ys, batchSize: BATCH_SIZE },
    { likelihood: 'classification', structure, curvature: 'ggn', workers },
  );
  lap.dispose();
  return secondsSince(start);
}

/** The row's label in the report: workers, and the pool for parallel rows. */
const label = (r: ParallelRow) => (r.pool ? `${r.workers} (${r.pool})` : String(r.workers));

function report(rows: ParallelRow[], quick: boolean, backendLine: string): string {
  const out = [`Backend: ${backendLine} (each worker thread runs its own single-threaded wasm backend)`, ''];
  out.push(
    formatTable(
      ['task', 'workers', 'n', 'seconds', 'speedup vs 1', 'load before→after'],
      rows.map((r) => {
        const one = rows.find((o) => o.task === r.task && o.workers === 1);
        return [
          r.task,
          label(r),
          r.n,
          r.seconds.toFixed(2),
          one && r.task !== 'worker-startup' ? (one.seconds / r.seconds).toFixed(2) : '–',
          `${r.loadBefore.toFixed(2)}→${r.loadAfter.toFixed(2)}`,
        ];
      }),
    ),
  );
  const one = rows.find((r) => r.task === 'kfac-ggn-fit' && r.workers === 1);
  for (const pool of ['cold', 'warm'] as const) {
    const two = rows.find((r) => r.task === 'kfac-ggn-fit' && r.workers === 2 && r.pool === pool);
    const startup = rows.find((r) => r.task === 'worker-startup' && r.pool === pool);
    if (!one || !two) continue;
    const s = one.seconds / two.seconds;
    out.push(
      '',
      `Target (${pool} pool): kfac-ggn-fit with 2 workers ≥ ${TARGET_SPEEDUP}× faster than 1: ${s.toFixed(2)}×${quick ? ' (not judged in --quick)' : s >= TARGET_SPEEDUP ? '  PASS' : '  MISS'}`,
    );
    if (startup) {
      // t(N) ≈ t_fixed + t_shard/N + t_merge: t_fixed from the tiny fit, t_shard = the in-process fit, t_merge the rest of the 2-thread fit.
      const fixed = startup.seconds;
      const merge = Math.max(0, two.seconds - fixed - one.seconds / 2);
      const lines = [2, 4, 8, 16].map((w) => `${w} cores ≈ ${(one.seconds / (fixed + one.seconds / w + merge)).toFixed(1)}×`);
      out.push(
        `Model for N cores, ${pool} pool: t(N) ≈ ${fixed.toFixed(2)} s + ${one.seconds.toFixed(2)} s/N + ${merge.toFixed(2)} s: ${lines.join(', ')} (needs memory for N model copies)`,
      );
    }
  }
  return out.join('\n');
}

export const parallelSuite: Suite = {
  name: 'parallel',
  description:
    'fitLaplace (KFAC and diag GGN) of 784-500-300-10 on 10k MNIST digits with 1 and 2 worker threads (wasm): a cold pool per fit, and a warm pool reused across fits',
  async run(ctx: SuiteContext): Promise<SuiteOutput<ParallelRow>> {
    await useBackend('wasm');
    const backendLine = await describeBackend();
    const data = shuffledSubset(loadMnistDigits(), ctx.quick ? QUICK_EXAMPLES : 10_000);
    const xs = tf.tensor2d(data.images, [data.n, MNIST_PIXELS]);
    const ys = tf.oneHot(tf.tensor1d(data.labels, 'int32'), MNIST_CLASSES);
    const model = mlp();
    const rows: ParallelRow[] = [];
    try {
      // Fixed cost of a parallel fit: two workers on two batches minus one batch in-process — what the threads add beyond the
      // work itself. Cold: threads start, tfjs set-up, model rebuilt. Warm: the weights and the data sent to a running thread.
      const tinyX = xs.slice(0, 2 * BATCH_SIZE);
      const tinyY = ys.slice(0, 2 * BATCH_SIZE);
      const oneX = xs.slice(0, BATCH_SIZE);
      const oneY = ys.slice(0, BATCH_SIZE);
      const warm = nodeWorkers({ count: 2 });
      try {
        for (const pool of ['cold', 'warm'] as const) {
          const workers = pool === 'cold' ? 2 : warm;
          if (pool === 'warm') await timeFit(model, tinyX, tinyY, 'kron', warm); // start the threads, untimed
          const loadStart = loadavg()[0];
          const tiny = [] as number[];
          for (let r = 0; r < ctx.repeats; r++)
            tiny.push((await timeFit(model, tinyX, tinyY, 'kron', workers)) - (await timeFit(model, oneX, oneY, 'kron', 1)));
          rows.push({
            task: 'worker-startup',
            model: '784-500-300-10',
            backend: 'wasm',
            workers: 2,
            pool,
            kernels: false,
            n: 2 * BATCH_SIZE,
            seconds: round(Math.max(0, median(tiny))),
            repeats: ctx.repeats,
            loadBefore: round(loadStart, 2),
            loadAfter: round(loadavg()[0], 2),
          });
        }
        tf.dispose([tinyX, tinyY, oneX, oneY]);
        const runs: Array<[ParallelRow['task'], CurvatureStructure, number, ParallelRow['pool']]> = [
          ['kfac-ggn-fit', 'kron', 1, undefined],
          ['kfac-ggn-fit', 'kron', 2, 'cold'],
          ['kfac-ggn-fit', 'kron', 2, 'warm'],
          ['diag-ggn-fit', 'diag', 1, undefined],
          ['diag-ggn-fit', 'diag', 2, 'cold'],
        ];
        for (const [task, structure, workers, pool] of runs) {
          ctx.log(`${task} workers=${workers}${pool ? ` (${pool} pool)` : ''} n=${data.n}`);
          // The warm pool already fitted this model (above): its threads hold it; each fit sends weights and data only.
          const loadBefore = loadavg()[0];
          const times: number[] = [];
          for (let r = 0; r < ctx.repeats; r++) times.push(await timeFit(model, xs, ys, structure, pool === 'warm' ? warm : workers));
          rows.push({
            task,
            model: '784-500-300-10',
            backend: 'wasm',
            workers,
            ...(pool ? { pool } : {}),
            kernels: false,
            n: data.n,
            seconds: round(median(times)),
            repeats: ctx.repeats,
            loadBefore: round(loadBefore, 2),
            loadAfter: round(loadavg()[0], 2),
          });
        }
      } finally {
        await warm.dispose();
      }
    } finally {
      tf.dispose([xs, ys]);
      model.dispose();
    }
    return { rows, report: report(rows, ctx.quick, backendLine) };
  },
};
