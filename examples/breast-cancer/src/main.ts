/**
 * SpaM example: the paper's CancerNet (Dense 30-100-100-2) on Breast Cancer Wisconsin, MAP vs
 * SpaM (marginal-likelihood training) with each prior structure.
 *
 * Every training starts from the same seeded initial weights and runs `marglikTraining` with the
 * CancerNet config of the paper (Adam 1e-3 constant, batch 64, 50 epochs, δ₀ = 1, burn-in 0):
 * MAP is the same loop without marglik steps; SpaM takes K hyper steps on the prior precisions
 * every F epochs. The run prints test accuracy, NLL, ECE, the final log marginal likelihood, the
 * learned precisions and the train time per training; `--curvature` adds the Laplace curvature
 * summary of the MAP net.
 *
 *   npm start                                                     (from the repository root)
 *   npm run start -w @spam/example-breast-cancer -- --quick
 *   npm run start -w @spam/example-breast-cancer -- --paper --curvature
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { buildModelAdapter, evaluate, type ClassificationMetrics } from '@spam/core';
import { fitLaplace, logMarginalLikelihoodTerms, marglikTraining, type LogMarglikTerms, type MarglikProgress } from '@spam/laplace';
import { createPrior, type Prior, type PriorStructure } from '@spam/priors';
import { fitCurvatures, formatCurvatureReport, type CurvatureReport } from './curvature.js';
import { loadBreastCancer, type BreastCancerData } from './data.js';
import { compact, fixed, formatTable } from './format.js';
import { ProgressBar } from './progress.js';

export type BackendName = 'wasm' | 'cpu';
export type ScheduleName = 'quick' | 'default' | 'paper';

/** One training of the comparison. */
export interface TrainingSpec {
  /** `'map'` or `<hessian>+<prior>`, e.g. `'kron+layerwise'`. */
  name: string;
  /** MAP: the same loop without marglik steps (δ = δ₀). */
  map: boolean;
  /** Curvature structure of the marglik steps and of the final Laplace. */
  hessian: 'kron' | 'diag';
  prior: PriorStructure;
}

/** Every training the example knows, in table order. */
export const TRAININGS: readonly TrainingSpec[] = [
  { name: 'map', map: true, hessian: 'kron', prior: 'scalar' },
  { name: 'kron+scalar', map: false, hessian: 'kron', prior: 'scalar' },
  { name: 'kron+layerwise', map: false, hessian: 'kron', prior: 'layerwise' },
  { name: 'kron+unitwise', map: false, hessian: 'kron', prior: 'unitwise' },
  { name: 'diag+parameterwise', map: false, hessian: 'diag', prior: 'parameterwise' },
  { name: 'kron+parameterwise', map: false, hessian: 'kron', prior: 'parameterwise' },
];

/** The training schedule (shared by every training of a run). */
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
  /** Adam learning rate of the log-precisions. */
  hyperLr: number;
  /** Initial prior precision δ₀. */
  priorPrecision: number;
  /** Names of the trainings (from {@link TRAININGS}). */
  trainings: string[];
}

const ALL = TRAININGS.map((t) => t.name);

/**
 * `paper`: the SpaM paper's CancerNet config (Adam 1e-3 constant, batch 64, 50 epochs, F = 1,
 * K = 100, B = 0, δ₀ = 1). `default`: the same but a marglik step every 5 epochs (10 instead of 50
 * marglik steps), so that the six trainings take about 3 minutes on a 2-core machine. `quick`:
 * 10 epochs, F = 5, K = 20, four trainings (a smoke test, a few seconds).
 */
export const SCHEDULES: Readonly<Record<ScheduleName, Schedule>> = {
  paper: { epochs: 50, batchSize: 64, lr: 1e-3, marglikEvery: 1, hyperSteps: 100, burnIn: 0, hyperLr: 0.1, priorPrecision: 1, trainings: ALL },
  default: { epochs: 50, batchSize: 64, lr: 1e-3, marglikEvery: 5, hyperSteps: 100, burnIn: 0, hyperLr: 0.1, priorPrecision: 1, trainings: ALL },
  quick: {
    epochs: 10,
    batchSize: 64,
    lr: 1e-3,
    marglikEvery: 5,
    hyperSteps: 20,
    burnIn: 0,
    hyperLr: 0.1,
    priorPrecision: 1,
    trainings: ['map', 'kron+layerwise', 'kron+unitwise', 'diag+parameterwise'],
  },
};

