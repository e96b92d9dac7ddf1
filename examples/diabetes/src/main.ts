/**
 * SpaM example: Gaussian regression on the Diabetes data (Efron et al. 2004) with a small MLP
 * (Dense 10-50-1), MAP with a fixed noise σ = 1 vs SpaM marginal-likelihood training that learns
 * the prior precisions and σ (kron + layer-wise, diag + parameter-wise).
 *
 *   npm run start -w @spam/example-diabetes
 *   npm run start -w @spam/example-diabetes -- --quick --backend cpu
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { buildModelAdapter, evaluate, type RegressionMetrics } from '@spam/core';
import { logMarginalLikelihoodTerms, marglikTraining, type LogMarglikTerms, type MarglikProgress } from '@spam/laplace';
import type { PriorStructure } from '@spam/priors';
import { leastSquaresReference, loadDiabetes, SPLIT_SEED, type DiabetesData } from './data.js';
import { ProgressBar } from './progress.js';

export type BackendName = 'wasm' | 'cpu';
export type Activation = 'tanh' | 'relu';

/** One training of the comparison. */
export interface TrainingSpec {
  /** `'map'` or `<hessian>+<prior>`. */
  name: string;
  /** MAP: no marglik steps, δ = δ₀ and σ fixed at 1. */
  map: boolean;
  hessian: 'kron' | 'diag';
  prior: PriorStructure;
}

export const TRAININGS: readonly TrainingSpec[] = [
  { name: 'map', map: true, hessian: 'kron', prior: 'scalar' },
  { name: 'kron+layerwise', map: false, hessian: 'kron', prior: 'layerwise' },
  { name: 'diag+parameterwise', map: false, hessian: 'diag', prior: 'parameterwise' },
];

/** The training schedule shared by every training of a run. */
export interface Schedule {
  epochs: number;
  batchSize: number;
  /** Adam learning rate of the weights (constant). */
  lr: number;
  /** F: a marglik step every F epochs. */
  marglikEvery: number;
  /** K: hyper steps per marglik step. */
  hyperSteps: number;
  /** B: burn-in epochs. */
  burnIn: number;
  /** Adam learning rate of log δ and log σ. */
  hyperLr: number;
  /** δ₀. */
  priorPrecision: number;
  /** Initial σ (standardised units); MAP keeps it. */
  sigma: number;
}

/** `default`: 300 epochs, F = 5, K = 50; `quick`: 40 epochs, F = 5, K = 20. */
export const SCHEDULES: Readonly<Record<'default' | 'quick', Schedule>> = {
  default: { epochs: 300, batchSize: 32, lr: 1e-3, marglikEvery: 5, hyperSteps: 50, burnIn: 0, hyperLr: 0.1, priorPrecision: 1, sigma: 1 },
  quick: { epochs: 40, batchSize: 32, lr: 1e-3, marglikEvery: 5, hyperSteps: 20, burnIn: 0, hyperLr: 0.1, priorPrecision: 1, sigma: 1 },
};

export interface RunOptions {
  /** tfjs backend. Default `'wasm'`. */
  backend?: BackendName;
  /** Seed of the initial weights (shared by every training). Default 0. */
  seed?: number;
  /** Seed of the 80/20 split. Default {@link SPLIT_SEED}. */
  splitSeed?: number;
  /** Hidden activation. Default `'tanh'`. */
  activation?: Activation;
  /** Short schedule. Default false. */
  quick?: boolean;
  /** Overrides of the schedule. */
  epochs?: number;
  marglikEvery?: number;
  hyperSteps?: number;
  /** Where the gzip files live. Default `examples/data/`. */
  dataDir?: string;
  /** Line printer; `false` silences the run. Default `console.log`. */
  log?: ((line: string) => void) | false;
  /** Progress bars (only when logging). Default true. */
  progress?: boolean;
}

/** Metrics on one split, in standardised and original target units. */
export interface SplitMetrics {
  /** Mean squared error, standardised target. */
  mse: number;
  /** Mean Gaussian NLL per example with the training's σ, standardised target. */
  nll: number;
  /** The same in the original units (disease progression score): MSE·s_y², NLL + log s_y. */
  mseOriginal: number;
  rmseOriginal: number;
  nllOriginal: number;
}

