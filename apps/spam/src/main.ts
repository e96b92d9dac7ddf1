/**
 * `spam`: the SpaM paper's experiments as one command (see `spam --help` and README.md).
 * Parts: `config.ts` (presets and valid values), `cli.ts` (flags), `job/` (the main thread: Ctrl-C,
 * report files; the worker thread that runs), `run.ts` (the run), `experiment.ts` (one data set: trainings, sweep, structured removal), `models.ts`,
 * `backend.ts`, `data/` (loaders), `report/` (report.json, report.md, SVG plots).
 */
import { runIfMain } from '@spam/harness';
import { cli } from './cli.js';

export { callerDir, cli, parseCli, USAGE, type ParseOptions } from './cli.js';
export { runSpam, summaryTable, type ReportWriter, type RunHooks, type RunResult } from './run.js';
export { SIGNAL_EXIT_CODES } from './job/supervisor.js';
export * from './config.js';
export type * from './types.js';

runIfMain(import.meta.url, () => cli());
