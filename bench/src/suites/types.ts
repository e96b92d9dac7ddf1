/** What `main.ts` hands every suite. */
export interface SuiteContext {
  /** Timed runs per measurement (the median is reported). */
  repeats: number;
  /** Smoke test: fewer examples; results are not the measurement record. */
  quick: boolean;
  /** `--models`: the nets to run, for suites that have several (`structured`); null or absent = all. */
  models?: readonly string[] | null;
  /** Prints one progress line. */
  log(line: string): void;
}

/** What a suite hands back: rows for `bench/results/<suite>.json` and a printable report. */
export interface SuiteOutput<Row extends object = object> {
  rows: Row[];
  /** Tables, ratios and target verdicts, printed after the run. */
  report: string;
}

/** One benchmark suite; one file per suite under `bench/src/suites/`, listed in `index.ts`. */
export interface Suite {
  /** Name used by `--only` and for the results file. */
  name: string;
  /** One line for `--help`. */
  description: string;
  run(ctx: SuiteContext): Promise<SuiteOutput>;
}