export interface TrainingRow {
  name: string;
  map: boolean;
  hessian: 'kron' | 'diag';
  prior: PriorStructure;
  train: SplitMetrics;
  test: SplitMetrics;
  /** Final σ: learned (SpaM) or fixed at 1 (MAP), standardised units. */
  sigma: number;
  /** σ in the original units (σ · s_y). */
  sigmaOriginal: number;
  /** σ after each epoch (standardised). */
  sigmaHistory: number[];
  /** log Z and its terms (standardised targets), from the final Laplace and prior. */
  logMarglik: LogMarglikTerms;
  /** log Z of the original-unit targets: log Z − N·log s_y. */
  logMarglikOriginal: number;
  precision: { min: number; max: number; geomean: number };
  trainMs: number;
}

export interface RunSummary {
  backend: string;
  seed: number;
  splitSeed: number;
  activation: Activation;
  schedule: Schedule;
  nTrain: number;
  nTest: number;
  yMean: number;
  yStd: number;
  numParams: number;
  /** Ordinary least squares with intercept, for reference (standardised MSE). */
  leastSquares: { trainMse: number; testMse: number };
  rows: TrainingRow[];
  tensorsLeaked: number;
}

/** Selects and initialises a tfjs backend. */
export async function selectBackend(name: BackendName): Promise<string> {
  if (name !== 'wasm' && name !== 'cpu') throw new Error(`unknown backend '${name}', use wasm or cpu`);
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) throw new Error(`could not initialise the tfjs '${name}' backend`);
  return tf.getBackend();
}

/** MLP 10-50-1 with seeded Glorot-uniform kernels and zero biases (the same seed, the same weights). */
export function buildNet(inputDim: number, seed: number, activation: Activation = 'tanh', hidden = 50): tf.Sequential {
  const init = (i: number) => tf.initializers.glorotUniform({ seed: seed * 1000 + i });
  return tf.sequential({
    name: 'DiabetesMLP',
    layers: [
      tf.layers.dense({ name: 'fc1', inputShape: [inputDim], units: hidden, activation, kernelInitializer: init(1) }),
      tf.layers.dense({ name: 'fc2', units: 1, activation: 'linear', kernelInitializer: init(2) }),
    ],
  });
}

/** The schedule with overrides applied and checked. */
export function resolveSchedule(options: RunOptions): Schedule {
  const base = options.quick ? SCHEDULES.quick : SCHEDULES.default;
  const s: Schedule = {
    ...base,
    epochs: options.epochs ?? base.epochs,
    marglikEvery: options.marglikEvery ?? base.marglikEvery,
    hyperSteps: options.hyperSteps ?? base.hyperSteps,
  };
  for (const [k, min] of [['epochs', 1], ['marglikEvery', 1], ['hyperSteps', 0]] as const) {
    if (!Number.isInteger(s[k]) || s[k] < min) throw new Error(`${k} must be an integer >= ${min}, got ${s[k]}`);
  }
  return s;
}

function marglikStepCount(s: Schedule): number {
  if (s.hyperSteps === 0) return 0;
  let n = 0;
  for (let e = s.burnIn + 1; e <= s.epochs; e++) if ((e - s.burnIn) % s.marglikEvery === 0) n++;
  return n;
}

function splitMetrics(m: RegressionMetrics, yStd: number): SplitMetrics {
  const mseOriginal = m.mse * yStd * yStd;
  return { mse: m.mse, nll: m.nll, mseOriginal, rmseOriginal: Math.sqrt(mseOriginal), nllOriginal: m.nll + Math.log(yStd) };
}

