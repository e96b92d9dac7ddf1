/** The command line of the graph-architectures example. */
import { ARCHITECTURE_NAMES } from '@spam/harness';
import { backendFlag, COMMON_FLAG_HELP, intFlag, listFlag, parseFlags, runCli, scheduleFlags } from '@spam/harness';
import { run, type RunOptions, type RunSummary } from './run.js';
import { CRITERIA, MODEL_TRAININGS, SCHEDULES, SPARSITIES, TRAININGS } from './schedule.js';

const d = SCHEDULES.default;

export const USAGE = `usage: tsx src/main.ts [--quick] [--models resnet,vit,mixer] [--trainings a,b] [--criteria a,b]
                       [--sparsities 0.8,0.9] [--backend wasm|cpu] [--seed N] [--epochs N] [--marglik-every F]
                       [--hyper-steps K] [--train-size N] [--test-size N] [--out results.json]
  (default)        MNIST: mixer ${d.mixer.trainSize} / ${d.mixer.testSize} digits, ${d.mixer.epochs} epochs; resnet and vit
                   ${d.vit.trainSize} / ${d.vit.testSize} digits, ${d.vit.epochs} epochs (their exact diag GGN fits cost ~10× an epoch)
  --quick          smoke run: 500 / 300 digits, 1 epoch, K = 5
  --models         from ${ARCHITECTURE_NAMES.join(', ')} (default all)
  --trainings      from ${Object.keys(TRAININGS).join(', ')} for every model (default: ${ARCHITECTURE_NAMES.map((m) => `${m} ${MODEL_TRAININGS[m].join('+')}`).join('; ')})
  --criteria       from ${CRITERIA.join(', ')} (default all)
  --sparsities     fractions in [0, 1) (default ${SPARSITIES.join(',')})
  --train-size, --test-size   the first N digits of each split
  --out            write one JSON row per model × training × criterion × sparsity, and the times
${COMMON_FLAG_HELP.backend}
${COMMON_FLAG_HELP.seed}
${COMMON_FLAG_HELP.schedule}`;

/** Parses the CLI flags into run options. */
export function parseCli(argv: string[]): RunOptions | 'help' {
  const values = parseFlags(argv, {
    models: { type: 'string' },
    trainings: { type: 'string' },
    criteria: { type: 'string' },
    sparsities: { type: 'string' },
    'train-size': { type: 'string' },
    'test-size': { type: 'string' },
    out: { type: 'string' },
    quick: { type: 'boolean' },
  });
  if (values.help) return 'help';
  const out: RunOptions = { backend: backendFlag(values.backend), quick: values.quick ?? false };
  const seed = intFlag(values.seed, 'seed', 0);
  if (seed !== undefined) out.seed = seed;
  const trainSize = intFlag(values['train-size'], 'train-size', 1);
  if (trainSize !== undefined) out.trainSize = trainSize;
  const testSize = intFlag(values['test-size'], 'test-size', 1);
  if (testSize !== undefined) out.testSize = testSize;
  Object.assign(out, scheduleFlags(values));
  for (const k of ['models', 'trainings', 'criteria'] as const) {
    const v = listFlag(values[k]);
    if (v) out[k] = v;
  }
  const sparsities = listFlag(values.sparsities);
  if (sparsities) {
    out.sparsities = sparsities.map(Number);
    if (out.sparsities.some((v) => !(v >= 0 && v < 1)))
      throw new Error(`--sparsities takes fractions in [0, 1), got '${values.sparsities}'`);
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