export interface RunOptions {
  /** tfjs backend. Default `'wasm'`. */
  backend?: BackendName;
  /** Seed of the initial weights (the same for every training). Default 0. */
  seed?: number;
  /** Use the raw features (as the paper) instead of standardised ones. Default false. */
  raw?: boolean;
  /** Short schedule for smoke tests (see {@link SCHEDULES}). Default false. */
  quick?: boolean;
  /** The paper's full schedule (F = 1). Default false. */
  paper?: boolean;
  /** Overrides of the chosen schedule. */
  epochs?: number;
  marglikEvery?: number;
  hyperSteps?: number;
  /** Subset of {@link TRAININGS} by name, in table order. */
  trainings?: string[];
  /** Also fit and summarise the Laplace curvature (five variants) at the MAP net. Default false. */
  curvature?: boolean;
  /** Where the CSV and split live. Default `examples/data/`. */
  dataDir?: string;
  /** Line printer; `false` silences the run. Default `console.log`. */
  log?: ((line: string) => void) | false;
  /** Show progress bars (only when logging). Default true. */
  progress?: boolean;
}

/** The result of one training. */
export interface TrainingRow {
  name: string;
  map: boolean;
  hessian: 'kron' | 'diag';
  prior: PriorStructure;
  /** Metrics of the final net (softmax of the logits; ECE: 10 bins). */
  train: ClassificationMetrics;
  test: ClassificationMetrics;
  /**
   * log Z and its terms, from the Laplace refitted by `marglikTraining` at the final weights and
   * the returned prior (for MAP: the MAP net under its δ₀ prior).
   */
  logMarglik: LogMarglikTerms;
  /** δ over all parameters after training. */
  precision: { min: number; max: number; geomean: number };
  /** δ per parameter tensor (`fc1/kernel`, `fc1/bias`, …). */
  precisionPerTensor: Array<{ name: string; min: number; max: number; geomean: number }>;
  /** log Z after each marglik step (epoch, value). */
  logMarglikHistory: Array<{ epoch: number; logMarglik: number }>;
  /** Mean training loss (NLL + ½Σδθ²/N) of the last epoch. */
  finalLoss: number;
  /** Wall time of `marglikTraining` (training, marglik steps and the final refit) in ms. */
  trainMs: number;
  /** Set when the training threw (then every number is NaN). */
  error?: string;
}

export interface RunSummary {
  backend: string;
  seed: number;
  standardized: boolean;
  /** `'quick'`, `'default'` or `'paper'`, plus the schedule actually used (after overrides). */
  scheduleName: ScheduleName;
  schedule: Schedule;
  numParams: number;
  rows: TrainingRow[];
  /** log Z of the MAP net under δ₀ with a diagonal GGN (the MAP row has the KFAC one). */
  mapDiagLogMarglik?: number;
  /** The curvature summary at the MAP net (with `curvature`). */
  curvature?: CurvatureReport;
  /** Wall time of all trainings in ms. */
  totalTrainMs: number;
  /** numTensors at the end of `run` − at its start (must be 0). */
  tensorsLeaked: number;
}

/** Selects and initialises a tfjs backend; throws if it cannot be used. */
export async function selectBackend(name: BackendName): Promise<string> {
  if (name !== 'wasm' && name !== 'cpu') throw new Error(`unknown backend '${name}', use wasm or cpu`);
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) throw new Error(`could not initialise the tfjs '${name}' backend`);
  return tf.getBackend();
}

/**
 * CancerNet of the SpaM paper: Dense 30-100-100-2, ReLU, linear (logits) output, seeded
 * Glorot-uniform kernels and zero biases: the same seed gives the same initial weights.
 */
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

/** The schedule of a run: the named one, with the overrides applied and checked. */
export function resolveSchedule(options: RunOptions): { name: ScheduleName; schedule: Schedule } {
  if (options.quick && options.paper) throw new Error('--quick and --paper exclude each other');
  const name: ScheduleName = options.paper ? 'paper' : options.quick ? 'quick' : 'default';
  const base = SCHEDULES[name];
  const schedule: Schedule = {
    ...base,
    epochs: options.epochs ?? base.epochs,
    marglikEvery: options.marglikEvery ?? base.marglikEvery,
    hyperSteps: options.hyperSteps ?? base.hyperSteps,
    trainings: options.trainings ?? base.trainings,
  };
  for (const [k, min] of [['epochs', 1], ['marglikEvery', 1], ['hyperSteps', 0]] as const) {
    const v = schedule[k];
    if (!Number.isInteger(v) || v < min) throw new Error(`${k} must be an integer >= ${min}, got ${v}`);
  }
  const unknown = schedule.trainings.filter((t) => !ALL.includes(t));
  if (unknown.length > 0) throw new Error(`unknown training(s) ${unknown.join(', ')}; known: ${ALL.join(', ')}`);
  if (schedule.trainings.length === 0) throw new Error('no training selected');
  schedule.trainings = ALL.filter((t) => schedule.trainings.includes(t));
  return { name, schedule };
}