async function runTraining(spec: TrainingSpec, data: DiabetesData, s: Schedule, seed: number, activation: Activation, showProgress: boolean, width: number): Promise<TrainingRow> {
  const model = buildNet(data.numFeatures, seed, activation);
  const batches = Math.ceil(data.xTrain.shape[0] / s.batchSize);
  const total = s.epochs * batches + (spec.map ? 0 : marglikStepCount(s) * s.hyperSteps);
  const bar = showProgress ? new ProgressBar({ total, label: spec.name.padEnd(width), plainSteps: 4, width: 24 }) : null;
  let done = 0;
  let epoch = 0;
  let loss = NaN;
  let logZ: number | undefined;
  const status = (extra = '') => `epoch ${epoch}/${s.epochs} loss ${loss.toFixed(4)}${logZ !== undefined ? ` log Z ${logZ.toFixed(1)}` : ''}${extra}`;
  const onProgress = (p: MarglikProgress) => {
    if (p.stage === 'batch') {
      epoch = p.epoch;
      bar?.update(++done, status());
    } else if (p.stage === 'hyper') {
      logZ = p.logMarglik;
      bar?.update(++done, status(` hyper ${p.step}/${p.steps}`));
    } else if (p.stage === 'epoch') {
      loss = p.loss;
      if (p.logMarglik !== undefined) logZ = p.logMarglik;
    }
  };
  try {
    const t0 = performance.now();
    const result = await marglikTraining(
      model,
      { xs: data.xTrain, ys: data.yTrain, batchSize: s.batchSize },
      {
        likelihood: 'regression',
        hessian: spec.hessian,
        prior: spec.prior,
        priorPrecision: s.priorPrecision,
        epochs: s.epochs,
        marglikEvery: s.marglikEvery,
        hyperSteps: s.hyperSteps,
        burnIn: s.burnIn,
        lr: s.lr,
        hyperLr: s.hyperLr,
        sigma: s.sigma,
        learnSigma: !spec.map,
        map: spec.map,
        onProgress,
      },
    );
    const trainMs = performance.now() - t0;
    try {
      const sigmaHistory = result.history.map((h) => h.sigma ?? s.sigma);
      const adapter = buildModelAdapter(model);
      const sigma = result.sigma;
      const train = evaluate(adapter, 'regression', data.xTrain, data.yTrain, { sigma }) as RegressionMetrics;
      const test = evaluate(adapter, 'regression', data.xTest, data.yTest, { sigma }) as RegressionMetrics;
      const logMarglik = logMarginalLikelihoodTerms(result.laplace, result.prior);
      const row: TrainingRow = {
        name: spec.name,
        map: spec.map,
        hessian: spec.hessian,
        prior: spec.prior,
        train: splitMetrics(train, data.yStd),
        test: splitMetrics(test, data.yStd),
        sigma,
        sigmaOriginal: sigma * data.yStd,
        sigmaHistory,
        logMarglik,
        logMarglikOriginal: logMarglik.logMarglik - data.xTrain.shape[0] * Math.log(data.yStd),
        precision: result.prior.summary(),
        trainMs,
      };
      bar?.finish(`test MSE ${test.mse.toFixed(3)} σ ${sigma.toFixed(3)} log Z ${logMarglik.logMarglik.toFixed(1)} ${(trainMs / 1000).toFixed(1)}s`);
      return row;
    } finally {
      result.laplace.dispose();
      result.prior.dispose();
    }
  } finally {
    bar?.finish();
    model.dispose();
  }
}

/** Renders rows as an aligned text table (first column left-aligned). */
export function formatTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)];
}

const f = (x: number, d: number) => (Number.isFinite(x) ? x.toFixed(d) : '—');
const g3 = (x: number) => (!Number.isFinite(x) ? '—' : Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-2) ? x.toExponential(2) : x.toPrecision(3));
const label = (r: TrainingRow) => (r.map ? 'MAP (σ = 1, δ₀)' : `SpaM ${r.name}`);

