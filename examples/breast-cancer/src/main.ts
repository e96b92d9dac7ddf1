/**
 * SpaM example: the paper's CancerNet (Dense 30-100-100-2) on Breast Cancer Wisconsin.
 *
 * Trains the net with tfjs (`model.fit`, Adam 1e-3, batch 32), reports train/test accuracy and
 * NLL, then fits the Laplace curvature over the training set with `@spam/laplace` in five
 * variants (kron+ggn, diag+ggn, kron+mc, kron+ef, diag+ef), times each, prints a per-layer
 * summary and checks that no tensor leaked.
 *
 *   npm start                                                     (from the repository root)
 *   npm run start -w @spam/example-breast-cancer -- --backend cpu --epochs 50 --seed 1
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { fitLaplace, type CurvatureStructure, type CurvatureType, type DiagLaplace, type KronLaplace } from '@spam/laplace';
import { loadBreastCancer, type BreastCancerData } from './data.js';
import { ProgressBar } from './progress.js';

export type BackendName = 'wasm' | 'cpu';

export interface RunOptions {
  /** tfjs backend. Default `'wasm'`. */
  backend?: BackendName;
  /** Training epochs. Default {@link DEFAULT_EPOCHS} ({@link QUICK_EPOCHS} with `quick`). */
  epochs?: number;
  /** Seed of the initialisers, the batch order and the MC curvature. Default 0. */
  seed?: number;
  /** Use the raw features (as the paper) instead of standardised ones. Default false. */
  raw?: boolean;
  /** Shorter run (fewer epochs) for smoke tests. Default false. */
  quick?: boolean;
  /** Where the CSV and split live. Default `examples/data/`. */
  dataDir?: string;
  /** Line printer; `false` silences the run. Default `console.log`. */
  log?: ((line: string) => void) | false;
  /** Show progress bars (only when logging). Default true. */
  progress?: boolean;
}

/** Metrics of the trained net on one split. */
export interface SplitMetrics {
  /** Fraction of correctly classified examples. */
  accuracy: number;
  /** Mean negative log-likelihood (softmax cross-entropy) per example. */
  nll: number;
}

/** Per parametric layer numbers of one curvature fit. */
export interface LayerCurvature {
  layer: string;
  /** Kernel shape `[in, out]`. */
  kernelShape: number[];
  /** Parameters of the layer (kernel + bias). */
  numParams: number;
  /** Σ of diag(H) over the layer's kernel and bias. */
  diagSum: number;
  /** Largest / smallest kernel entry of diag(H) (for kron: of diag(A⊗G)). */
  maxDiag: number;
  minDiag: number;
  /** Kron only: factor shapes and traces. */
  aShape?: number[];
  gShape?: number[];
  traceA?: number;
  traceG?: number;
}

/** One curvature fit. */
export interface FitSummary {
  /** E.g. `'kron+ggn'`. */
  name: string;
  structure: CurvatureStructure;
  curvature: CurvatureType;
  /** Wall time of `fitLaplace` in milliseconds. */
  ms: number;
  /** Summed training loss and log-likelihood at the trained weights. */
  loss: number;
  logLikelihood: number;
  nData: number;
  numParams: number;
  layers: LayerCurvature[];
}

export interface RunSummary {
  backend: string;
  epochs: number;
  seed: number;
  standardized: boolean;
  numParams: number;
  trainMs: number;
  train: SplitMetrics;
  test: SplitMetrics;
  fits: FitSummary[];
  curvatureMs: number;
  /** numTensors after − before the curvature part (must be 0). */
  tensorsLeaked: number;
  /** numTensors at the end of `run` − at its start, after disposing the model and the data (must be 0). */
  tensorsLeakedTotal: number;
}

export const DEFAULT_EPOCHS = 30;
export const QUICK_EPOCHS = 10;
export const BATCH_SIZE = 32;
export const CURVATURE_BATCH_SIZE = 128;
export const LEARNING_RATE = 1e-3;