/** Number of marglik steps `marglikTraining` takes with this schedule. */
export function marglikStepCount(s: Schedule): number {
  if (s.hyperSteps === 0) return 0;
  let n = 0;
  for (let e = s.burnIn + 1; e <= s.epochs; e++) if ((e - s.burnIn) % s.marglikEvery === 0) n++;
  return n;
}

/** δ statistics per parameter tensor of a prior. */
function precisionPerTensor(prior: Prior): TrainingRow['precisionPerTensor'] {
  const blocks = tf.tidy(() => prior.logPrecisionBlocks().map((b) => b.dataSync()));
  return prior.params.map((p, i) => {
    let min = Infinity;
    let max = -Infinity;
    let s = 0;
    for (const v of blocks[i]) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      s += v;
    }
    return { name: p.name, min: Math.exp(min), max: Math.exp(max), geomean: Math.exp(s / blocks[i].length) };
  });
}

/** A progress bar over batches + hyper steps of one training. */
function trainingBar(spec: TrainingSpec, s: Schedule, batchesPerEpoch: number, width: number): { bar: ProgressBar; onProgress: (p: MarglikProgress) => void } {
  const hyperTotal = spec.map ? 0 : marglikStepCount(s) * s.hyperSteps;
  const bar = new ProgressBar({ total: s.epochs * batchesPerEpoch + hyperTotal, label: spec.name.padEnd(width), plainSteps: 4, width: 24 });
  let done = 0;
  let epoch = 0;
  let loss = NaN;
  let logZ: number | undefined;
  const status = (extra = '') => `epoch ${epoch}/${s.epochs} loss ${loss.toFixed(4)}${logZ !== undefined ? ` log Z ${logZ.toFixed(1)}` : ''}${extra}`;
  const onProgress = (p: MarglikProgress) => {
    if (p.stage === 'batch') {
      done++;
      epoch = p.epoch;
      bar.update(done, status());
    } else if (p.stage === 'hyper') {
      done++;
      logZ = p.logMarglik;
      bar.update(done, status(` hyper ${p.step}/${p.steps}`));
    } else if (p.stage === 'epoch') {
      loss = p.loss;
      if (p.logMarglik !== undefined) logZ = p.logMarglik;
      bar.update(done, status());
    }
  };
  return { bar, onProgress: onProgress as (p: MarglikProgress) => void };
}

/** Trains one net from the seeded initial weights and measures it; calls `atMapNet` with the trained MAP model. */
async function runTraining(
  spec: TrainingSpec,
  data: BreastCancerData,
  s: Schedule,
  seed: number,
  showProgress: boolean,
  labelWidth: number,
  atTrainedNet?: (model: tf.Sequential) => Promise<void>,
): Promise<TrainingRow> {
  const model = buildCancerNet(data.numFeatures, seed);
  const batchesPerEpoch = Math.ceil(data.xTrain.shape[0] / s.batchSize);
  const progress = showProgress ? trainingBar(spec, s, batchesPerEpoch, labelWidth) : null;
  try {
    const t0 = performance.now();
    const result = await marglikTraining(
      model,
      { xs: data.xTrain, ys: data.yTrain, batchSize: s.batchSize },
      {
        likelihood: 'classification',
        hessian: spec.hessian,
        prior: spec.prior,
        priorPrecision: s.priorPrecision,
        epochs: s.epochs,
        marglikEvery: s.marglikEvery,
        hyperSteps: s.hyperSteps,
        burnIn: s.burnIn,
        lr: s.lr,
        hyperLr: s.hyperLr,
        map: spec.map,
        onProgress: progress?.onProgress,
      },
    );
    const trainMs = performance.now() - t0;
    try {
      const adapter = buildModelAdapter(model, { logits: true });
      const train = evaluate(adapter, 'classification', data.xTrain, data.yTrain) as ClassificationMetrics;
      const test = evaluate(adapter, 'classification', data.xTest, data.yTest) as ClassificationMetrics;
      const logMarglik = logMarginalLikelihoodTerms(result.laplace, result.prior);
      const last = result.history[result.history.length - 1];
      const row: TrainingRow = {
        name: spec.name,
        map: spec.map,
        hessian: spec.hessian,
        prior: spec.prior,
        train,
        test,
        logMarglik,
        precision: result.prior.summary(),
        precisionPerTensor: precisionPerTensor(result.prior),
        logMarglikHistory: result.history.filter((h) => h.logMarglik !== undefined).map((h) => ({ epoch: h.epoch, logMarglik: h.logMarglik! })),
        finalLoss: last.loss,
        trainMs,
      };
      progress?.bar.finish(`acc ${(test.accuracy * 100).toFixed(2)}% log Z ${logMarglik.logMarglik.toFixed(1)} ${(trainMs / 1000).toFixed(1)}s`);
      if (atTrainedNet) await atTrainedNet(model);
      return row;
    } finally {
      result.laplace.dispose();
      result.prior.dispose();
    }
  } finally {
    progress?.bar.finish();
    model.dispose();
  }
}

