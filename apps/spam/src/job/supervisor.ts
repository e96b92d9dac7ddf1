/**
 * The `spam` command's main thread: the run itself goes to worker threads (`job/worker.ts`; one
 * per training with `--jobs`, see `job/parts.ts`, whose reports it merges), so
 * this thread is always free to react to Ctrl-C, however busy the run is (a kron curvature fit or a
 * sweep point can block its thread for seconds). The main thread writes every report file and
 * keeps the latest report; on SIGINT / SIGTERM / SIGHUP it stops the worker, waits for a write in
 * flight, saves the report marked `interrupted (<signal>)` and exits with 128 + the signal number.
 */
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { RunConfig } from '../config.js';
import { checkWritable, removeTempFiles, writeReport } from '../report/index.js';
import { environmentOf, markFailed, markFinished, markInterrupted, newReport } from '../report/state.js';
import type { Report } from '../types.js';
import { jobCount, mergeReports, planParts, startOrder } from './parts.js';
import { errorInfo, type WorkerInput, type WorkerMessage } from './protocol.js';

/** The exit code after each handled signal (128 + its number). */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
/** A signal the `spam` command handles. */
export type HandledSignal = keyof typeof SIGNAL_EXIT_CODES;

/** Options of {@link runJob}. */
export interface JobOptions {
  /** A signal that arrived before the job started (while the sources loaded): handled at once. */
  pendingSignal?: HandledSignal;
}

/**
 * A repeat of a signal this soon is the same Ctrl-C delivered twice (the terminal signals the
 * whole process group, and npm forwards it too); a later one stops at once, without saving.
 */
const REPEAT_MS = 1000;

/** The worker's entry: registers tsx in the worker thread, then imports `job/worker.ts`. */
const WORKER_ENTRY = new URL('../../bin/spam-worker.mjs', import.meta.url);

/**
 * Runs `cfg` in a worker thread and resolves with the exit code (0 done, 1 failed or leaked
 * tensors). On a signal it saves the partial report and exits the process itself.
 */