/** The curvature variants fitted, in order. */
export const CURVATURE_VARIANTS: ReadonlyArray<{ structure: CurvatureStructure; curvature: CurvatureType }> = [
  { structure: 'kron', curvature: 'ggn' },
  { structure: 'diag', curvature: 'ggn' },
  { structure: 'kron', curvature: 'mc' },
  { structure: 'kron', curvature: 'ef' },
  { structure: 'diag', curvature: 'ef' },
];

/** Selects and initialises a tfjs backend; throws if it cannot be used. */
export async function selectBackend(name: BackendName): Promise<string> {
  if (name !== 'wasm' && name !== 'cpu') throw new Error(`unknown backend '${name}', use wasm or cpu`);
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) throw new Error(`could not initialise the tfjs '${name}' backend`);
  return tf.getBackend();
}

/** CancerNet of the SpaM paper: Dense 30-100-100-2, ReLU, linear (logits) output, seeded Glorot-uniform kernels. */
export function buildCancerNet(inputDim: number, seed: number, numClasses = 2): tf.Sequential {
  const init = (i: number) => tf.initializers.glorotUniform({ seed: seed * 1000 + i });
  return tf.sequential({
    name: 'CancerNet',
    layers: [
      tf.layers.dense({ name: 'fc1', inputShape: [inputDim], units: 100, activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.dense({ name: 'fc2', units: 100, activation: 'relu', kernelInitializer: init(2) }),
      tf.layers.dense({ name: 'fc3', units: numClasses, activation: 'linear', kernelInitializer: init(3) }),
    ],
  });
}

/** Mulberry32: a tiny seeded PRNG for the batch order. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function permutation(n: number, rand: () => number): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** Accuracy and mean NLL of the model on (x, one-hot y). */
export function evaluate(model: tf.LayersModel, x: tf.Tensor, yOneHot: tf.Tensor, labels: Int32Array): SplitMetrics {
  return tf.tidy(() => {
    const logits = model.predict(x) as tf.Tensor2D;
    const nll = tf.neg(tf.mean(tf.sum(tf.mul(yOneHot, tf.logSoftmax(logits)), 1))).dataSync()[0];
    const pred = tf.argMax(logits, 1).dataSync();
    let correct = 0;
    for (let i = 0; i < labels.length; i++) if (pred[i] === labels[i]) correct++;
    return { accuracy: correct / labels.length, nll };
  });
}

/**
 * Trains with `model.fit` (Adam, batch 32, softmax cross-entropy on logits). Each epoch is one
 * `fit` call on a seeded permutation of the training rows, so the batch order is reproducible.
 */
async function train(
  model: tf.LayersModel,
  data: BreastCancerData,
  epochs: number,
  seed: number,
  bar: ProgressBar | null,
): Promise<void> {
  const rand = mulberry32(seed ^ 0x9e3779b9);
  const n = data.xTrain.shape[0];
  const batchesPerEpoch = Math.ceil(n / BATCH_SIZE);
  let lastLoss = NaN;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const idx = tf.tensor1d(permutation(n, rand), 'int32');
    const xs = tf.gather(data.xTrain, idx);
    const ys = tf.gather(data.yTrain, idx);
    idx.dispose();
    try {
      await model.fit(xs, ys, {
        batchSize: BATCH_SIZE,
        epochs: epoch + 1,
        initialEpoch: epoch,
        shuffle: false,
        verbose: 0,
        yieldEvery: 'never',
        callbacks: {
          onBatchEnd: async (batch, logs) => {
            if (logs?.loss !== undefined) lastLoss = logs.loss;
            bar?.update(epoch * batchesPerEpoch + batch + 1, `epoch ${epoch + 1}/${epochs} loss ${lastLoss.toFixed(4)}`);
          },
        },
      });
    } finally {
      tf.dispose([xs, ys]);
    }
  }
  bar?.finish(`epoch ${epochs}/${epochs} loss ${lastLoss.toFixed(4)}`);
}

/** Sums, max and min of a canonical-order diagonal, per parametric layer. */
function layerDiagStats(lap: KronLaplace | DiagLaplace, diag: Float32Array): Map<string, Omit<LayerCurvature, 'layer'>> {
  const out = new Map<string, Omit<LayerCurvature, 'layer'>>();
  for (const p of lap.params) {
    let s = out.get(p.layerName);
    if (!s) {
      s = { kernelShape: [], numParams: 0, diagSum: 0, maxDiag: -Infinity, minDiag: Infinity };
      out.set(p.layerName, s);
    }
    s.numParams += p.size;
    for (let i = p.offset; i < p.offset + p.size; i++) {
      const v = diag[i];
      s.diagSum += v;
      if (p.role === 'kernel') {
        if (v > s.maxDiag) s.maxDiag = v;
        if (v < s.minDiag) s.minDiag = v;
      }
    }
    if (p.role === 'kernel') s.kernelShape = [...p.shape];
  }
  return out;
}

function trace(m: tf.Tensor): number {
  const [r, c] = m.shape as [number, number];
  const v = m.dataSync();
  let t = 0;
  for (let i = 0; i < Math.min(r, c); i++) t += v[i * c + i];
  return t;
}

/** Reads what the summary needs out of a fitted curvature (the caller disposes `lap`). */
function summariseFit(lap: KronLaplace | DiagLaplace, name: string, ms: number): FitSummary {
  const d = lap.diagonal();
  let diag: Float32Array;
  try {
    diag = d.dataSync() as Float32Array;
  } finally {
    d.dispose();
  }
  const stats = layerDiagStats(lap, diag);
  const layers: LayerCurvature[] = [...stats.entries()].map(([layer, s]) => ({ layer, ...s }));
  if (lap.structure === 'kron') {
    for (const f of lap.factors) {
      const l = layers.find((x) => x.layer === f.layerName);
      if (!l) continue;
      l.aShape = [...f.A.shape];
      l.gShape = [...f.G.shape];
      l.traceA = trace(f.A);
      l.traceG = trace(f.G);
    }
  }
  return {
    name,
    structure: lap.structure,
    curvature: lap.curvature,
    ms,
    loss: lap.loss,
    logLikelihood: lap.logLikelihood,
    nData: lap.nData,
    numParams: lap.numParams,
    layers,
  };
}

// ---------------------------------------------------------------------------------------------
// Output formatting

const sci = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '—' : x.toExponential(3));
const shape = (s: number[] | undefined) => (s ? s.join('×') : '—');

