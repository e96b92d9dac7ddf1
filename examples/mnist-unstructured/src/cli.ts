/** The command line of the MNIST unstructured example. */
import { backendFlag, COMMON_FLAG_HELP, intFlag, listFlag, parseFlags, runCli, scheduleFlags } from '@spam/harness';
import { run, type RunOptions, type RunSummary } from './run.js';
import { CRITERIA, SCHEDULES, TRAINING_NAMES } from './schedule.js';

export const USAGE = `usage: tsx src/main.ts [--quick | --paper] [--only a,b] [--criteria a,b] [--sparsities 0.5,0.9]
                       [--backend wasm|cpu] [--seed N] [--epochs N] [--marglik-every F] [--hyper-steps K]
                       [--train-size N] [--out results.json]
  (default)        ${SCHEDULES.default.epochs} epochs, F = ${SCHEDULES.default.marglikEvery}, K = ${SCHEDULES.default.hyperSteps} on the 8,000 training digits (about 4-5 min on 2 cores, wasm)
  --paper          the paper's MNIST_FC config: 50 epochs, F = 1, K = 100 (about 10 min)
  --quick          smoke run: 2,000 training digits, 3 epochs, F = 1, K = 20
  --only           trainings, from ${TRAINING_NAMES.join(', ')} (default all)
  --criteria       criteria, from ${CRITERIA.join(', ')} (default all)
  --sparsities     comma-separated fractions in [0, 1) (default the paper's 0.2 … 0.99)
  --train-size     use the first N training digits
  --include-bias   prune biases too (the paper's code prunes all parameters; default: kernels only)
  --kron-diagonal  OPD's kron diagonal: exact (default) or eigen (the paper code's projection)
  --init           initial weights: glorot (tfjs default) or torch (PyTorch's nn.Linear default, as the paper's code)
  --out            write one JSON row per training × criterion × sparsity to this file
${COMMON_FLAG_HELP.backend}
${COMMON_FLAG_HELP.seed}
${COMMON_FLAG_HELP.schedule}`;

/** Parses the CLI flags into run options. */
export function parseCli(argv: string[]): RunOptions | 'help' {
  const values = parseFlags(argv, {
    only: { type: 'string' },
    criteria: { type: 'string' },
    sparsities: { type: 'string' },
    'train-size': { type: 'string' },
    out: { type: 'string' },
    'include-bias': { type: 'boolean' },
    'kron-diagonal': { type: 'string' },
    init: { type: 'string' },
    quick: { type: 'boolean' },
    paper: { type: 'boolean' },
  });
  if (values.help) return 'help';
  if (values.quick && values.paper) throw new Error('--quick and --paper exclude each other');
  const out: RunOptions = { backend: backendFlag(values.backend), quick: values.quick ?? false, paper: values.paper ?? false };
  const seed = intFlag(values.seed, 'seed', 0);
  if (seed !== undefined) out.seed = seed;
  const trainSize = intFlag(values['train-size'], 'train-size', 1);
  if (trainSize !== undefined) out.trainSize = trainSize;
  Object.assign(out, scheduleFlags(values));
  const trainings = listFlag(values.only);
  if (trainings) out.trainings = trainings;
  const criteria = listFlag(values.criteria);
  if (criteria) out.criteria = criteria;
  const sparsities = listFlag(values.sparsities);
  if (sparsities) {
    out.sparsities = sparsities.map(Number);
    if (out.sparsities.some((v) => !(v >= 0 && v < 1)))
      throw new Error(`--sparsities takes fractions in [0, 1), got '${values.sparsities}'`);
  }
  if (values.out) out.out = values.out;
  if (values['include-bias']) out.includeBias = true;
  const kd = values['kron-diagonal'];
  if (kd !== undefined) {
    if (kd !== 'exact' && kd !== 'eigen') throw new Error(`--kron-diagonal must be exact or eigen, got '${kd}'`);
    out.kronDiagonal = kd;
  }
  if (values.init !== undefined) {
    if (values.init !== 'glorot' && values.init !== 'torch') throw new Error(`--init must be glorot or torch, got '${values.init}'`);
    out.init = values.init;
  }
  return out;
}

function failures(summary: RunSummary): string[] {
  return summary.tensorsLeaked !== 0 ? [`${summary.tensorsLeaked} tensors leaked`] : [];
}

/** Runs the example from the command line (exit code 2 on a bad flag, 1 on a failed run). */
export function cli(argv = process.argv.slice(2)): Promise<void> {
  return runCli({ usage: USAGE, parse: parseCli, run, failures }, argv);
}