const NAN_METRICS: ClassificationMetrics = { accuracy: NaN, nll: NaN, brier: NaN, ece: NaN };

/** The row of a training that threw (NaN metrics, the error message). */
function failedRow(spec: TrainingSpec, e: Error): TrainingRow {
  return {
    name: spec.name,
    map: spec.map,
    hessian: spec.hessian,
    prior: spec.prior,
    train: NAN_METRICS,
    test: NAN_METRICS,
    logMarglik: { logMarglik: NaN, logLikelihood: NaN, scatter: NaN, logDetPrior: NaN, logDetPosterior: NaN },
    precision: { min: NaN, max: NaN, geomean: NaN },
    precisionPerTensor: [],
    logMarglikHistory: [],
    finalLoss: NaN,
    trainMs: NaN,
    error: `${e.name}: ${e.message}`,
  };
}

/** The comparison table and the learned-precision table. */
export function formatRows(rows: TrainingRow[]): string[] {
  const out = formatTable(
    ['training', 'train acc', 'test acc', 'test NLL', 'ECE', 'log Z', 'δ min', 'δ geomean', 'δ max', 'time (s)'],
    rows.map((r) => [
      r.map ? 'MAP (δ₀)' : `SpaM ${r.name}`,
      `${fixed(r.train.accuracy * 100, 2)}%`,
      `${fixed(r.test.accuracy * 100, 2)}%`,
      fixed(r.test.nll, 4),
      fixed(r.test.ece, 4),
      fixed(r.logMarglik.logMarglik, 1),
      compact(r.precision.min),
      compact(r.precision.geomean),
      compact(r.precision.max),
      fixed(r.trainMs / 1000, 1),
    ]),
    1,
  );
  out.push('');
  out.push('Learned prior precision δ per parameter tensor (geometric mean; [min, max] when it varies):');
  const names = (rows.find((r) => r.precisionPerTensor.length > 0)?.precisionPerTensor ?? []).map((p) => p.name);
  out.push(
    ...formatTable(
      ['training', ...names],
      rows.map((r) => [
        r.map ? 'MAP (δ₀)' : `SpaM ${r.name}`,
        ...names.map((_, i) => {
          const p = r.precisionPerTensor[i];
          if (!p) return '—';
          return p.max / p.min > 1 + 1e-6 ? `${compact(p.geomean)} [${compact(p.min)}, ${compact(p.max)}]` : compact(p.geomean);
        }),
      ]),
      1,
    ),
  );
  out.push('');
  out.push('log Z terms (log Z = log p(D|θ) − ½[log det P − Σ log δ + Σ δθ²]):');
  out.push(
    ...formatTable(
      ['training', 'log p(D|θ)', 'log det P', 'Σ log δ', 'Σ δθ²', 'log Z', 'log Z after each marglik step'],
      rows.map((r) => {
        const h = r.logMarglikHistory;
        const traj = h.length === 0 ? '—' : h.length <= 4 ? h.map((x) => x.logMarglik.toFixed(1)).join(', ') : `${h[0].logMarglik.toFixed(1)}, ${h[1].logMarglik.toFixed(1)}, …, ${h[h.length - 1].logMarglik.toFixed(1)}`;
        return [
          r.map ? 'MAP (δ₀)' : `SpaM ${r.name}`,
          fixed(r.logMarglik.logLikelihood, 2),
          fixed(r.logMarglik.logDetPosterior, 1),
          fixed(r.logMarglik.logDetPrior, 1),
          fixed(r.logMarglik.scatter, 1),
          fixed(r.logMarglik.logMarglik, 1),
          traj,
        ];
      }),
      1,
    ),
  );
  return out;
}