/** Renders rows as an aligned text table (first column left-aligned, the rest right-aligned). */
export function formatTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i <= 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line)];
}

/** The readable curvature summary (three tables). */
export function formatCurvatureSummary(fits: FitSummary[]): string[] {
  const out: string[] = [];
  const byName = new Map(fits.map((f) => [f.name, f]));
  const kron = fits.filter((f) => f.structure === 'kron');
  const diag = fits.filter((f) => f.structure === 'diag');

  out.push('KFAC factors per parametric layer (H_kernel ≈ A ⊗ G, bias block G; A = Σaaᵀ/N, G = Σggᵀ):');
  out.push(
    ...formatTable(
      ['fit', 'layer', 'kernel', 'A', 'G', 'tr(A)', 'tr(G)', 'max diag(A⊗G)', 'min diag(A⊗G)', 'Σ diag (kron)', 'Σ diag (diag fit)'],
      kron.flatMap((f) =>
        f.layers.map((l) => {
          const twin = byName.get(`diag+${f.curvature}`)?.layers.find((x) => x.layer === l.layer);
          return [f.name, l.layer, shape(l.kernelShape), shape(l.aShape), shape(l.gShape), sci(l.traceA), sci(l.traceG), sci(l.maxDiag), sci(l.minDiag), sci(l.diagSum), sci(twin?.diagSum)];
        }),
      ),
    ),
  );
  out.push('');
  out.push('Exact diagonal per parametric layer:');
  out.push(
    ...formatTable(
      ['fit', 'layer', 'params', 'Σ diag', 'max diag (kernel)', 'min diag (kernel)'],
      diag.flatMap((f) => f.layers.map((l) => [f.name, l.layer, String(l.numParams), sci(l.diagSum), sci(l.maxDiag), sci(l.minDiag)])),
    ),
  );
  out.push('');
  out.push('Per fit:');
  out.push(
    ...formatTable(
      ['fit', 'N', 'P', 'Σ diag (all)', 'loss', 'log-likelihood', 'time (ms)'],
      fits.map((f) => [
        f.name,
        String(f.nData),
        String(f.numParams),
        sci(f.layers.reduce((a, l) => a + l.diagSum, 0)),
        f.loss.toFixed(4),
        f.logLikelihood.toFixed(4),
        f.ms.toFixed(1),
      ]),
    ),
  );
  return out;
}

