/** The command line of the digits structured example. */
import { backendFlag, COMMON_FLAG_HELP, intFlag, listFlag, parseFlags, runCli, scheduleFlags } from '@spam/harness';
import { run, type RunOptions, type RunSummary } from './run.js';
import { CRITERIA, SCHEDULES, TRAINING_NAMES } from './schedule.js';

const d = SCHEDULES.default;
const q = SCHEDULES.quick;

export const USAGE = `usage: tsx src/main.ts [--quick] [--only a,b] [--criteria a,b] [--fractions 0.5,0.9] [--finetune N]
                       [--backend wasm|cpu] [--seed N] [--epochs N] [--marglik-every F] [--hyper-steps K]
                       [--train-size N] [--latency-repeats N] [--out results.json]
  (default)          ${d.epochs} epochs, F = ${d.marglikEvery}, K = ${d.hyperSteps}, ${d.finetuneEpochs} fine-tune epochs, all ${d.trainSize} training digits (about 3 min on 2 cores, wasm)
  --quick            smoke run: ${q.trainSize} training digits, ${q.epochs} epochs, F = ${q.marglikEvery}, K = ${q.hyperSteps}, ${q.finetuneEpochs} fine-tune epoch
  --only             trainings, from ${TRAINING_NAMES.join(', ')} (default both)
  --criteria         unit criteria, from ${CRITERIA.join(', ')} (default all)
  --fractions        comma-separated unit fractions in (0, 1) removed per layer (default the paper's 0.2 … 0.99)
  --finetune         fine-tune epochs of every pruned model, 0 = none (default ${d.finetuneEpochs})
  --train-size       use the first N training digits
  --latency-repeats  timed predict calls per latency (median; default ${d.latencyRepeats})
  --out              write one JSON row per training × criterion × fraction to this file
${COMMON_FLAG_HELP.backend}
${COMMON_FLAG_HELP.seed}
${COMMON_FLAG_HELP.schedule}`;

/** Parses the CLI flags into run options. */
export function parseCli(argv: string[]): RunOptions | 'help' {
  const values = parseFlags(argv, {
    only: { type: 'string' },
    criteria: { type: 'string' },
    fractions: { type: 'string' },
    finetune: { type: 'string' },
    'train-size': { type: 'string' },
    'latency-repeats': { type: 'string' },
    out: { type: 'string' },
    quick: { type: 'boolean' },
  });
  if (values.help) return 'help';
  const out: RunOptions = { backend: backendFlag(values.backend), quick: values.quick ?? false };
  const seed = intFlag(values.seed, 'seed', 0);
  if (seed !== undefined) out.seed = seed;
  const trainSize = intFlag(values['train-size'], 'train-size', 1);
  if (trainSize !== undefined) out.trainSize = trainSize;
  const finetune = intFlag(values.finetune, 'finetune', 0);
  if (finetune !== undefined) out.finetuneEpochs = finetune;
  const repeats = intFlag(values['latency-repeats'], 'latency-repeats', 1);
  if (repeats !== undefined) out.latencyRepeats = repeats;
  Object.assign(out, scheduleFlags(values));
  const trainings = listFlag(values.only);
  if (trainings) out.trainings = trainings;
  const criteria = listFlag(values.criteria);
  if (criteria) out.criteria = criteria;
  const fractions = listFlag(values.fractions);
  if (values.fractions !== undefined) {
    out.fractions = (fractions ?? []).map(Number);
    if (out.fractions.length === 0 || out.fractions.some((v) => !(v > 0 && v < 1)))
      throw new Error(`--fractions takes fractions in (0, 1), got '${values.fractions}'`);
  }
  if (values.out) out.out = values.out;
  return out;
}

function failures(summary: RunSummary): string[] {
  return summary.tensorsLeaked !== 0 ? [`${summary.tensorsLeaked} tensors leaked`] : [];
}

/** Runs the example from the command line (exit code 2 on a bad flag, 1 on a failed run). */
export function cli(argv = process.argv.slice(2)): Promise<void> {
  return runCli({ usage: USAGE, parse: parseCli, run, failures }, argv);
}
