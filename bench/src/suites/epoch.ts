import * as tf from '@tensorflow/tfjs';
import { loadavg } from 'node:os';
import { trainEpoch } from '@spam/core';
import { fitLaplace, MarglikTuner } from '@spam/laplace';
import { createPrior, type Prior } from '@spam/priors';
import { registerWasmKernels, unregisterWasmKernels, wasmKernelsRegistered } from '@spam/tfjs-wasm-kernels';
import { describeBackend, useBackend } from '../lib/backend.js';
import { loadMnistDigits, MNIST_PIXELS, shuffledSubset } from '../lib/mnist.js';
import { median, round, secondsSince } from '../lib/stats.js';
import { formatTable } from '../lib/table.js';
import { buildMlp } from './curvature.js';
import type { Suite, SuiteContext, SuiteOutput } from './types.js';

/** One row of `bench/results/epoch.json`: medians over the rounds, seconds per part. */
export interface EpochRow {
  task: 'spam-epoch';
  model: '784-500-300-10';
  hessian: 'diag';
  prior: 'parameterwise';
  backend: 'wasm';
  /** Whether @spam/tfjs-wasm-kernels' kernels were registered during the timed runs. */
  kernels: boolean;
  n: number;
  batchSize: number;
  hyperSteps: number;
  /** Median wall-clock seconds of the whole epoch (train + curvature + hyper). */
  seconds: number;
  /** Median seconds of `trainEpoch` (with the prior's δθ/N gradient, as `marglikTraining`). */
  train: number;
  /** Median seconds of the diag GGN `fitLaplace` over all n examples. */
  curvature: number;
  /** Median seconds of the K hyper steps (`MarglikTuner.hyperSteps`). */
  hyper: number;
  /**
   * Median CPU seconds of the process, whole epoch and per part: tfjs-wasm runs on one thread, so
   * these are less sensitive than wall time to the load the other processes put on the machine.
   */
  cpu: { seconds: number; train: number; curvature: number; hyper: number };
  repeats: number;
  /** 1-minute load average before the first and after the last timed run. */
  loadBefore: number;
  loadAfter: number;
}

const MODEL = '784-500-300-10' as const;
/** `spam --preset paper` on MNIST: Adam 1e-3, batch 64, F = 1, K = 100. */
const BATCH_SIZE = 64;
const HYPER_STEPS = 100;
const QUICK_EXAMPLES = 1000;
/** The paper's PyTorch code on this CPU: one 784-500-300-10 parameter-wise SpaM epoch. */
const PAPER_SECONDS = 20;

type Part = 'train' | 'curvature' | 'hyper';
const PARTS: readonly Part[] = ['train', 'curvature', 'hyper'];

/** Wall-clock and process CPU seconds of each part of one epoch. */
type Parts = Record<Part, { wall: number; cpu: number }>;

/** Runs `f`, returning its value and its wall-clock and CPU seconds. */
async function timed<T>(f: () => Promise<T> | T): Promise<{ value: T; wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const value = await f();
  const wall = secondsSince(t0);
  const cpu = process.cpuUsage(cpu0);
  return { value, wall, cpu: (cpu.user + cpu.system) / 1e6 };
}

/** One SpaM epoch as `marglikTraining` runs it (F = 1), each part timed. */
async function spamEpoch(
  model: tf.LayersModel,
  train: { xs: tf.Tensor; ys: tf.Tensor; batchSize: number },
  prior: Prior,
  tuner: MarglikTuner,
  optimizer: tf.Optimizer,
  epoch: number,
): Promise<Parts> {
  const n = train.xs.shape[0];
  const trained = await timed(async () => {
    const deltaOverN = tf.tidy(() => prior.precisionBlocks().map((d) => tf.div(d, n)));
    try {
      await trainEpoch(model, train, {
        likelihood: 'classification',
        optimizer,
        epoch,
        extraGradients: (theta) => theta.map((p, i) => tf.mul(deltaOverN[i], p)),
      });
    } finally {
      tf.dispose(deltaOverN);
    }
  });
  const fitted = await timed(() => fitLaplace(model, train, { likelihood: 'classification', structure: 'diag' }));
  try {
    const hyper = await timed(() => tuner.hyperSteps(fitted.value, HYPER_STEPS));
    return { train: trained, curvature: fitted, hyper };
  } finally {
    fitted.value.dispose();
  }
}

const total = (p: Parts, k: 'wall' | 'cpu') => PARTS.reduce((a, part) => a + p[part][k], 0);

function setKernels(on: boolean): void {
  if (on) registerWasmKernels();
  else unregisterWasmKernels();
}

