/**
 * Where the time of one benchmark task goes (not part of `npm run bench`; a diagnostic tool).
 *
 *   node --import tsx bench/src/profile/breakdown.ts [--model 784-500-300-10] [--backend wasm] [--n 10000]
 *
 * 1. Phases of a KFAC-GGN fit, re-run batch by batch with the library's own building blocks
 *    (adapter forward/backward, output Hessian square roots, Gram products), each phase timed
 *    (wasm and cpu kernels run synchronously, so wall-clock per phase is exact).
 * 2. tf.profile of one `fitLaplace` (kfac-ggn) and one `trainEpoch`: kernel time per kernel name
 *    and shapes, and the JavaScript time outside kernels.
 * 3. The same fits and epoch fed with batches cut from one host copy of the data, or taken with
 *    `tf.gather`, instead of `tf.slice` of the whole tensor per batch (what `iterateBatches` does).
 * 4. Micro-benchmarks of alternatives for the Gram products (transpose flag, symmetric blocks,
 *    taller inputs).
 */
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import { loadavg } from 'node:os';
import { buildModelAdapter, denseTargets, lossSum, outputHessianSqrt, trainEpoch, type ModelAdapter } from '@spam/core';
import { fitLaplace } from '@spam/laplace';
import { useBackend, describeBackend, type BackendName } from '../lib/backend.js';
import { loadMnistDigits, MNIST_PIXELS, shuffledSubset } from '../lib/mnist.js';
import { formatTable } from '../lib/table.js';
import { buildMlp } from '../suites/curvature.js';

const BATCH = 128;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const now = () => process.hrtime.bigint();
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

/** Accumulates milliseconds per phase name, in first-seen order. */
class Phases {
  readonly total = new Map<string, number>();
  add(name: string, t: number): void {
    this.total.set(name, (this.total.get(name) ?? 0) + t);
  }
  time<T>(name: string, f: () => T): T {
    const t0 = now();
    const out = f();
    this.add(name, ms(t0));
    return out;
  }
}

/** XᵀX exactly as `@spam/laplace` does it (explicit transpose), timing the two halves. */
function gramTimed(p: Phases, key: string, x: tf.Tensor2D): tf.Tensor {
  const xt = p.time(`${key} transpose`, () => tf.transpose(x));
  return p.time(`${key} matMul`, () => tf.matMul(xt as tf.Tensor2D, x));
}

/** One KFAC-GGN pass over the data, mirroring `fitLaplace`'s batchContributions phase by phase. */
function kfacPhases(adapter: ModelAdapter, xs: tf.Tensor2D, labels: tf.Tensor1D): { phases: Phases; wallMs: number } {
  const p = new Phases();
  const n = xs.shape[0];
  const t0 = now();
  let sums: tf.Tensor[] | null = null;
  for (let start = 0; start < n; start += BATCH) {
    const size = Math.min(BATCH, n - start);
    const bx = p.time('slice batch', () => tf.slice(xs, start, size));
    const by = p.time('slice batch', () => tf.slice(labels, start, size));
    p.time('assertFinite(xs) read-back', () => tf.tidy(() => tf.sum(tf.mul(bx, 0)).dataSync()));
    const contrib = tf.tidy(() => {
      const y = p.time('denseTargets (labels read-back, oneHot)', () => denseTargets('classification', by, size, adapter.outputDim));
      const trace = p.time('forward', () => adapter.forward(bx));
      const v = p.time('outputHessianSqrt [10,N,10]', () => outputHessianSqrt('classification', trace.output));
      // Backward: the adapter's own sweep, split per op (Dense + relu chain, logits output).
      const layers = adapter.parametric;
      const grads: tf.Tensor[] = new Array(layers.length);
      let d: tf.Tensor = v;
      for (let i = layers.length - 1; i >= 0; i--) {
        const layer = layers[i];
        const cap = trace.captures[i];
        const out = trace.layerOutputs[adapter.layers.indexOf(layer)];
        const gz =
          i === layers.length - 1
            ? d
            : p.time(`backward: ${layer.activation.name} vjp [10·N,${layer.units}]`, () => layer.activation.vjp(d, cap.preactivation, out));
        grads[i] = gz;
        if (i > 0) d = p.time(`backward: linearVjp (Wᵀ + matMul) → [10·N,${layer.fanIn}]`, () => layer.linearVjp(gz));
      }
      const out: tf.Tensor[] = [];
      layers.forEach((layer, i) => {
        const a = tf.reshape(trace.captures[i].input, [size, layer.fanIn]) as tf.Tensor2D;
        const g = tf.reshape(grads[i], [-1, layer.units]) as tf.Tensor2D;
        out.push(gramTimed(p, `gram A ${layer.fanIn}² (rows ${size})`, a));
        out.push(gramTimed(p, `gram G ${layer.units}² (rows ${g.shape[0]})`, g));
      });
      p.time('lossSum read-back', () => lossSum('classification', trace.output, y).dataSync());
      return out;
    });
    const t1 = now();
    if (sums) {
      const prev: tf.Tensor[] = sums;
      sums = prev.map((s, i) => tf.add(s, contrib[i]));
      tf.dispose([...prev, ...contrib]);
    } else {
      sums = contrib;
    }
    tf.dispose([bx, by]);
    p.add('accumulate sums + dispose', ms(t1));
  }
  tf.dispose(sums ?? []);
  return { phases: p, wallMs: ms(t0) };
}