/**
 * Runs the comparison and returns its numbers (the rows in table order). Disposes every tensor it
 * creates; `tensorsLeaked` reports the check.
 */
export async function run(options: RunOptions = {}): Promise<RunSummary> {
  const log = options.log === false ? () => undefined : (options.log ?? ((s: string) => console.log(s)));
  const showProgress = options.log !== false && (options.progress ?? true);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  const { name: scheduleName, schedule: s } = resolveSchedule(options);

  const backend = await selectBackend(options.backend ?? 'wasm');
  log(`tfjs ${tf.version.tfjs}, backend: ${backend}`);
  const tensorsAtStart = tf.memory().numTensors;
  const data = loadBreastCancer({ standardize: !options.raw, dataDir: options.dataDir });
  const rows: TrainingRow[] = [];
  let mapDiagLogMarglik: number | undefined;
  let curvature: CurvatureReport | undefined;
  let numParams = 0;
  let totalTrainMs = 0;
  try {
    const probe = buildCancerNet(data.numFeatures, seed);
    numParams = probe.countParams();
    probe.dispose();
    const n = data.xTrain.shape[0];
    log(
      `data: Breast Cancer Wisconsin, ${n} train / ${data.xTest.shape[0]} test, ${data.numFeatures} features ` +
        `(${data.standardized ? 'standardised with the training mean/std' : 'raw, as the paper'}); classes 0=${data.classNames[0]}, 1=${data.classNames[1]}`,
    );
    log(`model: CancerNet Dense ${data.numFeatures}-100-100-2 (relu, logits), ${numParams} parameters, the same seeded initial weights (seed ${seed}) for every training`);
    const k = marglikStepCount(s);
    log(
      `schedule (${scheduleName}${scheduleName === 'paper' ? ', the paper\'s CancerNet config' : ''}): Adam lr ${s.lr} constant, batch ${s.batchSize}, ${s.epochs} epochs, ` +
        `δ₀ = ${s.priorPrecision}; SpaM: a marglik step every F = ${s.marglikEvery} epoch(s) after B = ${s.burnIn} (${k} steps) with K = ${s.hyperSteps} ` +
        `Adam steps (lr ${s.hyperLr}) on log δ; MAP: the same loop without marglik steps`,
    );
    log('');
    const specs = TRAININGS.filter((t) => s.trainings.includes(t.name));
    const width = Math.max(...specs.map((t) => t.name.length));
    for (const spec of specs) {
      const atMap =
        spec.map
          ? async (model: tf.Sequential) => {
              // log Z of the MAP net under δ₀ with the diagonal GGN (the row holds the KFAC one).
              const prior = createPrior(model, 'scalar', { precision: s.priorPrecision });
              try {
                const lap = await fitLaplace(model, { xs: data.xTrain, ys: data.yTrain, batchSize: 128 }, { likelihood: 'classification', structure: 'diag' });
                try {
                  mapDiagLogMarglik = logMarginalLikelihoodTerms(lap, prior).logMarglik;
                } finally {
                  lap.dispose();
                }
              } finally {
                prior.dispose();
              }
              if (options.curvature) {
                if (showProgress) log('Laplace curvature of the MAP net (five variants, batch 128):');
                curvature = await fitCurvatures(model, data, { at: 'MAP', seed, showProgress });
              }
            }
          : undefined;
      try {
        const row = await runTraining(spec, data, s, seed, showProgress, width, atMap);
        rows.push(row);
        totalTrainMs += row.trainMs;
      } catch (e) {
        // E.g. a NonFiniteError of the hyper steps: report the training as failed and go on.
        if (!(e instanceof Error)) throw e;
        log(`${spec.name}: training failed: ${e.name}: ${e.message}`);
        rows.push(failedRow(spec, e));
      }
    }

    log('');
    log(`MAP vs SpaM on the ${data.xTest.shape[0]} test examples (log Z on the ${n} training examples, from the Laplace refitted at the final weights):`);
    for (const line of formatRows(rows)) log(line);
    const mapRow = rows.find((r) => r.map && !r.error);
    if (mapDiagLogMarglik !== undefined && mapRow) {
      const map = mapRow;
      log('');
      log(`log Z of the MAP net under its prior δ₀ = ${s.priorPrecision}: ${map.logMarglik.logMarglik.toFixed(1)} (KFAC GGN), ${mapDiagLogMarglik.toFixed(1)} (diagonal GGN)`);
    }
    if (curvature) {
      log('');
      log(`Laplace curvature of the MAP net over the training set (batch 128):`);
      for (const line of formatCurvatureReport(curvature)) log(line);
    }
    log('');
    log(`timings: ${rows.map((r) => `${r.name} ${r.error ? 'failed' : `${(r.trainMs / 1000).toFixed(1)} s`}`).join(', ')}; all trainings ${(totalTrainMs / 1000).toFixed(1)} s`);
    for (const r of rows.filter((x) => x.error)) log(`failed: ${r.name}: ${r.error}`);
  } finally {
    data.dispose();
  }
  const tensorsLeaked = tf.memory().numTensors - tensorsAtStart;
  log(`tensors leaked: ${tensorsLeaked}`);
  return { backend, seed, standardized: !options.raw, scheduleName, schedule: s, numParams, rows, mapDiagLogMarglik, curvature, totalTrainMs, tensorsLeaked };
}

