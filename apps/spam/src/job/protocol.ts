/**
 * Messages between the `spam` command's main thread (`job/main.ts`: signals, report files) and
 * its worker (`job/worker.ts`: the run itself).
 */
import type { RunConfig } from '../config.js';
import type { Report } from '../types.js';

/** What the worker is started with (`workerData`). */
export interface WorkerInput {
  cfg: RunConfig;
  argv: string[];
  /** The main thread's stdout is a terminal (progress bars redraw in place) and its width. */
  tty: boolean;
  columns?: number;
  /** One part of a parallel run (`job/parts.ts`): the main thread prints the summary and the report's files. */
  part?: boolean;
}

/** An error as it crosses the thread boundary. */
export interface ErrorInfo {
  name: string;
  message: string;
  stack?: string;
}

/** Worker → main. */
export type WorkerMessage =
  | { type: 'report'; report: Report }
  | { type: 'write'; id: number; out: string; report: Report }
  | { type: 'done'; tensorsLeaked: number; files: string[] }
  | { type: 'error'; error: ErrorInfo };

/** Main → worker: the answer to a `write`. */
export type MainMessage =
  { type: 'written'; id: number; files: string[]; warnings: string[] } | { type: 'written'; id: number; error: ErrorInfo };

/** {@link ErrorInfo} of anything thrown. */
export function errorInfo(e: unknown): ErrorInfo {
  return e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : { name: 'Error', message: String(e) };
}
