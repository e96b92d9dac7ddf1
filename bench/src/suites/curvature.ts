import * as tf from '@tensorflow/tfjs';
import { cpus, loadavg } from 'node:os';
import { trainEpoch } from '@spam/core';
import { fitLaplace } from '@spam/laplace';
import { describeBackend, useBackend, type BackendName } from '../lib/backend.js';
import { loadMnistDigits, MNIST_CLASSES, MNIST_PIXELS, shuffledSubset, type MnistData } from '../lib/mnist.js';
import { median, round, secondsSince } from '../lib/stats.js';
import { formatTable } from '../lib/table.js';
import type { Suite, SuiteContext, SuiteOutput } from './types.js';

/** One row of `bench/results/curvature.json`. */
export interface CurvatureRow {
  task: string;
  model: string;
  backend: BackendName;
  n: number;
  /** Median wall-clock seconds of the timed runs (after one warm-up run). */
  seconds: number;
  /** Number of timed runs the median is over. */
  repeats: number;
  /**
   * Median CPU seconds (user + system) of this process over the same runs: the kernels run on one
   * thread, so this is close to `seconds` on an idle machine and stays meaningful when other
   * processes compete for the CPU (then `seconds` grows and this does not).
   */
  cpuSeconds: number;
}

const BATCH_SIZE = 128;
const QUICK_EXAMPLES = 1000;
/** On cpu, a warm-up run longer than this cuts the timed runs to min(repeats, 2). */
const CPU_SLOW_RUN_SECONDS = 20;

/** The (model, backend) pairs measured, in run order. */
const CONFIGS: ReadonlyArray<{ model: string; backend: BackendName }> = [
  { model: '784-256-10', backend: 'wasm' },
  { model: '784-500-300-10', backend: 'wasm' },
  { model: '784-256-10', backend: 'cpu' },
];

/** What a task gets: the model and the data tensors (all on the active backend). */
interface TaskEnv {
  model: tf.Sequential;
  /** Inputs `[n, 784]` in [0, 1]. */
  xs: tf.Tensor2D;
  /** Integer labels `[n]` (int32). */
  labels: tf.Tensor1D;
  /** One-hot labels `[n, 10]` for `model.fit`. */
  oneHot: tf.Tensor2D;
}

/** A task runs once, timing only its own work, and hands back a disposer for what it made. */
interface TimedRun {
  seconds: number;
  cpuSeconds: number;
  dispose(): void;
}

interface TaskSpec {
  name: string;
  run(env: TaskEnv): Promise<TimedRun>;
}

/** Times `work` (awaited) and returns its result with the elapsed seconds. */
async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; cpuSeconds: number; value: T }> {
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const value = await work();
  const seconds = secondsSince(start);
  const cpu = process.cpuUsage(cpu0);
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, value };
}

function laplaceTask(structure: 'kron' | 'diag', curvature: 'ggn' | 'mc' | 'ef'): TaskSpec {
  return {
    name: `${structure === 'kron' ? 'kfac' : 'diag'}-${curvature}-fit`,
    async run({ model, xs, labels }) {
      const {
        seconds,
        cpuSeconds,
        value: lap,
      } = await timed(() =>
        fitLaplace(model, { xs, ys: labels, batchSize: BATCH_SIZE }, { likelihood: 'classification', structure, curvature, mcSamples: 1 }),
      );
      return { seconds, cpuSeconds, dispose: () => lap.dispose() };
    },
  };
}

export const CURVATURE_TASKS: readonly TaskSpec[] = [
  {
    // One epoch of SpaM's own training step (its backward pass + tfjs Adam).
    name: 'train-epoch',
    async run({ model, xs, labels }) {
      const optimizer = tf.train.adam(1e-3);
      const { seconds, cpuSeconds } = await timed(() =>
        trainEpoch(model, { xs, ys: labels, batchSize: BATCH_SIZE }, { likelihood: 'classification', optimizer }),
      );
      return { seconds, cpuSeconds, dispose: () => optimizer.dispose() };
    },
  },
  {
    // One epoch of plain tfjs-layers model.fit (tfjs autodiff), same optimizer, batch and loss.
    name: 'train-epoch-fit',
    async run({ model, xs, oneHot }) {
      const optimizer = tf.train.adam(1e-3);
      model.compile({ optimizer, loss: (y: tf.Tensor, f: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, f) });
      const { seconds, cpuSeconds } = await timed(() => model.fit(xs, oneHot, { batchSize: BATCH_SIZE, epochs: 1, verbose: 0 }));
      return { seconds, cpuSeconds, dispose: () => optimizer.dispose() };
    },
  },
  laplaceTask('kron', 'ggn'),
  laplaceTask('kron', 'mc'),
  laplaceTask('kron', 'ef'),
  laplaceTask('diag', 'ggn'),
  laplaceTask('diag', 'mc'),
  laplaceTask('diag', 'ef'),
];