// ---------------------------------------------------------------------------------------------

/**
 * Runs the whole example and returns its numbers. Disposes every tensor it creates (model,
 * optimizer state, data, curvatures); `tensorsLeaked` / `tensorsLeakedTotal` report the check.
 */
export async function run(options: RunOptions = {}): Promise<RunSummary> {
  const log = options.log === false ? () => undefined : (options.log ?? ((s: string) => console.log(s)));
  const seed = options.seed ?? 0;
  const epochs = options.epochs ?? (options.quick ? QUICK_EPOCHS : DEFAULT_EPOCHS);
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`epochs must be a positive integer, got ${epochs}`);
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);

  const backend = await selectBackend(options.backend ?? 'wasm');
  log(`tfjs ${tf.version.tfjs}, backend: ${backend}`);
  const tensorsAtStart = tf.memory().numTensors;
  const summary = await trainAndFit(options, backend, epochs, seed, log);
  summary.tensorsLeakedTotal = tf.memory().numTensors - tensorsAtStart;
  log(`tensors leaked over the whole run (model, optimizer, data disposed): ${summary.tensorsLeakedTotal}`);
  return summary;
}

async function trainAndFit(
  options: RunOptions,
  backend: string,
  epochs: number,
  seed: number,
  log: (line: string) => void,
): Promise<RunSummary> {
  const showProgress = options.log !== false && (options.progress ?? true);
  const data = loadBreastCancer({ standardize: !options.raw, dataDir: options.dataDir });
  const model = buildCancerNet(data.numFeatures, seed);
  const optimizer = tf.train.adam(LEARNING_RATE);
  try {
    model.compile({ optimizer, loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred) });
    const numParams = model.countParams();
    log(
      `data: Breast Cancer Wisconsin, ${data.xTrain.shape[0]} train / ${data.xTest.shape[0]} test, ${data.numFeatures} features ` +
        `(${data.standardized ? 'standardised with the training mean/std' : 'raw'}); classes 0=${data.classNames[0]}, 1=${data.classNames[1]}`,
    );
    log(`model: CancerNet Dense ${data.numFeatures}-100-100-2 (relu, logits), ${numParams} parameters, seed ${seed}`);
    log(`training: Adam lr ${LEARNING_RATE}, batch ${BATCH_SIZE}, ${epochs} epochs`);

    const steps = epochs * Math.ceil(data.xTrain.shape[0] / BATCH_SIZE);
    const t0 = performance.now();
    await train(model, data, epochs, seed, showProgress ? new ProgressBar({ total: steps, label: 'train' }) : null);
    const trainMs = performance.now() - t0;
    const trainM = evaluate(model, data.xTrain, data.yTrain, data.trainLabels);
    const testM = evaluate(model, data.xTest, data.yTest, data.testLabels);
    log(`trained in ${trainMs.toFixed(0)} ms`);
    log(`train: accuracy ${(trainM.accuracy * 100).toFixed(2)}%  NLL ${trainM.nll.toFixed(4)}`);
    log(`test:  accuracy ${(testM.accuracy * 100).toFixed(2)}%  NLL ${testM.nll.toFixed(4)}`);

    // ---- curvature part: every tensor created here must be gone at the end ----
    log('');
    log(`Laplace curvature over the training set (batch ${CURVATURE_BATCH_SIZE}):`);
    const before = tf.memory().numTensors;
    const fits: FitSummary[] = [];
    const c0 = performance.now();
    for (const { structure, curvature } of CURVATURE_VARIANTS) {
      const name = `${structure}+${curvature}`;
      const bar = showProgress
        ? new ProgressBar({ total: data.xTrain.shape[0], label: name.padEnd(8), plainSteps: 1, width: 20 })
        : null;
      const t = performance.now();
      const lap = await fitLaplace(
        model,
        { xs: data.xTrain, ys: data.yTrain, batchSize: CURVATURE_BATCH_SIZE },
        { likelihood: 'classification', structure, curvature, mcSamples: 1, seed, onProgress: (p) => bar?.update(p.examples) },
      );
      const ms = performance.now() - t;
      try {
        bar?.finish();
        fits.push(summariseFit(lap as KronLaplace | DiagLaplace, name, ms));
      } finally {
        lap.dispose();
      }
    }
    const curvatureMs = performance.now() - c0;
    const after = tf.memory().numTensors;
    const tensorsLeaked = after - before;

    log('');
    for (const line of formatCurvatureSummary(fits)) log(line);
    log('');
    log(`total log-likelihood log p(D|θ) on the ${fits[0].nData} training examples: ${fits[0].logLikelihood.toFixed(4)}`);
    log(`timings: training ${trainMs.toFixed(0)} ms; curvature ${fits.map((f) => `${f.name} ${f.ms.toFixed(1)} ms`).join(', ')}; all curvature ${curvatureMs.toFixed(1)} ms`);
    log(`tensors before/after the curvature part: ${before}/${after}`);
    log(`tensors leaked: ${tensorsLeaked}`);

    return {
      backend,
      epochs,
      seed,
      standardized: data.standardized,
      numParams,
      trainMs,
      train: trainM,
      test: testM,
      fits,
      curvatureMs,
      tensorsLeaked,
      tensorsLeakedTotal: 0, // set by run() once the model and data are disposed
    };
  } finally {
    model.dispose();
    optimizer.dispose();
    data.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// CLI

const USAGE = `usage: tsx src/main.ts [--backend wasm|cpu] [--epochs N] [--seed N] [--raw] [--quick]
  --backend  tfjs backend (default wasm)
  --epochs   training epochs (default ${DEFAULT_EPOCHS}; ${QUICK_EPOCHS} with --quick)
  --seed     seed of initialisers, batch order and MC sampling (default 0)
  --raw      raw features (as the paper) instead of standardised ones
  --quick    shorter run`;

function parseIntFlag(v: string | undefined, name: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got '${v}'`);
  return n;
}

/** Parses the CLI flags into run options. */
export function parseCli(argv: string[]): RunOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      backend: { type: 'string' },
      epochs: { type: 'string' },
      seed: { type: 'string' },
      raw: { type: 'boolean' },
      quick: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const backend = values.backend ?? 'wasm';
  if (backend !== 'wasm' && backend !== 'cpu') throw new Error(`--backend must be wasm or cpu, got '${backend}'`);
  return {
    backend,
    epochs: parseIntFlag(values.epochs, 'epochs', 1),
    seed: parseIntFlag(values.seed, 'seed', 0),
    raw: values.raw ?? false,
    quick: values.quick ?? false,
  };
}

async function cli(): Promise<void> {
  let opts: RunOptions | 'help';
  try {
    opts = parseCli(process.argv.slice(2));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (opts === 'help') {
    console.log(USAGE);
    return;
  }
  const t0 = performance.now();
  const summary = await run(opts);
  console.log(`done in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  if (summary.tensorsLeaked !== 0 || summary.tensorsLeakedTotal !== 0) {
    console.error(`error: tensors leaked (curvature part ${summary.tensorsLeaked}, whole run ${summary.tensorsLeakedTotal})`);
    process.exitCode = 1;
  }
}

function isMain(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  cli().catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exitCode = 1;
  });
}