/** The result tables. */
export function formatRows(rows: TrainingRow[], yStd: number): string[] {
  return [
    'Standardised target (z = (y − mean)/std of the training targets):',
    ...formatTable(
      ['training', 'σ', 'train MSE', 'test MSE', 'test NLL', 'log Z', 'δ min', 'δ geomean', 'δ max', 'time (s)'],
      rows.map((r) => [label(r), f(r.sigma, 4), f(r.train.mse, 4), f(r.test.mse, 4), f(r.test.nll, 4), f(r.logMarglik.logMarglik, 1), g3(r.precision.min), g3(r.precision.geomean), g3(r.precision.max), f(r.trainMs / 1000, 1)]),
    ),
    '',
    `Original units (disease progression score; training std s_y = ${yStd.toFixed(2)}):`,
    ...formatTable(
      ['training', 'σ', 'test MSE', 'test RMSE', 'test NLL', 'log Z'],
      rows.map((r) => [label(r), f(r.sigmaOriginal, 2), f(r.test.mseOriginal, 1), f(r.test.rmseOriginal, 2), f(r.test.nllOriginal, 4), f(r.logMarglikOriginal, 1)]),
    ),
    '',
    'log Z terms (standardised; log Z = log p(D|θ) − ½[log det P − Σ log δ + Σ δθ²]):',
    ...formatTable(
      ['training', 'log p(D|θ)', 'log det P', 'Σ log δ', 'Σ δθ²', 'log Z'],
      rows.map((r) => [label(r), f(r.logMarglik.logLikelihood, 2), f(r.logMarglik.logDetPosterior, 1), f(r.logMarglik.logDetPrior, 1), f(r.logMarglik.scatter, 2), f(r.logMarglik.logMarglik, 1)]),
    ),
  ];
}

/** Runs the comparison; disposes every tensor it creates (`tensorsLeaked` reports the check). */
export async function run(options: RunOptions = {}): Promise<RunSummary> {
  const log = options.log === false ? () => undefined : (options.log ?? ((s: string) => console.log(s)));
  const showProgress = options.log !== false && (options.progress ?? true);
  const seed = options.seed ?? 0;
  const splitSeed = options.splitSeed ?? SPLIT_SEED;
  const activation = options.activation ?? 'tanh';
  if (activation !== 'tanh' && activation !== 'relu') throw new Error(`activation must be tanh or relu, got '${String(activation)}'`);
  const s = resolveSchedule(options);
  const backend = await selectBackend(options.backend ?? 'wasm');
  log(`tfjs ${tf.version.tfjs}, backend: ${backend}`);
  const before = tf.memory().numTensors;
  const data = loadDiabetes({ dataDir: options.dataDir, splitSeed });
  const rows: TrainingRow[] = [];
  let numParams = 0;
  let leastSquares = { trainMse: NaN, testMse: NaN };
  try {
    const probe = buildNet(data.numFeatures, seed, activation);
    numParams = probe.countParams();
    probe.dispose();
    const nTrain = data.xTrain.shape[0];
    const nTest = data.xTest.shape[0];
    log(
      `data: Diabetes (Efron et al. 2004), ${nTrain} train / ${nTest} test (seeded split, seed ${splitSeed}), ${data.numFeatures} inputs; ` +
        `inputs and target standardised with the training mean/std (target mean ${data.yMean.toFixed(2)}, std ${data.yStd.toFixed(2)})`,
    );
    log(`model: MLP Dense ${data.numFeatures}-50-1 (${activation}), ${numParams} parameters, the same seeded initial weights (seed ${seed}) for every training`);
    const k = marglikStepCount(s);
    log(
      `schedule: Adam lr ${s.lr} constant, batch ${s.batchSize}, ${s.epochs} epochs, Gaussian likelihood, δ₀ = ${s.priorPrecision}, σ₀ = ${s.sigma}; ` +
        `SpaM: a marglik step every F = ${s.marglikEvery} epochs (${k} steps), K = ${s.hyperSteps} Adam steps (lr ${s.hyperLr}) on log δ and log σ; MAP: σ fixed at ${s.sigma}, no marglik steps`,
    );
    leastSquares = leastSquaresReference(data);
    log('');
    const width = Math.max(...TRAININGS.map((t) => t.name.length));
    for (const spec of TRAININGS) rows.push(await runTraining(spec, data, s, seed, activation, showProgress, width));
    log('');
    log(`MAP vs SpaM on the ${nTest} test examples (log Z on the ${nTrain} training examples, from the Laplace refitted at the final weights with the final σ):`);
    for (const line of formatRows(rows, data.yStd)) log(line);
    log('');
    const ls = leastSquares;
    log(
      `reference, ordinary least squares (linear, with intercept): test MSE ${ls.testMse.toFixed(4)} standardised = ${(ls.testMse * data.yStd ** 2).toFixed(1)} ` +
        `(RMSE ${Math.sqrt(ls.testMse * data.yStd ** 2).toFixed(2)}) in original units; residual std on the training set ${Math.sqrt(ls.trainMse).toFixed(4)} (${(Math.sqrt(ls.trainMse) * data.yStd).toFixed(2)})`,
    );
    for (const r of rows.filter((x) => !x.map)) {
      const h = r.sigmaHistory;
      const pick = [0, Math.floor(h.length / 4), Math.floor(h.length / 2), Math.floor((3 * h.length) / 4), h.length - 1].filter((i, j, a) => a.indexOf(i) === j);
      log(`σ of SpaM ${r.name} after epochs ${pick.map((i) => `${i + 1}: ${h[i].toFixed(3)}`).join(', ')}`);
    }
    log(`timings: ${rows.map((r) => `${r.name} ${(r.trainMs / 1000).toFixed(1)} s`).join(', ')}; all ${(rows.reduce((a, r) => a + r.trainMs, 0) / 1000).toFixed(1)} s`);
  } finally {
    data.dispose();
  }
  const tensorsLeaked = tf.memory().numTensors - before;
  log(`tensors leaked: ${tensorsLeaked}`);
  return {
    backend,
    seed,
    splitSeed,
    activation,
    schedule: s,
    nTrain: data.xTrain.shape[0],
    nTest: data.xTest.shape[0],
    yMean: data.yMean,
    yStd: data.yStd,
    numParams,
    leastSquares,
    rows,
    tensorsLeaked,
  };
}