async function kernelProfile(what: string, f: () => Promise<unknown>): Promise<string> {
  const t0 = now();
  const info = await tf.profile(async () => {
    await f();
  });
  const wall = ms(t0);
  const byKey = new Map<string, { calls: number; ms: number }>();
  let kernelMs = 0;
  for (const k of info.kernels) {
    const t = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : ((await k.kernelTimeMs) as number);
    kernelMs += t;
    const key = `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join('·')}`;
    const e = byKey.get(key) ?? { calls: 0, ms: 0 };
    e.calls++;
    e.ms += t;
    byKey.set(key, e);
  }
  const top = [...byKey.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 18);
  return [
    `${what}: wall ${(wall / 1000).toFixed(2)} s under tf.profile, kernels ${(kernelMs / 1000).toFixed(2)} s in ${info.kernels.length} kernel calls, ` +
      `outside kernels ${((wall - kernelMs) / 1000).toFixed(2)} s`,
    formatTable(
      ['kernel and input shapes', 'calls', 'total s', 'share of kernel time'],
      top.map(([key, e]) => [key, e.calls, (e.ms / 1000).toFixed(3), `${((100 * e.ms) / kernelMs).toFixed(1)}%`]),
    ),
  ].join('\n');
}

/** Median ms of `reps` runs of f (result read back and disposed). */
function bench(f: () => tf.Tensor | tf.Tensor[], reps = 7): number {
  const runs: number[] = [];
  for (let r = 0; r < reps + 1; r++) {
    const t0 = now();
    const out = f();
    (Array.isArray(out) ? out : [out]).forEach((t) => t.dataSync());
    const t = ms(t0);
    tf.dispose(out);
    if (r > 0) runs.push(t);
  }
  runs.sort((a, b) => a - b);
  return runs[runs.length >> 1];
}

/** Upper-triangle blocked gram: computes b(b+1)/2 block products and mirrors the rest. */
function blockedGram(x: tf.Tensor2D, blocks: number): tf.Tensor {
  return tf.tidy(() => {
    const d = x.shape[1];
    const size = Math.ceil(d / blocks);
    const cols = Array.from({ length: blocks }, (_, i) => tf.slice(x, [0, i * size], [-1, Math.min(size, d - i * size)]) as tf.Tensor2D);
    const colsT = cols.map((c) => tf.transpose(c) as tf.Tensor2D);
    const rows: tf.Tensor[] = [];
    const cache: tf.Tensor[][] = [];
    for (let i = 0; i < blocks; i++) {
      cache[i] = [];
      for (let j = 0; j < blocks; j++) cache[i][j] = j >= i ? tf.matMul(colsT[i], cols[j]) : tf.transpose(cache[j][i]);
      rows.push(tf.concat(cache[i], 1));
    }
    return tf.concat(rows, 0);
  });
}

