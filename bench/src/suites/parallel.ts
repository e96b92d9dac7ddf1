import * as tf from '@tensorflow/tfjs';
import { loadavg } from 'node:os';
import { fitLaplace, type CurvatureStructure } from '@spam/laplace';
import { nodeWorkers } from '@spam/laplace/parallel';
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

async function timeFit(
  model: tf.LayersModel,
  xs: tf.Tensor,
  ys: tf.Tensor,
  structure: CurvatureStructure,
  workers: number,
): Promise<number> {
  const start = process.hrtime.bigint();
  const lap = await fitLaplace(
    model,
    { xs, ys, batchSize: BATCH_SIZE },
    { likelihood: 'classification', structure, curvature: 'ggn', workers: workers === 1 ? 1 : nodeWorkers({ count: workers }) },
  );
  lap.dispose();
  return secondsSince(start);
}

function report(rows: ParallelRow[], quick: boolean, backendLine: string): string {
  const out = [`Backend: ${backendLine} (each worker thread runs its own single-threaded wasm backend)`, ''];
  out.push(
    formatTable(
      ['task', 'workers', 'n', 'seconds', 'speedup vs 1', 'load before→after'],
      rows.map((r) => {
        const one = rows.find((o) => o.task === r.task && o.workers === 1);
        return [
          r.task,
          r.workers,
          r.n,
          r.seconds.toFixed(2),
          one && r.task !== 'worker-startup' ? (one.seconds / r.seconds).toFixed(2) : '–',
          `${r.loadBefore.toFixed(2)}→${r.loadAfter.toFixed(2)}`,
        ];
      }),
    ),
  );
  const one = rows.find((r) => r.task === 'kfac-ggn-fit' && r.workers === 1);
  const two = rows.find((r) => r.task === 'kfac-ggn-fit' && r.workers === 2);
  const startup = rows.find((r) => r.task === 'worker-startup');
  if (one && two) {
    const s = one.seconds / two.seconds;
    out.push(
      '',
      `Target: kfac-ggn-fit with 2 workers ≥ ${TARGET_SPEEDUP}× faster than 1: ${s.toFixed(2)}×${quick ? ' (not judged in --quick)' : s >= TARGET_SPEEDUP ? '  PASS' : '  MISS'}`,
    );
    if (startup) {
      // Amdahl-style model: T(w) ≈ c + T1/w with c the fixed cost of starting threads and shipping the model (measured on a tiny fit).
      const c = startup.seconds;
      const lines = [2, 4, 8, 16].map((w) => `${w} cores ≈ ${(one.seconds / (c + one.seconds / w)).toFixed(1)}×`);
      out.push(
        `Model for N cores (T(w) ≈ ${c.toFixed(2)} s + T1/w, T1 = ${one.seconds.toFixed(1)} s): ${lines.join(', ')} (needs memory for w model copies)`,
      );
    }
  }
  return out.join('\n');
}

export const parallelSuite: Suite = {
  name: 'parallel',
  description: 'fitLaplace (KFAC and diag GGN) of 784-500-300-10 on 10k MNIST digits with 1 and 2 worker threads (wasm)',
  async run(ctx: SuiteContext): Promise<SuiteOutput<ParallelRow>> {
    await useBackend('wasm');
    const backendLine = await describeBackend();
    const data = shuffledSubset(loadMnistDigits(), ctx.quick ? QUICK_EXAMPLES : 10_000);
    const xs = tf.tensor2d(data.images, [data.n, MNIST_PIXELS]);
    const ys = tf.oneHot(tf.tensor1d(data.labels, 'int32'), MNIST_CLASSES);
    const model = mlp();
    const rows: ParallelRow[] = [];
    try {
      // Fixed cost of a parallel fit: threads, backend set-up, model shipping, on one batch per worker.
      const tinyX = xs.slice(0, 2 * BATCH_SIZE);
      const tinyY = ys.slice(0, 2 * BATCH_SIZE);
      const oneX = xs.slice(0, BATCH_SIZE);
      const oneY = ys.slice(0, BATCH_SIZE);
      const loadStart = loadavg()[0];
      const tiny = [] as number[];
      // Two workers on two batches minus one batch in-process: what the threads add beyond the work itself.
      for (let r = 0; r < ctx.repeats; r++)
        tiny.push((await timeFit(model, tinyX, tinyY, 'kron', 2)) - (await timeFit(model, oneX, oneY, 'kron', 1)));
      tf.dispose([tinyX, tinyY, oneX, oneY]);
      rows.push({
        task: 'worker-startup',
        model: '784-500-300-10',
        backend: 'wasm',
        workers: 2,
        kernels: false,
        n: 2 * BATCH_SIZE,
        seconds: round(Math.max(0, median(tiny))),
        repeats: ctx.repeats,
        loadBefore: round(loadStart, 2),
        loadAfter: round(loadavg()[0], 2),
      });
      for (const [task, structure] of [
        ['kfac-ggn-fit', 'kron'],
        ['diag-ggn-fit', 'diag'],
      ] as const) {
        for (const workers of [1, 2]) {
          ctx.log(`${task} workers=${workers} n=${data.n}`);
          const loadBefore = loadavg()[0];
          const times: number[] = [];
          for (let r = 0; r < ctx.repeats; r++) times.push(await timeFit(model, xs, ys, structure, workers));
          rows.push({
            task,
            model: '784-500-300-10',
            backend: 'wasm',
            workers,
            kernels: false,
            n: data.n,
            seconds: round(median(times)),
            repeats: ctx.repeats,
            loadBefore: round(loadBefore, 2),
            loadAfter: round(loadavg()[0], 2),
          });
        }
      }
    } finally {
      tf.dispose([xs, ys]);
      model.dispose();
    }
    return { rows, report: report(rows, ctx.quick, backendLine) };
  },
};