// ---------------------------------------------------------------------------------------------
// CLI

const USAGE = `usage: tsx src/main.ts [--quick] [--backend wasm|cpu] [--seed N] [--split-seed N] [--activation tanh|relu]
                       [--epochs N] [--marglik-every F] [--hyper-steps K]
  --quick          short run: ${SCHEDULES.quick.epochs} epochs, F = ${SCHEDULES.quick.marglikEvery}, K = ${SCHEDULES.quick.hyperSteps} (default ${SCHEDULES.default.epochs} epochs, F = ${SCHEDULES.default.marglikEvery}, K = ${SCHEDULES.default.hyperSteps})
  --backend        tfjs backend (default wasm)
  --seed           seed of the initial weights, shared by every training (default 0)
  --split-seed     seed of the 80/20 split (default ${SPLIT_SEED})
  --activation     hidden activation (default tanh)
  --epochs, --marglik-every, --hyper-steps   override the schedule`;

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
      seed: { type: 'string' },
      'split-seed': { type: 'string' },
      activation: { type: 'string' },
      epochs: { type: 'string' },
      'marglik-every': { type: 'string' },
      'hyper-steps': { type: 'string' },
      quick: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const backend = values.backend ?? 'wasm';
  if (backend !== 'wasm' && backend !== 'cpu') throw new Error(`--backend must be wasm or cpu, got '${backend}'`);
  const activation = values.activation ?? 'tanh';
  if (activation !== 'tanh' && activation !== 'relu') throw new Error(`--activation must be tanh or relu, got '${activation}'`);
  const out: RunOptions = { backend, activation, quick: values.quick ?? false };
  const ints: Array<[keyof RunOptions, string | undefined, string, number]> = [
    ['seed', values.seed, 'seed', 0],
    ['splitSeed', values['split-seed'], 'split-seed', 0],
    ['epochs', values.epochs, 'epochs', 1],
    ['marglikEvery', values['marglik-every'], 'marglik-every', 1],
    ['hyperSteps', values['hyper-steps'], 'hyper-steps', 0],
  ];
  for (const [key, v, name, min] of ints) {
    const n = parseIntFlag(v, name, min);
    if (n !== undefined) (out as Record<string, unknown>)[key] = n;
  }
  return out;
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
  if (summary.tensorsLeaked !== 0) {
    console.error(`error: ${summary.tensorsLeaked} tensors leaked`);
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