/** MLP `784-h1-…-10`: relu hidden layers, linear logits; seeded Glorot-uniform kernels. */
export function buildMlp(arch: string): tf.Sequential {
  const sizes = arch.split('-').map(Number);
  if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 1)) throw new Error(`bad architecture '${arch}'`);
  const model = tf.sequential({ name: `mlp_${arch.replace(/-/g, '_')}` });
  for (let i = 1; i < sizes.length; i++) {
    model.add(
      tf.layers.dense({
        units: sizes[i],
        activation: i === sizes.length - 1 ? 'linear' : 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 17 + i }),
        ...(i === 1 ? { inputShape: [sizes[0]] } : {}),
      }),
    );
  }
  return model;
}

interface Measured extends CurvatureRow {
  runs: number[];
  cpuRuns: number[];
  reduced: boolean;
  tensorsBefore: number;
  tensorsAfter: number;
}

async function measure(
  ctx: SuiteContext,
  task: TaskSpec,
  env: TaskEnv,
  label: string,
  backend: BackendName,
  model: string,
  n: number,
): Promise<Measured> {
  const tensorsBefore = tf.memory().numTensors;
  ctx.log(`  … ${label}: warm-up`);
  const warm = await task.run(env);
  warm.dispose();
  let repeats = ctx.repeats;
  let reduced = false;
  if (backend === 'cpu' && warm.seconds > CPU_SLOW_RUN_SECONDS && repeats > 2) {
    repeats = 2;
    reduced = true;
  }
  const runs: number[] = [];
  const cpuRuns: number[] = [];
  for (let r = 0; r < repeats; r++) {
    ctx.log(
      `  … ${label}: run ${r + 1}/${repeats} (warm-up ${warm.seconds.toFixed(2)} s${runs.length ? `; so far ${runs.map((s) => s.toFixed(2)).join(', ')} s` : ''})`,
    );
    const run = await task.run(env);
    run.dispose();
    runs.push(run.seconds);
    cpuRuns.push(run.cpuSeconds);
  }
  const tensorsAfter = tf.memory().numTensors;
  if (tensorsAfter !== tensorsBefore) {
    throw new Error(`TENSOR LEAK in ${label}: tf.memory().numTensors went ${tensorsBefore} → ${tensorsAfter} over ${repeats + 1} runs`);
  }
  return {
    task: task.name,
    model,
    backend,
    n,
    seconds: round(median(runs)),
    repeats,
    cpuSeconds: round(median(cpuRuns)),
    runs,
    cpuRuns,
    reduced,
    tensorsBefore,
    tensorsAfter,
  };
}

function fmt(x: number | undefined, digits = 2): string {
  return x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);
}

function report(measured: Measured[], quick: boolean, backendLines: string[]): string {
  const find = (task: string, model: string, backend: string) =>
    measured.find((m) => m.task === task && m.model === model && m.backend === backend);
  /** Wall-time ratio with the CPU-time ratio in parentheses. */
  const ratio = (a: Measured | undefined, b: Measured | undefined) =>
    a && b ? `${fmt(a.seconds / b.seconds)} (${fmt(a.cpuSeconds / b.cpuSeconds)})` : '–';
  const out: string[] = [];
  out.push('Backends:', ...backendLines.map((l) => `  ${l}`), '');
  out.push(
    formatTable(
      ['backend', 'model', 'task', 'n', 'seconds', 'cpu s', 'repeats', 'timed runs, wall s', '×train-epoch (cpu)', 'tensors'],
      measured.map((m) => [
        m.backend,
        m.model,
        m.task,
        m.n,
        m.seconds.toFixed(3),
        m.cpuSeconds.toFixed(3),
        `${m.repeats}${m.reduced ? '*' : ''}`,
        m.runs.map((s) => s.toFixed(2)).join(' '),
        ratio(m, find('train-epoch', m.model, m.backend)),
        `${m.tensorsBefore}→${m.tensorsAfter}`,
      ]),
    ),
  );
  out.push('seconds: median wall-clock of the timed runs; cpu s: median CPU time of this process over the same runs.');
  if (measured.some((m) => m.reduced)) {
    out.push(`* cpu: the warm-up run took over ${CPU_SLOW_RUN_SECONDS} s, so the median is over min(--repeats, 2) timed runs.`);
  }

  out.push('', 'Ratios to one training epoch (trainEpoch) of the same net, same backend — wall (cpu time):');
  out.push(
    formatTable(
      ['backend', 'model', 'kfac-mc-fit/train-epoch', 'kfac-ef-fit/train-epoch', 'kfac-ggn-fit/train-epoch', 'train-epoch-fit/train-epoch'],
      CONFIGS.map(({ model, backend }) => {
        const te = find('train-epoch', model, backend);
        const r = (task: string) => ratio(find(task, model, backend), te);
        return [backend, model, r('kfac-mc-fit'), r('kfac-ef-fit'), r('kfac-ggn-fit'), r('train-epoch-fit')];
      }),
    ),
  );

  out.push('', 'wasm/cpu time ratio, 784-256-10 (< 1: wasm faster) — wall (cpu time):');
  out.push(
    formatTable(
      ['task', 'wasm s', 'cpu s', 'wasm/cpu'],
      CURVATURE_TASKS.map(({ name }) => {
        const w = find(name, '784-256-10', 'wasm');
        const c = find(name, '784-256-10', 'cpu');
        return [name, fmt(w?.seconds, 3), fmt(c?.seconds, 3), ratio(w, c)];
      }),
    ),
  );

  out.push('', quick ? 'Targets (not judged in --quick: n is not 10,000):' : 'Targets (verdict on wall time; cpu time in parentheses):');
  const verdict = (ok: boolean) => (quick ? '' : ok ? '  PASS' : '  MISS');
  const ggn = find('kfac-ggn-fit', '784-500-300-10', 'wasm');
  if (ggn)
    out.push(
      `  kfac-ggn-fit 784-500-300-10 wasm ≤ 8 s: ${ggn.seconds.toFixed(2)} s (${ggn.cpuSeconds.toFixed(2)} s)${verdict(ggn.seconds <= 8)}`,
    );
  for (const { model, backend } of CONFIGS.filter((c) => c.backend === 'wasm')) {
    const te = find('train-epoch', model, backend);
    for (const task of ['kfac-mc-fit', 'kfac-ef-fit']) {
      const m = find(task, model, backend);
      if (!te || !m) continue;
      out.push(
        `  ${task} ${model} ${backend} ≤ 2.5× train-epoch: ${ratio(m, te)}× ` +
          `(${m.seconds.toFixed(2)} s / ${te.seconds.toFixed(2)} s)${verdict(m.seconds / te.seconds <= 2.5)}`,
      );
    }
  }
  return out.join('\n');
}

