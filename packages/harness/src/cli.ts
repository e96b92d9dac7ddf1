/**
 * Command-line plumbing of the examples: the flags they all take, their parsing and checks, and
 * the entry point that runs an example when its file is executed directly.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isBackendName, type BackendName } from './backend.js';
import type { ScheduleOverrides } from './schedule.js';

/**
 * The `node:util` `parseArgs` options every example takes: `--backend`, `--seed`, `--epochs`,
 * `--marglik-every`, `--hyper-steps` and `--help` / `-h` ({@link parseFlags} adds an example's own).
 */
export const COMMON_FLAGS = {
  backend: { type: 'string' },
  seed: { type: 'string' },
  epochs: { type: 'string' },
  'marglik-every': { type: 'string' },
  'hyper-steps': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `parseArgs` options of an example's own flags. */
export type FlagOptions = NonNullable<ParseArgsConfig['options']>;

/** The parsed values of {@link COMMON_FLAGS} plus an example's own flags `E`. */
export type FlagValues<E extends FlagOptions> = ReturnType<
  typeof parseArgs<{ args: string[]; options: typeof COMMON_FLAGS & E; strict: true; allowPositionals: false }>
>['values'];

/**
 * Parses `argv` strictly (no positionals, unknown flags throw) with {@link COMMON_FLAGS} plus an
 * example's own `parseArgs` options, and returns the values.
 */
export function parseFlags<const E extends FlagOptions>(argv: string[], options: E): FlagValues<E> {
  return parseArgs({ args: argv, options: { ...COMMON_FLAGS, ...options }, strict: true, allowPositionals: false }).values;
}

/** Usage lines of the flags every example shares (aligned as the examples' usage texts). */
export const COMMON_FLAG_HELP = {
  backend: '  --backend        tfjs backend (default wasm)',
  seed: '  --seed           seed of the initial weights, shared by every training (default 0)',
  schedule: '  --epochs, --marglik-every, --hyper-steps   override the schedule',
} as const;

/** A comma-separated flag as its non-empty, trimmed items; `undefined` when absent. */
export function listFlag(v: string | undefined): string[] | undefined {
  return v
    ?.split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

/** An integer flag: `undefined` when absent; throws unless it is an integer ≥ `min`. */
export function intFlag(v: string | undefined, name: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got '${v}'`);
  return n;
}

/** The `--backend` flag: `wasm` (default) or `cpu`. */
export function backendFlag(v: string | undefined): BackendName {
  const backend = v ?? 'wasm';
  if (!isBackendName(backend)) throw new Error(`--backend must be wasm or cpu, got '${backend}'`);
  return backend;
}

/** The schedule overrides `--epochs`, `--marglik-every` and `--hyper-steps` (only those given). */
export function scheduleFlags(values: { epochs?: string; 'marglik-every'?: string; 'hyper-steps'?: string }): ScheduleOverrides {
  const out: ScheduleOverrides = {};
  const epochs = intFlag(values.epochs, 'epochs', 1);
  const marglikEvery = intFlag(values['marglik-every'], 'marglik-every', 1);
  const hyperSteps = intFlag(values['hyper-steps'], 'hyper-steps', 0);
  if (epochs !== undefined) out.epochs = epochs;
  if (marglikEvery !== undefined) out.marglikEvery = marglikEvery;
  if (hyperSteps !== undefined) out.hyperSteps = hyperSteps;
  return out;
}

/** An example's command line: how to parse it, what to run, and what counts as a failed run. */
export interface CliSpec<Options, Summary> {
  usage: string;
  /** Parses the flags (throws on a bad one); `'help'` for `--help`. */
  parse: (argv: string[]) => Options | 'help';
  run: (options: Options) => Promise<Summary>;
  /** Error messages of a finished run (e.g. leaked tensors); any makes the exit code 1. */
  failures: (summary: Summary) => string[];
}

/**
 * Runs an example from the command line: a bad flag prints the error and the usage (exit code
 * 2), `--help` the usage; otherwise it runs, prints `done in … s` and then each failure
 * (exit code 1).
 */
export async function runCli<Options, Summary>(spec: CliSpec<Options, Summary>, argv = process.argv.slice(2)): Promise<void> {
  let opts: Options | 'help';
  try {
    opts = spec.parse(argv);
  } catch (e) {
    console.error(`${(e as Error).message}\n${spec.usage}`);
    process.exitCode = 2;
    return;
  }
  if (opts === 'help') {
    console.log(spec.usage);
    return;
  }
  const t0 = performance.now();
  const summary = await spec.run(opts);
  console.log(`done in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  for (const failure of spec.failures(summary)) {
    console.error(`error: ${failure}`);
    process.exitCode = 1;
  }
}

/** Whether the module at `moduleUrl` (its `import.meta.url`) is the script node was started with. */
export function isMain(moduleUrl: string): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/** Calls `main` when the module at `moduleUrl` was executed directly; an uncaught error sets exit code 1. */
export function runIfMain(moduleUrl: string, main: () => Promise<void>): void {
  if (!isMain(moduleUrl)) return;
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exitCode = 1;
  });
}
