/**
 * The `spam` command's main thread: the run itself goes to a worker thread (`job/worker.ts`), so
 * this thread is always free to react to Ctrl-C, however busy the run is (a kron curvature fit or a
 * sweep point can block its thread for seconds). The main thread writes every report file and
 * keeps the latest report; on SIGINT / SIGTERM / SIGHUP it stops the worker, waits for a write in
 * flight, saves the report marked `interrupted (<signal>)` and exits with 128 + the signal number.
 */
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { RunConfig } from '../config.js';
import { checkWritable, removeTempFiles, writeReport } from '../report/index.js';
import { environmentOf, markInterrupted, newReport } from '../report/state.js';
import type { Report } from '../types.js';
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
  let code: number | undefined;
  let doneLine: string | undefined;
  const job: { worker?: Worker } = {};

  const onSignal = (signal: HandledSignal) => {
    const now = performance.now();
    if (stopping) {
      if (now - stopping.at < REPEAT_MS) return;
      removeTempFiles();
      process.exit(SIGNAL_EXIT_CODES[signal]);
    }
    stopping = { at: now };
    console.log(`\n${signal}: stopping the run and saving the partial report …`);
    void job.worker?.terminate();
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
  const input: WorkerInput = { cfg, argv, tty: process.stdout.isTTY === true, columns: process.stdout.columns };
  const running = new Worker(WORKER_ENTRY, { workerData: input });
  job.worker = running;

  running.on('message', (m: WorkerMessage) => {
    if (stopping) return;
    switch (m.type) {
      case 'report':
        latest = m.report;
        break;
      case 'write':
        latest = m.report;
        writes = writes
          .catch(() => undefined)
          .then(() => writeReport(m.out, m.report))
          .then(
            ({ files, warnings }) => stopping || running.postMessage({ type: 'written', id: m.id, files, warnings }),
            (e: unknown) => stopping || running.postMessage({ type: 'written', id: m.id, error: errorInfo(e) }),
          );
        break;
      case 'done':
        release();
        doneLine = `done in ${((performance.now() - t0) / 1000).toFixed(1)} s; tensors leaked: ${m.tensorsLeaked}`;
        code = m.tensorsLeaked === 0 ? 0 : 1;
        break;
      case 'error':
        release();
        console.error(`spam: ${m.error.name}: ${m.error.message}`);
        code = 1;
        break;
    }
  });
  return new Promise<number>((resolveCode) => {
    running.on('error', (e) => {
      if (stopping) return;
      release();
      console.error(`spam: ${e.stack ?? e.message}`);
      code ??= 1;
    });
    running.on('exit', (exitCode) => {
      if (stopping) return;
      release();
      // Printed here, after the worker's own output (its stdout reaches this thread before 'exit').
      if (doneLine) console.log(doneLine);
      if (code === undefined) console.error(`spam: the run's worker thread stopped unexpectedly (exit code ${exitCode})`);
      void writes.finally(() => resolveCode(code ?? 1));
    });
  });
}
