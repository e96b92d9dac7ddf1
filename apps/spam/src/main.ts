/**
 * `spam`: the SpaM paper's experiments as one command (see `spam --help` and README.md).
 * Parts: `config.ts` (presets and valid values), `cli.ts` (flags), `run.ts` (the run, report,
 * Ctrl-C), `experiment.ts` (one data set: trainings, sweep, structured removal), `models.ts`,
 * `backend.ts`, `data/` (loaders), `report/` (report.json, report.md, SVG plots).
 */
import { runIfMain } from '@spam/harness';
import { cli } from './cli.js';

export { cli, parseCli, USAGE } from './cli.js';
export { runSpam, summaryTable, type RunHooks, type RunResult } from './run.js';
export * from './config.js';
export type * from './types.js';

runIfMain(import.meta.url, () => cli());
