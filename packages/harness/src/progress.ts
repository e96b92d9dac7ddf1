/**
 * A small terminal progress bar. On a TTY it redraws one line in place with `\r`; otherwise
 * (pipes, CI logs, files) it prints a plain line every `plainSteps`-th of the way and at the end,
 * so logs stay short and readable.
 */

/** Where the bar writes: a stream with `write` and an optional `isTTY` flag (e.g. `process.stdout`). */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Options of {@link ProgressBar}. */
export interface ProgressBarOptions {
  /** Number of steps that make 100 %. */
  total: number;
  /** Text in front of the bar. */
  label?: string;
  /** Width of the bar in characters (TTY mode). Default 28. */
  width?: number;
  /** Output stream. Default `process.stdout`. */
  stream?: ProgressStream;
  /** Force TTY (true) or plain (false) mode; default `stream.isTTY`. */
  tty?: boolean;
  /** Plain mode: how many lines to print over the whole run (plus the final one). Default 5. */
  plainSteps?: number;
  /** TTY mode: minimum milliseconds between redraws (the final redraw always happens). Default 50. */
  minIntervalMs?: number;
}

/** A duration as `850ms`, `12.3s` or `2m5s`. */
function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${Math.round((ms - m * 60_000) / 1000)}s`;
}

/** A progress bar over `total` steps: {@link ProgressBar.update} / {@link ProgressBar.tick}, then {@link ProgressBar.finish}. */
export class ProgressBar {
  private readonly total: number;
  private readonly label: string;
  private readonly width: number;
  private readonly stream: ProgressStream;
  private readonly tty: boolean;
  private readonly plainSteps: number;
  private readonly minIntervalMs: number;
  private readonly start = performance.now();
  private current = 0;
  private lastDraw = -Infinity;
  private lastPlainStep = 0;
  private lastLineLength = 0;
  private finished = false;

  constructor(options: ProgressBarOptions) {
    if (!(options.total > 0) || !Number.isFinite(options.total))
      throw new RangeError(`progress total must be a positive number, got ${options.total}`);
    this.total = options.total;
    this.label = options.label ?? '';
    this.width = Math.max(5, options.width ?? 28);
    this.stream = options.stream ?? process.stdout;
    this.tty = options.tty ?? Boolean(this.stream.isTTY);
    this.plainSteps = Math.max(1, Math.floor(options.plainSteps ?? 5));
    this.minIntervalMs = options.minIntervalMs ?? 50;
  }

  /** Elapsed milliseconds since the bar was created. */
  get elapsedMs(): number {
    return performance.now() - this.start;
  }

  /** Sets the progress to `current` steps (clamped to [0, total]) with an optional status text. */
  update(current: number, status = ''): void {
    if (this.finished) return;
    this.current = Math.min(this.total, Math.max(0, current));
    const done = this.current >= this.total;
    if (this.tty) {
      const now = performance.now();
      if (!done && now - this.lastDraw < this.minIntervalMs) return;
      this.lastDraw = now;
      this.redraw(status);
    } else {
      const step = Math.floor((this.current / this.total) * this.plainSteps);
      if (step > this.lastPlainStep && !done) {
        this.lastPlainStep = step;
        this.stream.write(`${this.text(status)}\n`);
      }
    }
  }

  /** Advances by `steps` (default 1). */
  tick(steps = 1, status = ''): void {
    this.update(this.current + steps, status);
  }

  /** Completes the bar: draws the final state and ends the line. Idempotent. */
  finish(status = ''): void {
    if (this.finished) return;
    this.current = this.total;
    if (this.tty) {
      this.redraw(status);
      this.stream.write('\n');
    } else {
      this.stream.write(`${this.text(status)}\n`);
    }
    this.finished = true;
  }

  private text(status: string): string {
    const frac = this.current / this.total;
    const pct = `${Math.floor(frac * 100)}`.padStart(3);
    const count = `${Math.round(this.current)}`.padStart(`${this.total}`.length);
    const head = this.label ? `${this.label} ` : '';
    const tail = status ? ` ${status}` : '';
    if (!this.tty) return `${head}${count}/${this.total} ${pct}% ${formatMs(this.elapsedMs)}${tail}`;
    const filled = Math.round(frac * this.width);
    const bar = '█'.repeat(filled) + '░'.repeat(this.width - filled);
    return `${head}${bar} ${count}/${this.total} ${pct}% ${formatMs(this.elapsedMs)}${tail}`;
  }

  private redraw(status: string): void {
    let line = this.text(status);
    const cols = this.stream.columns;
    if (cols && line.length > cols - 1) line = line.slice(0, cols - 1);
    // \r back to column 0, then pad over any leftover of a longer previous line.
    const pad = this.lastLineLength > line.length ? ' '.repeat(this.lastLineLength - line.length) : '';
    this.stream.write(`\r${line}${pad}`);
    this.lastLineLength = line.length;
  }
}
