import * as tf from '@tensorflow/tfjs';
import { cpus, loadavg } from 'node:os';
import { trainEpoch } from '@spam/core';
import { buildResnet, buildVit, calibrateBatchNorm } from '@spam/harness';
import { fitLaplace } from '@spam/laplace';
import { describeBackend, useBackend } from '../lib/backend.js';
import { loadMnistDigits, shuffledSubset } from '../lib/mnist.js';
import { median, round, secondsSince } from '../lib/stats.js';
import { formatTable } from '../lib/table.js';
import type { Suite, SuiteContext, SuiteOutput } from './types.js';

/** One row of `bench/results/architectures.json`. */
export interface ArchitectureRow {
  task: 'train-epoch' | 'diag-ggn-fit' | 'diag-mc-fit' | 'kfac-ggn-fit';
  model: 'resnet' | 'vit';
  backend: 'wasm';
  n: number;
  /** Median wall-clock seconds of the timed runs (after a warm-up on {@link WARM_EXAMPLES} examples). */
  seconds: number;
  /** Median CPU seconds (user + system) of this process over the same runs. */
  cpuSeconds: number;
  repeats: number;
  /** 1-minute load average before the first and after the last timed run. */
  loadBefore: number;
  loadAfter: number;
}

const BATCH_SIZE = 128;
const QUICK_EXAMPLES = 1000;
/** The warm-up (wasm kernel set-up, adapter caches) runs on this many examples, not a whole pass. */
const WARM_EXAMPLES = 256;
/**
 * Targets of issue 11: a diag GGN fit ≤ 3× and a KFAC fit ≤ 4× a training epoch of the same net
 * (judged on the exact GGN rows; the MC row shows the one-sample alternative).
 */
const TARGETS: Record<string, number> = { 'diag-ggn-fit': 3, 'diag-mc-fit': 3, 'kfac-ggn-fit': 4 };

const MODELS = {
  resnet: { build: () => buildResnet({ seed: 1 }), describe: 'ResNet-style CNN, 3 residual blocks (16/32/64), BN' },
  vit: { build: () => buildVit({ seed: 1 }), describe: 'SimpleViT: 16 tokens × 128, 8 heads, MLP 256' },
} as const;
const TASKS: Record<keyof typeof MODELS, ArchitectureRow['task'][]> = {
  resnet: ['train-epoch', 'diag-ggn-fit', 'diag-mc-fit', 'kfac-ggn-fit'],
  vit: ['train-epoch', 'diag-ggn-fit', 'diag-mc-fit', 'kfac-ggn-fit'],
};

