import * as tf from '@tensorflow/tfjs';
import { cpus, loadavg } from 'node:os';
import { scalarPrior } from '@spam/priors';
import { fitLaplace, predictive, type Laplace } from '@spam/laplace';
import { describeBackend, useBackend } from '../lib/backend.js';
import { loadMnistDigits, MNIST_PIXELS, shuffledSubset } from '../lib/mnist.js';
import { median, round, secondsSince } from '../lib/stats.js';
import { formatTable } from '../lib/table.js';
import { buildMlp } from './curvature.js';
import type { Suite, SuiteContext, SuiteOutput } from './types.js';

/** One row of `bench/results/predictive.json`. */
export interface PredictiveRow {
  task: string;
  model: string;
  backend: 'wasm';
  /** Test images predicted. */
  n: number;
  /** Median wall-clock seconds of the timed runs (after one warm-up run). */
  seconds: number;
  /** Median CPU seconds of this process over the same runs. */
  cpuSeconds: number;
  repeats: number;
  /** seconds / seconds of `predict` on the same images, same run. */
  ratioToPredict: number;
  /** 1-minute load average of the machine at the start and end of the suite. */
  load: [number, number];
}

const ARCH = '784-256-10';
const TEST = 2000;
const QUICK_TEST = 500;
const FIT = 2000;
const BATCH = 256;
/** Targets of issue 15 (wasm): GLM probit ≤ 20× predict (diag), ≤ 40× (kron). */
const TARGETS: Record<string, number> = { 'glm-probit-diag': 20, 'glm-probit-kron': 40 };

async function timed(work: () => Promise<void>): Promise<{ seconds: number; cpuSeconds: number }> {
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  await work();
  const cpu = process.cpuUsage(cpu0);
  return { seconds: secondsSince(start), cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** `npm run bench -- --only predictive`: the issue-15 performance rows (GLM probit vs predict, diag and kron). */
export const predictiveSuite: Suite = {
  name: 'predictive',
  description: `GLM predictive (probit) of ${ARCH} on ${TEST} MNIST test images, diag and kron, vs one model.predict (wasm)`,
  async run(ctx: SuiteContext): Promise<SuiteOutput<PredictiveRow>> {
    const load0 = loadavg()[0];
    await useBackend('wasm');
    const desc = await describeBackend();
    const all = loadMnistDigits();
    const nTest = ctx.quick ? QUICK_TEST : TEST;
    const data = shuffledSubset(all, FIT + nTest);
    ctx.log(`predictive: ${ARCH}, Laplace fitted on ${FIT} digits, predictive on ${nTest} others; backend ${desc}; ${cpus().length} cores`);
    const model = buildMlp(ARCH);
    const xs = tf.tensor2d(data.images.subarray(0, FIT * MNIST_PIXELS), [FIT, MNIST_PIXELS]);
    const ys = tf.tensor1d(data.labels.slice(0, FIT), 'int32');
    const xTest = tf.tensor2d(data.images.subarray(FIT * MNIST_PIXELS, (FIT + nTest) * MNIST_PIXELS), [nTest, MNIST_PIXELS]);
    const prior = scalarPrior(model, { precision: 1 });
    const fits: Record<string, Laplace> = {
      diag: await fitLaplace(model, { xs, ys, batchSize: 128 }, { likelihood: 'classification', structure: 'diag' }),
      kron: await fitLaplace(model, { xs, ys, batchSize: 128 }, { likelihood: 'classification', structure: 'kron' }),
    };
    const tasks: Array<{ name: string; run: () => Promise<void> }> = [
      {
        name: 'predict',
        run: async () => {
          const p = model.predict(xTest, { batchSize: BATCH }) as tf.Tensor;
          await p.data();
          p.dispose();
        },
      },
      ...(['diag', 'kron'] as const).map((s) => ({
        name: `glm-probit-${s}`,
        run: async () => {
          const r = await predictive(fits[s], model, xTest, { prior, link: 'probit', batchSize: BATCH });
          await ('probs' in r ? r.probs.data() : Promise.resolve());
          tf.dispose(Object.values(r) as tf.Tensor[]);
        },
      })),
    ];
    const measured: Array<Omit<PredictiveRow, 'ratioToPredict' | 'load'> & { runs: number[] }> = [];
    try {
      for (const t of tasks) {
        const before = tf.memory().numTensors;
        ctx.log(`  … ${t.name}: warm-up`);
        await t.run(); // the warm-up also computes and caches kron's eigendecompositions (kept on the Laplace)
        const mid = tf.memory().numTensors;
        const runs: number[] = [];
        const cpuRuns: number[] = [];
        for (let r = 0; r < ctx.repeats; r++) {
          const m = await timed(t.run);
          runs.push(m.seconds);
          cpuRuns.push(m.cpuSeconds);
        }
        if (tf.memory().numTensors !== mid) throw new Error(`TENSOR LEAK in ${t.name}: ${mid} → ${tf.memory().numTensors}`);
        ctx.log(
          `    ${t.name}: ${runs.map((s) => s.toFixed(3)).join(' ')} s` +
            (mid !== before ? ` (tensors ${before} → ${mid} after warm-up: the eigendecompositions cached on the Laplace)` : ''),
        );
        measured.push({
          task: t.name,
          model: ARCH,
          backend: 'wasm',
          n: nTest,
          seconds: round(median(runs)),
          cpuSeconds: round(median(cpuRuns)),
          repeats: ctx.repeats,
          runs,
        });
      }
    } finally {
      Object.values(fits).forEach((f) => f.dispose());
      prior.dispose();
      tf.dispose([xs, ys, xTest]);
      model.dispose();
    }
    const load1 = loadavg()[0];
    const base = measured[0].seconds;
    const rows: PredictiveRow[] = measured.map(({ runs: _runs, ...m }) => ({
      ...m,
      ratioToPredict: round(m.seconds / base, 2),
      load: [round(load0, 2), round(load1, 2)],
    }));
    const out: string[] = [`Backend: ${desc}; 1-min load average ${load0.toFixed(2)} → ${load1.toFixed(2)} on ${cpus().length} cores`, ''];
    out.push(
      formatTable(
        ['task', 'model', 'n', 'seconds', 'cpu s', '× predict'],
        rows.map((r) => [r.task, r.model, r.n, r.seconds.toFixed(3), r.cpuSeconds.toFixed(3), r.ratioToPredict.toFixed(1)]),
      ),
    );
    out.push('', ctx.quick ? 'Targets (not judged in --quick):' : 'Targets (wall time, same run):');
    for (const r of rows) {
      const target = TARGETS[r.task];
      if (target === undefined) continue;
      out.push(
        `  ${r.task} ≤ ${target}× predict: ${r.ratioToPredict.toFixed(1)}×${ctx.quick ? '' : r.ratioToPredict <= target ? '  PASS' : '  MISS'}`,
      );
    }
    return { rows, report: out.join('\n') };
  },
};
