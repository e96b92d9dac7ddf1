/** The command line of the diabetes example: usage, flag parsing and the CLI run. */
import { backendFlag, COMMON_FLAG_HELP, intFlag, parseFlags, runCli, scheduleFlags } from '@spam/harness';
import { SPLIT_SEED } from './data.js';
import { run, type RunOptions, type RunSummary } from './run.js';
import { SCHEDULES } from './schedule.js';

export const USAGE = `usage: tsx src/main.ts [--quick] [--backend wasm|cpu] [--seed N] [--split-seed N] [--activation tanh|relu]
                       [--epochs N] [--marglik-every F] [--hyper-steps K]
  --quick          short run: ${SCHEDULES.quick.epochs} epochs, F = ${SCHEDULES.quick.marglikEvery}, K = ${SCHEDULES.quick.hyperSteps} (default ${SCHEDULES.default.epochs} epochs, F = ${SCHEDULES.default.marglikEvery}, K = ${SCHEDULES.default.hyperSteps})
${COMMON_FLAG_HELP.backend}
${COMMON_FLAG_HELP.seed}
  --split-seed     seed of the 80/20 split (default ${SPLIT_SEED})
  --activation     hidden activation (default tanh)
${COMMON_FLAG_HELP.schedule}`;

/** Parses the CLI flags into run options. */
export function parseCli(argv: string[]): RunOptions | 'help' {
  const values = parseFlags(argv, {
    'split-seed': { type: 'string' },
    activation: { type: 'string' },
    quick: { type: 'boolean' },
  });
  if (values.help) return 'help';
  const backend = backendFlag(values.backend);
  const activation = values.activation ?? 'tanh';
  if (activation !== 'tanh' && activation !== 'relu') throw new Error(`--activation must be tanh or relu, got '${activation}'`);
  const out: RunOptions = { backend, activation, quick: values.quick ?? false };
  const seed = intFlag(values.seed, 'seed', 0);
  const splitSeed = intFlag(values['split-seed'], 'split-seed', 0);
  if (seed !== undefined) out.seed = seed;
  if (splitSeed !== undefined) out.splitSeed = splitSeed;
  return Object.assign(out, scheduleFlags(values));
}

/** Why a finished run counts as failed: leaked tensors. */
function failures(summary: RunSummary): string[] {
  return summary.tensorsLeaked !== 0 ? [`${summary.tensorsLeaked} tensors leaked`] : [];
}

/** Runs the example from the command line (exit code 2 on a bad flag, 1 on a failed run). */
export function cli(argv = process.argv.slice(2)): Promise<void> {
  return runCli({ usage: USAGE, parse: parseCli, run, failures }, argv);
}
