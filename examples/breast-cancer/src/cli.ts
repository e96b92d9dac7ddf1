/** The command line of the breast-cancer example: usage, flag parsing and the CLI run. */
import { backendFlag, COMMON_FLAG_HELP, intFlag, parseFlags, runCli, scheduleFlags } from '@spam/harness';
import { run, type RunOptions, type RunSummary } from './run.js';
import { SCHEDULES, TRAINING_NAMES } from './schedule.js';

export const USAGE = `usage: tsx src/main.ts [--quick | --paper] [--raw] [--curvature] [--backend wasm|cpu] [--seed N]
                       [--epochs N] [--marglik-every F] [--hyper-steps K] [--only a,b,...]
  --quick          short smoke run: 10 epochs, F = 5, K = 20, trainings ${SCHEDULES.quick.trainings.join(', ')}
  --paper          the paper's CancerNet config: 50 epochs, F = 1, K = 100 (about 3x the default time)
  (default)        50 epochs, F = 5, K = 100, all trainings: ${TRAINING_NAMES.join(', ')}
  --raw            raw features (as the paper) instead of standardised ones
  --curvature      also fit and summarise the Laplace curvature (kron/diag × ggn/mc/ef) of the MAP net
${COMMON_FLAG_HELP.backend}
${COMMON_FLAG_HELP.seed}
${COMMON_FLAG_HELP.schedule}
  --only           comma-separated subset of the trainings`;

/** Parses the CLI flags into run options. */
export function parseCli(argv: string[]): RunOptions | 'help' {
  const values = parseFlags(argv, {
    only: { type: 'string' },
    raw: { type: 'boolean' },
    quick: { type: 'boolean' },
    paper: { type: 'boolean' },
    curvature: { type: 'boolean' },
  });
  if (values.help) return 'help';
  const backend = backendFlag(values.backend);
  if (values.quick && values.paper) throw new Error('--quick and --paper exclude each other');
  const trainings = values.only
    ?.split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  if (trainings) {
    const unknown = trainings.filter((t) => !TRAINING_NAMES.includes(t));
    if (unknown.length > 0 || trainings.length === 0)
      throw new Error(`--only takes names from ${TRAINING_NAMES.join(', ')}; got '${values.only}'`);
  }
  const out: RunOptions = {
    backend,
    raw: values.raw ?? false,
    quick: values.quick ?? false,
    paper: values.paper ?? false,
    curvature: values.curvature ?? false,
  };
  const seed = intFlag(values.seed, 'seed', 0);
  if (seed !== undefined) out.seed = seed;
  Object.assign(out, scheduleFlags(values));
  if (trainings) out.trainings = trainings;
  return out;
}

/** Why a finished run counts as failed: failed trainings, leaked tensors. */
function failures(summary: RunSummary): string[] {
  const out: string[] = [];
  if (summary.rows.some((r) => r.error)) out.push(`${summary.rows.filter((r) => r.error).length} training(s) failed`);
  if (summary.tensorsLeaked !== 0 || (summary.curvature?.tensorsLeaked ?? 0) !== 0) {
    out.push(`tensors leaked (whole run ${summary.tensorsLeaked}, curvature part ${summary.curvature?.tensorsLeaked ?? 0})`);
  }
  return out;
}

/** Runs the example from the command line (exit code 2 on a bad flag, 1 on a failed run). */
export function cli(argv = process.argv.slice(2)): Promise<void> {
  return runCli({ usage: USAGE, parse: parseCli, run, failures }, argv);
}