/**
 * Batches cut from one host copy of the data (`dataSync` once, then `tf.tensor` on subarrays):
 * O(batch) per batch, where `tf.slice` of the whole `[n, 784]` tensor on wasm copies all n rows
 * (its Slice kernel starts with `readSync` of the entire input). Each batch is disposed when the
 * next one is requested, and the last one when the loop ends.
 */
function* hostBatches(xs: tf.Tensor2D, labels: tf.Tensor1D, batchSize: number): Generator<{ xs: tf.Tensor; ys: tf.Tensor }> {
  const xv = xs.dataSync() as Float32Array;
  const yv = labels.dataSync() as Int32Array;
  const [n, d] = xs.shape;
  let prev: tf.Tensor[] = [];
  try {
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      const b = {
        xs: tf.tensor2d(xv.subarray(start * d, (start + size) * d), [size, d]),
        ys: tf.tensor1d(yv.subarray(start, start + size), 'int32'),
      };
      tf.dispose(prev);
      prev = [b.xs, b.ys];
      yield b;
    }
  } finally {
    tf.dispose(prev);
  }
}

/** Batches taken with `tf.gather` of a row range: O(batch) on wasm (its Gather kernel reads only the indices), stays on the device. */
function* gatherBatches(xs: tf.Tensor2D, labels: tf.Tensor1D, batchSize: number): Generator<{ xs: tf.Tensor; ys: tf.Tensor }> {
  const n = xs.shape[0];
  let prev: tf.Tensor[] = [];
  try {
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      const idx = tf.range(start, start + size, 1, 'int32');
      const b = { xs: tf.gather(xs, idx), ys: tf.gather(labels, idx) };
      idx.dispose();
      tf.dispose(prev);
      prev = [b.xs, b.ys];
      yield b;
    }
  } finally {
    tf.dispose(prev);
  }
}