export const epochSuite: Suite = {
  name: 'epoch',
  description: `one 784-500-300-10 diag + parameter-wise SpaM epoch on 10k MNIST digits (batch ${BATCH_SIZE}, K = ${HYPER_STEPS}): train / curvature / hyper seconds, wasm with and without @spam/tfjs-wasm-kernels`,
  async run(ctx: SuiteContext): Promise<SuiteOutput<EpochRow>> {
    await useBackend('wasm');
    const hadKernels = wasmKernelsRegistered();
    ctx.log(`  backend: ${await describeBackend()}`);
    const digits = loadMnistDigits();
    const data = ctx.quick ? shuffledSubset(digits, QUICK_EXAMPLES) : digits;
    const xs = tf.tensor2d(data.images, [data.n, MNIST_PIXELS]);
    const ys = tf.tensor1d(data.labels, 'int32');
    const train = { xs, ys, batchSize: BATCH_SIZE };
    const model = buildMlp(MODEL);
    const prior = createPrior(model, 'parameterwise');
    const tuner = new MarglikTuner(prior, 'classification', { hyperSteps: HYPER_STEPS });
    const optimizer = tf.train.adam(1e-3);
    const runs: Record<'off' | 'on', Parts[]> = { off: [], on: [] };
    const repeats = Math.max(1, ctx.repeats);
    let loadBefore = 0;
    let leaked = 0;
    try {
      // Warm-up (both settings): kernels compiled, Adam moments of the weights and of the tuner created.
      let epoch = 0;
      for (const on of [false, true]) {
        setKernels(on);
        await spamEpoch(model, train, prior, tuner, optimizer, epoch++);
      }
      loadBefore = loadavg()[0];
      const tensorsBefore = tf.memory().numTensors;
      // Interleaved rounds, so that a change of machine load hits both settings alike.
      for (let r = 0; r < repeats; r++) {
        for (const on of r % 2 ? [true, false] : [false, true]) {
          setKernels(on);
          const parts = await spamEpoch(model, train, prior, tuner, optimizer, epoch++);
          runs[on ? 'on' : 'off'].push(parts);
          const split = (k: 'wall' | 'cpu') => PARTS.map((part) => `${part} ${parts[part][k].toFixed(2)}`).join(', ');
          ctx.log(
            `  round ${r + 1}/${repeats} kernels ${on ? 'on ' : 'off'}: ${total(parts, 'wall').toFixed(2)} s (${split('wall')}); ` +
              `CPU ${total(parts, 'cpu').toFixed(2)} s (${split('cpu')}); load ${loadavg()[0].toFixed(2)}`,
          );
        }
      }
      leaked = tf.memory().numTensors - tensorsBefore;
    } finally {
      setKernels(hadKernels);
      tuner.dispose();
      prior.dispose();
      optimizer.dispose();
      model.dispose();
      tf.dispose([xs, ys]);
    }
    if (leaked !== 0) throw new Error(`the SpaM epoch changed the live tensor count by ${leaked}`);
    const loadAfter = loadavg()[0];
    const rows: EpochRow[] = (['off', 'on'] as const).map((k) => {
      const parts = runs[k];
      return {
        task: 'spam-epoch',
        model: MODEL,
        hessian: 'diag',
        prior: 'parameterwise',
        backend: 'wasm',
        kernels: k === 'on',
        n: data.n,
        batchSize: BATCH_SIZE,
        hyperSteps: HYPER_STEPS,
        seconds: round(median(parts.map((p) => total(p, 'wall')))),
        train: round(median(parts.map((p) => p.train.wall))),
        curvature: round(median(parts.map((p) => p.curvature.wall))),
        hyper: round(median(parts.map((p) => p.hyper.wall))),
        cpu: {
          seconds: round(median(parts.map((p) => total(p, 'cpu')))),
          train: round(median(parts.map((p) => p.train.cpu))),
          curvature: round(median(parts.map((p) => p.curvature.cpu))),
          hyper: round(median(parts.map((p) => p.hyper.cpu))),
        },
        repeats,
        loadBefore: round(loadBefore, 2),
        loadAfter: round(loadAfter, 2),
      };
    });
    const table = rows.map((r) => [
      r.kernels ? 'yes' : 'no',
      r.seconds.toFixed(2),
      r.train.toFixed(2),
      r.curvature.toFixed(2),
      r.hyper.toFixed(2),
      `${r.cpu.seconds.toFixed(2)} (${r.cpu.train.toFixed(2)} / ${r.cpu.curvature.toFixed(2)} / ${r.cpu.hyper.toFixed(2)})`,
      `${(r.seconds / PAPER_SECONDS).toFixed(2)}×`,
    ]);
    const best = Math.min(...rows.map((r) => r.seconds));
    const report =
      `${MODEL} diag GGN + parameter-wise prior, one SpaM epoch on ${data.n} digits (batch ${BATCH_SIZE}, K = ${HYPER_STEPS}), ` +
      `medians of ${repeats} interleaved rounds, load ${loadBefore.toFixed(2)} → ${loadAfter.toFixed(2)}:\n` +
      formatTable(['kernels', 'epoch s', 'train s', 'curvature s', 'hyper s', 'CPU s (train / curv. / hyper)', 'vs paper 20 s'], table) +
      (ctx.quick
        ? '\nQuick run: not the measurement.'
        : `\nTarget (issue 16): ≤ ${PAPER_SECONDS} s, the paper's PyTorch code on this CPU: ${best <= PAPER_SECONDS ? 'met' : 'NOT met'} (best ${best.toFixed(2)} s).`);
    return { rows, report };
  },
};