// ---------------------------------------------------------------------------------------------
// CLI

const USAGE = `usage: tsx src/main.ts [--quick | --paper] [--raw] [--curvature] [--backend wasm|cpu] [--seed N]
                       [--epochs N] [--marglik-every F] [--hyper-steps K] [--only a,b,...]
  --quick          short smoke run: 10 epochs, F = 5, K = 20, trainings ${SCHEDULES.quick.trainings.join(', ')}
  --paper          the paper's CancerNet config: 50 epochs, F = 1, K = 100 (about 3x the default time)
  (default)        50 epochs, F = 5, K = 100, all trainings: ${ALL.join(', ')}
  --raw            raw features (as the paper) instead of standardised ones
  --curvature      also fit and summarise the Laplace curvature (kron/diag × ggn/mc/ef) of the MAP net
  --backend        tfjs backend (default wasm)
  --seed           seed of the initial weights, shared by every training (default 0)
  --epochs, --marglik-every, --hyper-steps   override the schedule
  --only           comma-separated subset of the trainings`;

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
      epochs: { type: 'string' },
      'marglik-every': { type: 'string' },
      'hyper-steps': { type: 'string' },
      only: { type: 'string' },
      raw: { type: 'boolean' },
      quick: { type: 'boolean' },
      paper: { type: 'boolean' },
      curvature: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const backend = values.backend ?? 'wasm';
  if (backend !== 'wasm' && backend !== 'cpu') throw new Error(`--backend must be wasm or cpu, got '${backend}'`);
  if (values.quick && values.paper) throw new Error('--quick and --paper exclude each other');
  const trainings = values.only?.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
  if (trainings) {
    const unknown = trainings.filter((t) => !ALL.includes(t));
    if (unknown.length > 0 || trainings.length === 0) throw new Error(`--only takes names from ${ALL.join(', ')}; got '${values.only}'`);
  }
  const out: RunOptions = {
    backend,
    raw: values.raw ?? false,
    quick: values.quick ?? false,
    paper: values.paper ?? false,
    curvature: values.curvature ?? false,
  };
  const seed = parseIntFlag(values.seed, 'seed', 0);
  const epochs = parseIntFlag(values.epochs, 'epochs', 1);
  const marglikEvery = parseIntFlag(values['marglik-every'], 'marglik-every', 1);
  const hyperSteps = parseIntFlag(values['hyper-steps'], 'hyper-steps', 0);
  if (seed !== undefined) out.seed = seed;
  if (epochs !== undefined) out.epochs = epochs;
  if (marglikEvery !== undefined) out.marglikEvery = marglikEvery;
  if (hyperSteps !== undefined) out.hyperSteps = hyperSteps;
  if (trainings) out.trainings = trainings;
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
  if (summary.rows.some((r) => r.error)) {
    console.error(`error: ${summary.rows.filter((r) => r.error).length} training(s) failed`);
    process.exitCode = 1;
  }
  if (summary.tensorsLeaked !== 0 || (summary.curvature?.tensorsLeaked ?? 0) !== 0) {
    console.error(`error: tensors leaked (whole run ${summary.tensorsLeaked}, curvature part ${summary.curvature?.tensorsLeaked ?? 0})`);
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