async function main(): Promise<void> {
  const arch = arg('model', '784-500-300-10');
  const backend = arg('backend', 'wasm') as BackendName;
  const data = shuffledSubset(loadMnistDigits(), Number(arg('n', '10000')));
  await useBackend(backend);
  console.log(`breakdown: ${arch} on ${await describeBackend()}, n = ${data.n}, batch ${BATCH}, load avg ${loadavg()[0].toFixed(2)}`);
  const model = buildMlp(arch);
  const xs = tf.tensor2d(data.images, [data.n, MNIST_PIXELS]);
  const labels = tf.tensor1d(data.labels, 'int32');
  const adapter = buildModelAdapter(model, { logits: true });
  const fit = () =>
    fitLaplace(model, { xs, ys: labels, batchSize: BATCH }, { likelihood: 'classification', structure: 'kron', curvature: 'ggn' });

  (await fit()).dispose(); // warm-up
  let t0 = now();
  (await fit()).dispose();
  const fitMs = ms(t0);
  const { phases, wallMs } = kfacPhases(adapter, xs, labels);
  const accounted = [...phases.total.values()].reduce((a, b) => a + b, 0);
  console.log(
    `\n1. kfac-ggn-fit phases (fitLaplace itself: ${(fitMs / 1000).toFixed(2)} s; phase re-run: ${(wallMs / 1000).toFixed(2)} s, ` +
      `${((wallMs - accounted) / 1000).toFixed(2)} s in tidy bookkeeping/unlisted)`,
  );
  console.log(
    formatTable(
      ['phase', 'seconds', 'share'],
      [...phases.total.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => [k, (v / 1000).toFixed(3), `${((100 * v) / wallMs).toFixed(1)}%`]),
    ),
  );

  console.log(`\n2. kernel profiles (load avg ${loadavg()[0].toFixed(2)})`);
  console.log(await kernelProfile('fitLaplace kfac-ggn', async () => (await fit()).dispose()));
  const opt = tf.train.adam(1e-3);
  await trainEpoch(model, { xs, ys: labels, batchSize: BATCH }, { likelihood: 'classification', optimizer: opt }); // warm-up
  t0 = now();
  await trainEpoch(model, { xs, ys: labels, batchSize: BATCH }, { likelihood: 'classification', optimizer: opt });
  console.log(`\ntrainEpoch (unprofiled): ${(ms(t0) / 1000).toFixed(2)} s`);
  console.log(
    await kernelProfile('trainEpoch', () =>
      trainEpoch(model, { xs, ys: labels, batchSize: BATCH }, { likelihood: 'classification', optimizer: opt }),
    ),
  );
  opt.dispose();

  console.log(
    `\n3. Data feeding: {xs, ys, batchSize} (tf.slice per batch) vs batches cut from one host copy vs tf.gather (load avg ${loadavg()[0].toFixed(2)})`,
  );
  const feedRows: (string | number)[][] = [];
  const timeIt = async (f: () => Promise<unknown>) => {
    const c0 = process.cpuUsage();
    const t = now();
    await f();
    const c = process.cpuUsage(c0);
    return [ms(t) / 1000, (c.user + c.system) / 1e6];
  };
  for (const [task, run] of [
    [
      'kfac-ggn-fit',
      async (src: () => unknown) =>
        (await fitLaplace(model, src() as never, { likelihood: 'classification', structure: 'kron', curvature: 'ggn' })).dispose(),
    ],
    [
      'kfac-ef-fit',
      async (src: () => unknown) =>
        (await fitLaplace(model, src() as never, { likelihood: 'classification', structure: 'kron', curvature: 'ef' })).dispose(),
    ],
    [
      'train-epoch',
      async (src: () => unknown) => {
        const o = tf.train.adam(1e-3);
        await trainEpoch(model, src() as never, { likelihood: 'classification', optimizer: o });
        o.dispose();
      },
    ],
  ] as const) {
    const sliced = await timeIt(() => run(() => ({ xs, ys: labels, batchSize: BATCH })));
    const host = await timeIt(() => run(() => hostBatches(xs, labels, BATCH)));
    const gathered = await timeIt(() => run(() => gatherBatches(xs, labels, BATCH)));
    feedRows.push([task, ...[sliced, host, gathered].flatMap(([w, c]) => [w.toFixed(2), c.toFixed(2)])]);
  }
  console.log(formatTable(['task', 'tf.slice wall s', 'cpu s', 'host copy wall s', 'cpu s', 'tf.gather wall s', 'cpu s'], feedRows));

  console.log(`\n4. Gram micro-benchmarks, median ms per call (load avg ${loadavg()[0].toFixed(2)})`);
  const sizes = arch.split('-').map(Number);
  const rowsG = 10 * BATCH;
  const cases: [string, tf.Tensor2D][] = [
    [`G ${sizes[1]}² rows ${rowsG}`, tf.randomNormal([rowsG, sizes[1]]) as tf.Tensor2D],
    [`A ${sizes[0]}² rows ${BATCH}`, tf.randomUniform([BATCH, sizes[0]]) as tf.Tensor2D],
    [`A ${sizes[0]}² rows ${8 * BATCH}`, tf.randomUniform([8 * BATCH, sizes[0]]) as tf.Tensor2D],
  ];
  const microRows: (string | number)[][] = [];
  for (const [name, x] of cases) {
    const explicit = bench(() => tf.tidy(() => tf.matMul(tf.transpose(x) as tf.Tensor2D, x)));
    const flag = bench(() => tf.matMul(x, x, true, false), 3);
    const transposeOnly = bench(() => tf.transpose(x));
    const b2 = bench(() => blockedGram(x, 2));
    const b4 = bench(() => blockedGram(x, 4));
    const flops = 2 * x.shape[0] * x.shape[1] * x.shape[1];
    microRows.push([
      name,
      explicit.toFixed(2),
      (flops / explicit / 1e6).toFixed(1),
      transposeOnly.toFixed(2),
      flag.toFixed(2),
      b2.toFixed(2),
      b4.toFixed(2),
    ]);
  }
  console.log(
    formatTable(
      [
        'gram XᵀX',
        'explicit Xᵀ·X ms',
        'GFLOP/s',
        'transpose alone ms',
        'matMul(X,X,transposeA) ms',
        'sym 2×2 blocks ms',
        'sym 4×4 blocks ms',
      ],
      microRows,
    ),
  );
  console.log('(per 128 examples: the A row with 8×128 rows covers 8 batches at once)');
  tf.dispose(cases.map((c) => c[1]));
  model.dispose();
  tf.dispose([xs, labels]);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
