import * as tf from '@tensorflow/tfjs';
import { cpus, loadavg } from 'node:os';
import { registerWasmKernels, unregisterWasmKernels } from '@spam/tfjs-wasm-kernels';
import { buildVit } from '@spam/harness';
import { describeBackend, useBackend, type BackendName } from '../lib/backend.js';
import { loadMnistDigits, shuffledSubset, type MnistData } from '../lib/mnist.js';
import { median, round, secondsSince } from '../lib/stats.js';
import { formatTable } from '../lib/table.js';
import type { Suite, SuiteContext, SuiteOutput } from './types.js';

/** One row of `bench/results/kernels.json` (issue 16). */
export interface KernelsRow {
  /** `vit-predict`: one `model.predict` of the harness SimpleViT on `n` digits (its LayerNorms run `Tile`). */
  task: 'model-fit-epoch' | 'vit-predict';
  model: '784-500-300-10' | 'lenet' | 'vit';
  backend: BackendName;
  /** Always 1: tfjs-wasm is single-threaded in Node; the column matches `parallel.json`. */
  workers: 1;
  /** Whether `@spam/tfjs-wasm-kernels` was registered (only meaningful on wasm). */
  kernels: boolean;
  /** Examples in the timed `model.fit` epoch. */
  n: number;
  batchSize: number;
  /** Median wall-clock seconds of the timed epochs. */
  seconds: number;
  repeats: number;
  /** 1-minute load average before the first and after the last timed epoch (2 cores shared with other work). */
  loadBefore: number;
  loadAfter: number;
}

const BATCH_SIZE = 64;
/** LeNet on the cpu backend takes ~0.1–0.2 s per example here: one epoch on this subset. */
const LENET_EXAMPLES = 1000;
const QUICK_MLP = 1000;
const QUICK_LENET = 200;
const WARM = 256;

/** The paper's MNIST_FC net. */
function mlp(): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.dense({ inputShape: [784], units: 500, activation: 'relu' }));
  m.add(tf.layers.dense({ units: 300, activation: 'relu' }));
  m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  return m;
}

/** LeNet: Conv 6@5×5 → max-pool → Conv 16@3×3 → max-pool → Conv 120@5×5 → Dense 84 → 10. */
function lenet(): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, activation: 'relu' }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.conv2d({ filters: 120, kernelSize: 5, activation: 'relu' }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 84, activation: 'relu' }));
  m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  return m;
}

interface Config {
  model: KernelsRow['model'];
  backend: BackendName;
  kernels: boolean;
}

/** One `model.fit` epoch (Adam 1e-3, batch 64, categorical cross-entropy) of a fresh net on `backend`; returns seconds. */
async function fitEpoch(cfg: Config, data: MnistData, warm: boolean): Promise<number> {
  await useBackend(cfg.backend);
  if (cfg.kernels) registerWasmKernels();
  else unregisterWasmKernels();
  const n = warm ? Math.min(WARM, data.n) : data.n;
  const shape = cfg.model === 'lenet' ? [n, 28, 28, 1] : [n, 784];
  const xs = tf.tensor(data.images.subarray(0, n * 784), shape);
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(data.labels.subarray(0, n), 'int32'), 10));
  const model = cfg.model === 'lenet' ? lenet() : mlp();
  const tensorsBefore = tf.memory().numTensors;
  const optimizer = tf.train.adam(1e-3);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  let seconds: number;
  let after: number;
  try {
    const start = process.hrtime.bigint();
    await model.fit(xs, ys, { epochs: 1, batchSize: BATCH_SIZE, shuffle: false, verbose: 0 });
    seconds = secondsSince(start);
  } finally {
    optimizer.dispose();
    after = tf.memory().numTensors;
    model.dispose();
    tf.dispose([xs, ys]);
  }
  if (after !== tensorsBefore)
    throw new Error(`TENSOR LEAK in ${cfg.model} ${cfg.backend} kernels=${cfg.kernels}: ${tensorsBefore} → ${after}`);
  return seconds;
}

/** Digits in one timed ViT `model.predict` (one batch): LayerNormalization tiles to [256, 16, 128]. */
const VIT_PREDICT = 256;

/** Seconds of one `model.predict` of `model` on `xs` (read back) on wasm, with or without the kernels. */
function predictSeconds(model: tf.LayersModel, xs: tf.Tensor, kernels: boolean): number {
  if (kernels) registerWasmKernels();
  else unregisterWasmKernels();
  const start = process.hrtime.bigint();
  tf.tidy(() => (model.predict(xs, { batchSize: VIT_PREDICT }) as tf.Tensor).dataSync());
  return secondsSince(start);
}

/** `vit-predict` rows, kernels off and on, interleaved. */
async function vitPredictRows(data: MnistData, ctx: SuiteContext): Promise<KernelsRow[]> {
  await useBackend('wasm');
  const model = buildVit({ seed: 1 });
  const xs = tf.tensor4d(data.images.subarray(0, VIT_PREDICT * 784), [VIT_PREDICT, 28, 28, 1]);
  const rows: KernelsRow[] = [];
  try {
    for (const kernels of [false, true]) predictSeconds(model, xs, kernels);
    const times: Record<string, number[]> = { false: [], true: [] };
    const load0 = loadavg()[0];
    for (let r = 0; r < Math.max(3, ctx.repeats); r++) for (const k of [false, true]) times[String(k)].push(predictSeconds(model, xs, k));
    const load1 = loadavg()[0];
    for (const kernels of [false, true]) {
      const seconds = median(times[String(kernels)]);
      ctx.log(`  vit predict ${VIT_PREDICT} wasm kernels=${kernels}: ${seconds.toFixed(3)} s (median of ${times[String(kernels)].length})`);
      rows.push({
        task: 'vit-predict',
        model: 'vit',
        backend: 'wasm',
        workers: 1,
        kernels,
        n: VIT_PREDICT,
        batchSize: VIT_PREDICT,
        seconds: round(seconds, 4),
        repeats: times[String(kernels)].length,
        loadBefore: round(load0, 2),
        loadAfter: round(load1, 2),
      });
    }
  } finally {
    registerWasmKernels();
    xs.dispose();
    model.dispose();
  }
  return rows;
}

