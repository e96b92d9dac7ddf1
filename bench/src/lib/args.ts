/** Command-line options of `npm run bench`. */
export interface BenchArgs {
  /** Suites to run (all when `--only` is absent). */
  only: string[] | null;
  /** Timed runs per measurement (the median is reported). */
  repeats: number;
  /** Fewer examples and one timed run unless `--repeats` is given: a smoke test. */
  quick: boolean;
  /** Nets to run in suites that have several (`structured`); null = all. */
  models: string[] | null;
  /** Print usage and exit. */
  help: boolean;
}

export const USAGE = `Usage: npm run bench -- [--only <suite>[,<suite>...]] [--models <net>[,<net>...]] [--repeats N] [--quick]

  --only <suite>   run only these suites (repeatable or comma-separated)
  --models <net>   structured suite: run only these nets and keep the other nets' rows of the record
  --repeats N      timed runs per measurement, median reported (default 3; --quick: 1)
  --quick          smoke test: 1,000 examples, results to bench/results/<suite>.quick.json
  --help           this text`;

/** Parses `argv` (without node and the script); throws on unknown flags or bad values. */
export function parseArgs(argv: string[]): BenchArgs {
  let only: string[] | null = null;
  let models: string[] | null = null;
  let repeats: number | null = null;
  let quick = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i];
    const eq = raw.indexOf('=');
    const flag = raw.startsWith('--') && eq > 0 ? raw.slice(0, eq) : raw;
    const inline = raw.startsWith('--') && eq > 0 ? raw.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value\n\n${USAGE}`);
      return v;
    };
    switch (flag) {
      case '--only':
        only = [
          ...(only ?? []),
          ...value()
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        ];
        break;
      case '--models':
        models = [
          ...(models ?? []),
          ...value()
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        ];
        break;
      case '--repeats': {
        const v = value();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new Error(`--repeats must be a positive integer, got '${v}'`);
        repeats = n;
        break;
      }
      case '--quick':
        quick = true;
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new Error(`unknown argument '${raw}'\n\n${USAGE}`);
    }
  }
  return { only, repeats: repeats ?? (quick ? 1 : 3), quick, models, help };
}