/** Runs a task once on `xs`/`ys`; returns wall and CPU seconds. */
async function runTask(
  task: ArchitectureRow['task'],
  model: tf.LayersModel,
  xs: tf.Tensor,
  ys: tf.Tensor,
): Promise<{ seconds: number; cpuSeconds: number }> {
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  if (task === 'train-epoch') {
    const optimizer = tf.train.adam(1e-3);
    try {
      await trainEpoch(model, { xs, ys, batchSize: BATCH_SIZE }, { likelihood: 'classification', optimizer });
    } finally {
      optimizer.dispose();
    }
  } else {
    // Exact GGN: K = C − 1 = 9 output vectors per example through the graph; MC: one sampled vector (K = 1).
    const lap = await fitLaplace(
      model,
      { xs, ys, batchSize: BATCH_SIZE },
      {
        likelihood: 'classification',
        structure: task.startsWith('diag') ? 'diag' : 'kron',
        curvature: task.includes('-mc-') ? 'mc' : 'ggn',
        mcSamples: 1,
        seed: 7,
      },
    );
    lap.dispose();
  }
  const seconds = secondsSince(start);
  const cpu = process.cpuUsage(cpu0);
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

function report(rows: ArchitectureRow[], quick: boolean, backendLine: string): string {
  const find = (task: string, model: string) => rows.find((r) => r.task === task && r.model === model);
  const out: string[] = [`Backend: ${backendLine}`, ''];
  out.push(
    formatTable(
      ['model', 'task', 'n', 'seconds', 'cpu s', 'repeats', '×train-epoch (cpu)', 'load before→after'],
      rows.map((r) => {
        const te = find('train-epoch', r.model);
        return [
          r.model,
          r.task,
          r.n,
          r.seconds.toFixed(2),
          r.cpuSeconds.toFixed(2),
          r.repeats,
          te ? `${(r.seconds / te.seconds).toFixed(2)} (${(r.cpuSeconds / te.cpuSeconds).toFixed(2)})` : '–',
          `${r.loadBefore.toFixed(2)}→${r.loadAfter.toFixed(2)}`,
        ];
      }),
    ),
  );
  out.push(
    '',
    quick ? `Targets (not judged in --quick: n is not 10,000):` : 'Targets (verdict on wall time; cpu-time ratio in parentheses):',
  );
  for (const model of Object.keys(MODELS)) {
    const te = find('train-epoch', model);
    for (const [task, limit] of Object.entries(TARGETS)) {
      const r = find(task, model);
      if (!te || !r) continue;
      const ratio = r.seconds / te.seconds;
      out.push(
        `  ${model} ${task} ≤ ${limit}× train-epoch: ${ratio.toFixed(2)}× (${(r.cpuSeconds / te.cpuSeconds).toFixed(2)}×; ${r.seconds.toFixed(1)} s / ${te.seconds.toFixed(1)} s)${quick ? '' : ratio <= limit ? '  PASS' : '  MISS'}`,
      );
    }
  }
  return out.join('\n');
}

export const architecturesSuite: Suite = {
  name: 'architectures',
  description:
    'trainEpoch, diag (GGN, MC) and KFAC GGN Laplace fits of the ResNet-style CNN (BN) and the SimpleViT on 10k MNIST digits (wasm)',
  async run(ctx: SuiteContext): Promise<SuiteOutput<ArchitectureRow>> {
    await useBackend('wasm');
    const backendLine = await describeBackend();
    const all = loadMnistDigits();
    const data = shuffledSubset(all, ctx.quick ? QUICK_EXAMPLES : all.n);
    ctx.log(
      `architectures: ${data.n} MNIST digits as 28×28×1 images, batch ${BATCH_SIZE}, ${ctx.repeats} timed run(s) after a warm-up on ${WARM_EXAMPLES}; backend ${backendLine}; ${cpus().length} logical CPUs`,
    );
    const xs = tf.tensor4d(data.images, [data.n, 28, 28, 1]);
    const ys = tf.tensor1d(data.labels, 'int32');
    const warmXs = tf.slice(xs, 0, Math.min(WARM_EXAMPLES, data.n));
    const warmYs = tf.slice(ys, 0, Math.min(WARM_EXAMPLES, data.n));
    const rows: ArchitectureRow[] = [];
    const loadStart = loadavg()[0];
    try {
      for (const [name, spec] of Object.entries(MODELS) as [keyof typeof MODELS, (typeof MODELS)[keyof typeof MODELS]][]) {
        const model = spec.build();
        try {
          calibrateBatchNorm(model, xs);
          ctx.log(`\n[${name}] ${spec.describe}, ${model.countParams()} weights`);
          for (const task of TASKS[name]) {
            const tensorsBefore = tf.memory().numTensors;
            ctx.log(`  … ${name} ${task}: warm-up on ${warmXs.shape[0]} examples`);
            await runTask(task, model, warmXs, warmYs);
            const loadBefore = loadavg()[0];
            const runs: Array<{ seconds: number; cpuSeconds: number }> = [];
            for (let r = 0; r < ctx.repeats; r++) {
              ctx.log(
                `  … ${name} ${task}: run ${r + 1}/${ctx.repeats}${runs.length ? ` (so far ${runs.map((x) => x.seconds.toFixed(1)).join(', ')} s)` : ''}`,
              );
              runs.push(await runTask(task, model, xs, ys));
            }
            const loadAfter = loadavg()[0];
            if (tf.memory().numTensors !== tensorsBefore)
              throw new Error(`TENSOR LEAK in ${name} ${task}: ${tensorsBefore} → ${tf.memory().numTensors}`);
            const row: ArchitectureRow = {
              task,
              model: name,
              backend: 'wasm',
              n: data.n,
              seconds: round(median(runs.map((x) => x.seconds))),
              cpuSeconds: round(median(runs.map((x) => x.cpuSeconds))),
              repeats: ctx.repeats,
              loadBefore: round(loadBefore, 2),
              loadAfter: round(loadAfter, 2),
            };
            rows.push(row);
            ctx.log(
              `✓ ${name} ${task}: ${row.seconds.toFixed(2)} s, cpu ${row.cpuSeconds.toFixed(2)} s · load ${row.loadBefore}→${row.loadAfter}`,
            );
          }
        } finally {
          model.dispose();
        }
      }
    } finally {
      tf.dispose([xs, ys, warmXs, warmYs]);
    }
    const load = `1-min load average ${loadStart.toFixed(2)} at the start, ${loadavg()[0].toFixed(2)} at the end (${cpus().length} logical CPUs; above that, other processes competed for the CPU — the cpu-time ratios stay meaningful)`;
    return { rows, report: `${report(rows, ctx.quick, backendLine)}\n\n${load}` };
  },
};