const key = (c: Config) => `${c.model}/${c.backend}/${c.kernels}`;

function report(rows: KernelsRow[], quick: boolean): string {
  const find = (model: string, backend: string, kernels: boolean) =>
    rows.find((r) => r.model === model && r.backend === backend && r.kernels === kernels);
  const out = [
    formatTable(
      ['model', 'backend', 'kernels', 'n', 'batch', 'seconds', 'repeats', 'load before→after'],
      rows.map((r) => [
        r.model,
        r.backend,
        String(r.kernels),
        r.n,
        r.batchSize,
        r.seconds.toFixed(2),
        r.repeats,
        `${r.loadBefore}→${r.loadAfter}`,
      ]),
    ),
    '',
    quick ? 'Targets (not judged in --quick):' : 'Targets (wall-time ratios in this one run):',
  ];
  const judge = (what: string, slow: KernelsRow | undefined, fast: KernelsRow | undefined, target: number) => {
    if (!slow || !fast) return;
    const ratio = slow.seconds / fast.seconds;
    out.push(
      `  ${what} ≥ ${target}×: ${ratio.toFixed(2)}× (${slow.seconds.toFixed(1)} s / ${fast.seconds.toFixed(1)} s)${quick ? '' : ratio >= target ? '  PASS' : '  MISS'}`,
    );
  };
  judge(
    '784-500-300-10 model.fit epoch, wasm: kernels vs none',
    find('784-500-300-10', 'wasm', false),
    find('784-500-300-10', 'wasm', true),
    2.5,
  );
  const vit = (kernels: boolean) => rows.find((r) => r.task === 'vit-predict' && r.kernels === kernels);
  const [vitOff, vitOn] = [vit(false), vit(true)];
  if (vitOff && vitOn)
    out.push(
      `  ViT predict of ${vitOn.n} digits, wasm (Tile): kernels vs none ${(vitOff.seconds / vitOn.seconds).toFixed(2)}× (no target)`,
    );
  judge('LeNet model.fit epoch: wasm + kernels vs cpu', find('lenet', 'cpu', false), find('lenet', 'wasm', true), 10);
  out.push('  (LeNet on wasm without the kernels cannot train: tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter.)');
  return out.join('\n');
}

export const kernelsSuite: Suite = {
  name: 'kernels',
  description:
    'model.fit epochs with and without @spam/tfjs-wasm-kernels: 784-500-300-10 on 10k MNIST (wasm), LeNet on 1k MNIST (wasm + kernels vs cpu); ViT predict of 256 digits (Tile)',
  async run(ctx: SuiteContext): Promise<SuiteOutput<KernelsRow>> {
    const all = loadMnistDigits();
    const mlpData = shuffledSubset(all, ctx.quick ? QUICK_MLP : all.n);
    const lenetData = shuffledSubset(all, ctx.quick ? QUICK_LENET : LENET_EXAMPLES);
    await useBackend('wasm');
    ctx.log(
      `kernels: backend ${await describeBackend()}; ${cpus().length} logical CPUs; batch ${BATCH_SIZE}, Adam 1e-3, ${ctx.repeats} timed epoch(s) each, interleaved`,
    );
    const configs: Array<Config & { data: MnistData }> = [
      { model: '784-500-300-10', backend: 'wasm', kernels: false, data: mlpData },
      { model: '784-500-300-10', backend: 'wasm', kernels: true, data: mlpData },
      { model: 'lenet', backend: 'wasm', kernels: true, data: lenetData },
      { model: 'lenet', backend: 'cpu', kernels: false, data: lenetData },
    ];
    const times = new Map<string, number[]>();
    const loads = new Map<string, [number, number]>();
    try {
      for (const c of configs) await fitEpoch(c, c.data, true);
      // Interleaved repeats: a change of machine load hits every configuration alike.
      for (let r = 0; r < ctx.repeats; r++) {
        for (const c of configs) {
          const before = loadavg()[0];
          const s = await fitEpoch(c, c.data, false);
          times.set(key(c), [...(times.get(key(c)) ?? []), s]);
          const prev = loads.get(key(c));
          loads.set(key(c), [prev ? prev[0] : before, loadavg()[0]]);
          ctx.log(
            `  ${c.model} ${c.backend} kernels=${c.kernels}: run ${r + 1}/${ctx.repeats} ${s.toFixed(2)} s (load ${before.toFixed(2)})`,
          );
        }
      }
    } finally {
      registerWasmKernels();
      await useBackend('wasm');
    }
    const rows: KernelsRow[] = configs.map((c): KernelsRow => ({
      task: 'model-fit-epoch',
      model: c.model,
      backend: c.backend,
      workers: 1,
      kernels: c.kernels,
      n: c.data.n,
      batchSize: BATCH_SIZE,
      seconds: round(median(times.get(key(c)) ?? [])),
      repeats: ctx.repeats,
      loadBefore: round(loads.get(key(c))?.[0] ?? 0, 2),
      loadAfter: round(loads.get(key(c))?.[1] ?? 0, 2),
    }));
    rows.push(...(await vitPredictRows(all, ctx)));
    return { rows, report: report(rows, ctx.quick) };
  },
};