export async function runJob(cfg: RunConfig, argv: string[], options: JobOptions = {}): Promise<number> {
  const out = resolve(cfg.out);
  const t0 = performance.now();
  // Until the worker reports, a report that says what was asked (saved if Ctrl-C comes that early).
  let latest: Report = newReport(cfg, argv, environmentOf('not loaded yet', 'not chosen yet'));
  let writes: Promise<unknown> = Promise.resolve();
  let stopping: { at: number } | undefined;
  const job: { workers: Worker[] } = { workers: [] };

  const onSignal = (signal: HandledSignal) => {
    const now = performance.now();
    if (stopping) {
      if (now - stopping.at < REPEAT_MS) return;
      removeTempFiles();
      process.exit(SIGNAL_EXIT_CODES[signal]);
    }
    stopping = { at: now };
    console.log(`\n${signal}: stopping the run and saving the partial report …`);
    for (const w of job.workers) void w.terminate();
    markInterrupted(latest, signal);
    latest.timings.push({ stage: 'total', ms: now - t0 });
    const report = latest;
    writes
      .catch(() => undefined)
      .then(() => writeReport(out, report))
      .then(
        () => console.log(`partial report (${signal}): ${join(out, 'report.json')}`),
        (e: unknown) => console.error(`spam: could not save the partial report: ${errorInfo(e).message}`),
      )
      .finally(() => {
        removeTempFiles();
        process.exit(SIGNAL_EXIT_CODES[signal]);
      });
  };
  const handlers = (Object.keys(SIGNAL_EXIT_CODES) as HandledSignal[]).map((s) => [s, () => onSignal(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  // Once the run has ended (its report saved), signals get their default meaning again.
  const release = () => handlers.forEach(([s, h]) => process.off(s, h));
  if (options.pendingSignal) onSignal(options.pendingSignal);
  /** After a signal the handler saves and exits the process: nothing to resolve. */
  const exiting = () => new Promise<number>(() => undefined);
  try {
    await checkWritable(out); // a bad --out fails here, before a thread or a backend starts
  } catch (e) {
    if (stopping) return exiting();
    release();
    console.error(`spam: ${errorInfo(e).name}: ${errorInfo(e).message}`);
    return 1;
  }
  if (stopping) return exiting();
  console.log(`spam: report → ${join(out, 'report.json')} (with report.md and plots/)`);
  const parts = planParts(cfg);
  const single = parts.length === 1;
  const threads = jobCount(cfg, parts.length);
  if (!single)
    console.log(
      `spam: ${parts.length} trainings on ${threads} worker threads at a time (--jobs ${cfg.jobs}; --jobs 1 runs them one after another)`,
    );
  const base = latest;
  const reports: Array<Report | undefined> = parts.map(() => undefined);
  const leaked: number[] = parts.map(() => 0);
  let failed: string | undefined;
  // One part: its report is the run's. Several: merged in part order, status kept by this thread.
  const merged = (): Report => (single ? (reports[0] ?? base) : mergeReports(base, reports));
  const writeMerged = () => {
    const report = (latest = merged());
    writes = writes.catch(() => undefined).then(() => writeReport(out, report));
    return writes as Promise<{ files: string[]; warnings: string[] }>;
  };

  const runPart = (i: number) =>
    new Promise<void>((settle) => {
      const input: WorkerInput = {
        cfg: parts[i].cfg,
        argv,
        tty: single && process.stdout.isTTY === true,
        columns: process.stdout.columns,
        part: !single,
      };
      const running = new Worker(WORKER_ENTRY, { workerData: input, stdout: !single, stderr: !single });
      job.workers.push(running);
      if (!single) {
        prefixLines(running.stdout, process.stdout, parts[i].label);
        prefixLines(running.stderr, process.stderr, parts[i].label);
      }
      running.on('message', (m: WorkerMessage) => {
        if (stopping) return;
        switch (m.type) {
          case 'report':
            reports[i] = m.report;
            latest = merged();
            break;
          case 'write':
            reports[i] = m.report;
            writeMerged().then(
              ({ files, warnings }) => stopping || running.postMessage({ type: 'written', id: m.id, files, warnings }),
              (e: unknown) => stopping || running.postMessage({ type: 'written', id: m.id, error: errorInfo(e) }),
            );
            break;
          case 'done':
            leaked[i] = m.tensorsLeaked;
            break;
          case 'error':
            console.error(`spam: ${single ? '' : `${parts[i].label}: `}${m.error.name}: ${m.error.message}`);
            failed ??= `${m.error.name}: ${m.error.message}`;
            break;
        }
      });
      running.on('error', (e) => {
        if (stopping) return;
        console.error(`spam: ${e.stack ?? e.message}`);
        failed ??= e.message;
      });
      running.on('exit', (exitCode) => {
        if (!stopping && reports[i]?.partial !== false && !failed) {
          console.error(`spam: the run's worker thread stopped unexpectedly (exit code ${exitCode})`);
          failed = `worker thread exited (code ${exitCode})`;
        }
        settle();
      });
    });

  // A pool of `threads` workers over the parts, longest first; after a failure no new part starts.
  const queue = startOrder(parts);
  const pool = Array.from({ length: threads }, async () => {
    for (let i = queue.shift(); i !== undefined && !failed && !stopping; i = queue.shift()) await runPart(i);
  });
  await Promise.all(pool);
  if (stopping) return exiting();
  release();
  if (failed && !single) {
    for (const w of job.workers) void w.terminate();
    markFailed(base, new Error(failed));
    await writeMerged().catch(() => undefined);
  } else if (!single) {
    markFinished(base);
    base.timings.push({ stage: 'total', ms: performance.now() - t0 });
    const { files } = await writeMerged();
    // The run's module (tfjs and all) only now, for the summary: this thread stays light while parts run.
    const { summaryTable } = await import('../run.js');
    for (const line of summaryTable(latest)) console.log(line);
    console.log(`report: ${files.join(', ')}`);
  }
  await writes.catch(() => undefined);
  const tensorsLeaked = leaked.reduce((a, b) => a + b, 0);
  if (failed) return 1;
  console.log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s; tensors leaked: ${tensorsLeaked}`);
  return tensorsLeaked === 0 ? 0 : 1;
}

/** Copies a worker's output to `to`, each line prefixed with `[label] `. */
function prefixLines(from: Readable, to: NodeJS.WriteStream, label: string): void {
  let rest = '';
  from.setEncoding('utf8');
  from.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) to.write(`[${label}] ${line}\n`);
  });
  from.on('end', () => rest && to.write(`[${label}] ${rest}\n`));
}