export const curvatureSuite: Suite = {
  name: 'curvature',
  description: 'trainEpoch, model.fit and KFAC/diag × GGN/MC/EF Laplace fits on 10k MNIST digits (MLPs; wasm and cpu)',
  async run(ctx: SuiteContext): Promise<SuiteOutput<CurvatureRow>> {
    const all = loadMnistDigits();
    const data: MnistData = shuffledSubset(all, ctx.quick ? QUICK_EXAMPLES : all.n);
    const loadStart = loadavg()[0];
    ctx.log(
      `curvature: ${data.n} MNIST digits (of ${all.n} in the mnist package), batch ${BATCH_SIZE}, ${ctx.repeats} timed run(s) after 1 warm-up`,
    );
    const measured: Measured[] = [];
    const backendLines: string[] = [];
    const total = CONFIGS.length * CURVATURE_TASKS.length;
    let done = 0;
    for (const { model: arch, backend } of CONFIGS) {
      await useBackend(backend);
      const desc = await describeBackend();
      if (!backendLines.some((l) => l.startsWith(backend))) backendLines.push(desc);
      ctx.log(`\n[${arch} on ${tf.getBackend()}] backend: ${desc}`);
      const env: TaskEnv = {
        model: buildMlp(arch),
        xs: tf.tensor2d(data.images, [data.n, MNIST_PIXELS]),
        labels: tf.tensor1d(data.labels, 'int32'),
        oneHot: tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(data.labels, 'int32'), MNIST_CLASSES), 'float32') as tf.Tensor2D),
      };
      try {
        for (const task of CURVATURE_TASKS) {
          done++;
          const label = `[${done}/${total}] ${tf.getBackend()} ${arch} ${task.name}`;
          const m = await measure(ctx, task, env, label, backend, arch, data.n);
          measured.push(m);
          ctx.log(
            `✓ ${label}: ${m.seconds.toFixed(3)} s, cpu ${m.cpuSeconds.toFixed(3)} s (median of ${m.repeats}${m.reduced ? ', reduced: slow on cpu' : ''}: ` +
              `${m.runs.map((s) => s.toFixed(3)).join(', ')}) · backend ${tf.getBackend()} · tensors ${m.tensorsBefore}→${m.tensorsAfter} · ` +
              `load avg ${loadavg()[0].toFixed(2)}`,
          );
        }
      } finally {
        env.model.dispose();
        tf.dispose([env.xs, env.labels, env.oneHot]);
      }
    }
    const rows: CurvatureRow[] = measured.map(({ task, model, backend, n, seconds, repeats, cpuSeconds }) => ({
      task,
      model,
      backend,
      n,
      seconds,
      repeats,
      cpuSeconds,
    }));
    const load = `1-min load average ${loadStart.toFixed(2)} at the start, ${loadavg()[0].toFixed(2)} at the end (machine has ${cpus().length} logical CPUs; above that, other processes competed for the CPU)`;
    return { rows, report: `${report(measured, ctx.quick, backendLines)}\n\n${load}` };
  },
};
