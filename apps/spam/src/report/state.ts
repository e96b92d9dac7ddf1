/**
 * The life of a {@link Report}: created partial (`partialReason: 'running'`) when a run starts,
 * then marked finished, failed or interrupted. Free of tfjs, so the `spam` command's main thread
 * (which saves the report on Ctrl-C) can use it without loading a backend.
 */
import { cpus } from 'node:os';
import type { RunConfig } from '../config.js';
import type { Report } from '../types.js';

/** The environment block of a report; `tfjs` / `backend` as far as known. */
export function environmentOf(tfjs: string, backend: string): Report['environment'] {
  return { node: process.version, platform: process.platform, arch: process.arch, cpus: cpus().length, tfjs, backend };
}

/** A new partial report of a run of `cfg` started now with the command line `argv`. */
export function newReport(cfg: RunConfig, argv: string[], environment: Report['environment']): Report {
  return {
    partial: true,
    partialReason: 'running',
    startedAt: new Date().toISOString(),
    command: argv,
    config: { ...cfg, trainings: cfg.trainings.map((t) => t.name) },
    environment,
    timings: [],
    precisions: [],
    results: [],
    structured: [],
  };
}

/** The run finished: the report is complete. */
export function markFinished(report: Report): void {
  report.partial = false;
  delete report.partialReason;
  report.finishedAt = new Date().toISOString();
}

/** The run was stopped, e.g. by `'SIGINT'`: `partialReason: 'interrupted (SIGINT)'`. */
export function markInterrupted(report: Report, reason: string): void {
  report.partial = true;
  report.partialReason = `interrupted (${reason})`;
  report.finishedAt = new Date().toISOString();
}

/** The run failed with `error`: `partialReason: 'failed: <name>: <message>'`. */
export function markFailed(report: Report, error: unknown): void {
  report.partial = true;
  report.partialReason = `failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
  report.finishedAt = new Date().toISOString();
}
