/** The command line of the graph-structured example. */
import { backendFlag, COMMON_FLAG_HELP, intFlag, listFlag, parseFlags, runCli, scheduleFlags } from '@spam/harness';
import { run, type RunOptions, type RunSummary } from './run.js';
import { GRAPH_MODELS, SCHEDULES } from './schedule.js';

const d = SCHEDULES.default;
const l = SCHEDULES.long;

export const USAGE = `usage: tsx src/main.ts [--long] [--models resnet,vit] [--sparsities 0.25,0.5,0.75] [--finetune N]
                       [--train-size N] [--test-size N] [--latency-repeats N] [--latency-batch N] [--save-dir DIR]
                       [--backend wasm|cpu] [--seed N] [--epochs N] [--marglik-every F] [--hyper-steps K] [--out results.json]
  (default)        MNIST ${d.trainSize} / ${d.testSize} digits, ${d.epochs} epochs (F = ${d.marglikEvery}, K = ${d.hyperSteps}), fine-tune ${d.finetuneEpochs} epochs,
                   ${d.sparsities.map((v) => v * 100).join(' / ')} % of each family's groups removed
  --long           ${l.trainSize} / ${l.testSize} digits, ${l.epochs} epochs (F = ${l.marglikEvery}, K = ${l.hyperSteps}), fine-tune ${l.finetuneEpochs}, ${l.sparsities.map((v) => v * 100).join(' / ')} %
  --models         from ${GRAPH_MODELS.join(', ')} (default both)
  --sparsities     fractions in (0, 1) of the prunable groups (channels, heads, MLP units) each family loses
  --finetune       fine-tune epochs of every pruned model (0 = none)
  --latency-repeats, --latency-batch   timed predict calls (median) and digits per call (default ${d.latencyRepeats}, ${d.latencyBatch})
  --save-dir       where the pruned models are saved (default <tmp>/spam-graph-structured)
  --out            write the rows as JSON
${COMMON_FLAG_HELP.backend}
${COMMON_FLAG_HELP.seed}
${COMMON_FLAG_HELP.schedule}`;

/** Parses the CLI flags into run options (throws on a bad flag). */
export function parseCli(argv: string[]): RunOptions | 'help' {
  const values = parseFlags(argv, {
    long: { type: 'boolean' },
    models: { type: 'string' },
    sparsities: { type: 'string' },
    finetune: { type: 'string' },
    'train-size': { type: 'string' },
    'test-size': { type: 'string' },
    'latency-repeats': { type: 'string' },
    'latency-batch': { type: 'string' },
    'save-dir': { type: 'string' },
    out: { type: 'string' },
  });
  if (values.help) return 'help';
  const out: RunOptions = { backend: backendFlag(values.backend), long: values.long ?? false, ...scheduleFlags(values) };
  const ints = {
    seed: intFlag(values.seed, 'seed', 0),
    finetuneEpochs: intFlag(values.finetune, 'finetune', 0),
    trainSize: intFlag(values['train-size'], 'train-size', 1),
    testSize: intFlag(values['test-size'], 'test-size', 1),
    latencyRepeats: intFlag(values['latency-repeats'], 'latency-repeats', 1),
    latencyBatch: intFlag(values['latency-batch'], 'latency-batch', 1),
  };
  for (const [k, v] of Object.entries(ints)) if (v !== undefined) out[k as keyof typeof ints] = v;
  const models = listFlag(values.models);
  if (models) out.models = models;
  const sparsities = listFlag(values.sparsities);
  if (sparsities) {
    out.sparsities = sparsities.map(Number);
    if (out.sparsities.some((v) => !(v > 0 && v < 1)))
      throw new Error(`--sparsities takes fractions in (0, 1), got '${values.sparsities}'`);
  }
  if (values['save-dir']) out.saveDir = values['save-dir'];
  if (values.out) out.out = values.out;
  return out;
}

function failures(summary: RunSummary): string[] {
  return [...summary.checkFailures, ...(summary.tensorsLeaked !== 0 ? [`${summary.tensorsLeaked} tensors leaked`] : [])];
}

/** Runs the example from the command line (exit code 2 on a bad flag, 1 on a failed check or leak). */
export function cli(argv = process.argv.slice(2)): Promise<void> {
  return runCli({ usage: USAGE, parse: parseCli, run, failures }, argv);
}
