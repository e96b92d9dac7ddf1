/**
 * A `spam` run split into independent parts — one per (data set, training) — so that `--jobs N`
 * worker threads can run them at the same time (each training starts from the same seeded weights
 * and shares nothing with the others), and the parts' reports merged back into one report with the
 * rows in the order a sequential run writes them. Free of tfjs (used by the main thread).
 */
import { availableParallelism } from 'node:os';
import type { RunConfig } from '../config.js';
import type { Report } from '../types.js';

/** One part of a run: its configuration and a label for its output lines. */
export interface RunPart {
  cfg: RunConfig;
  label: string;
}

/**
 * The parts of `cfg`: one per data set × training, or the whole run as one part when the run has
 * one training and one data set, or `jobs` is 1. Returned in report order.
 */
export function planParts(cfg: RunConfig): RunPart[] {
  const parts = cfg.datasets.flatMap((dataset) =>
    cfg.trainings.map((training) => ({
      cfg: { ...cfg, datasets: [dataset], trainings: [training] },
      label: `${dataset}/${training.name}`,
    })),
  );
  return jobCount(cfg, parts.length) <= 1 || parts.length <= 1 ? [{ cfg, label: '' }] : parts;
}

/** Threads to use for `n` parts: `cfg.jobs` (`'auto'`: one per core), never more than the parts. */
export function jobCount(cfg: RunConfig, n: number): number {
  const want = cfg.jobs === 'auto' ? availableParallelism() : cfg.jobs;
  return Math.max(1, Math.min(want, n));
}

/**
 * Start order of the parts (indices): marglik trainings before MAP (a MAP training has no
 * curvature fits and is the shortest), so the long parts do not start last.
 */
export function startOrder(parts: readonly RunPart[]): number[] {
  const cost = (p: RunPart) =>
    p.cfg.trainings.length !== 1 ? 2 : p.cfg.trainings[0].map ? 0 : p.cfg.trainings[0].hessian === 'kron' ? 2 : 1;
  return parts.map((_, i) => i).sort((a, b) => cost(parts[b]) - cost(parts[a]) || a - b);
}

/**
 * The run's report from its parts' latest reports (`undefined` for parts not started): rows,
 * precisions and timings concatenated in part order (each part's own `total` left out), the
 * environment of the first part that has one. Status fields stay `base`'s (the caller sets them).
 */
export function mergeReports(base: Report, parts: ReadonlyArray<Report | undefined>): Report {
  const have = parts.filter((p): p is Report => p !== undefined);
  return {
    ...base,
    environment: have[0]?.environment ?? base.environment,
    timings: [...have.flatMap((p) => p.timings.filter((t) => t.stage !== 'total')), ...base.timings.filter((t) => t.stage === 'total')],
    precisions: have.flatMap((p) => p.precisions),
    results: have.flatMap((p) => p.results),
    structured: have.flatMap((p) => p.structured),
  };
}
