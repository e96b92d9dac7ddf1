/**
 * The report of a `spam` run, written to `--out`: `report.json` (the {@link Report} as is),
 * `report.md` (tables) and `plots/*.svg` (Vega-Lite, rendered headless).
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Report } from '../types.js';
import { renderMarkdown } from './markdown.js';
import { renderPlots } from './plots.js';

export { renderMarkdown, type MarkdownOptions } from './markdown.js';
export { renderPlots, specOf, toSvg } from './plots.js';
export { planPlots, type PlotPlan } from './summary.js';

/** The report directory cannot be created or written. */
export class ReportDirError extends Error {
  override readonly name = 'ReportDirError';
  constructor(
    /** The directory as given. */
    readonly dir: string,
    /** The system error code (`ENOTDIR`, `EACCES`, `EROFS`, …) when there is one. */
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    const why = options?.cause instanceof Error ? options.cause.message : String(options?.cause ?? 'unknown error');
    super(`cannot write the report to '${dir}' (${resolve(dir)}): ${why}`, options);
  }
}

function codeOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/**
 * Check that `dir` can hold the report: create it (and its parents) and write and delete a probe
 * file. Throws {@link ReportDirError} naming the directory otherwise; directories it created for
 * the check are removed again. Call before training starts.
 */
export async function checkWritable(dir: string): Promise<void> {
  let created: string | undefined;
  try {
    created = await mkdir(dir, { recursive: true });
    const probe = join(dir, `.spam-write-check-${process.pid}`);
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (err) {
    if (created) await rm(created, { recursive: true, force: true }).catch(() => {});
    throw new ReportDirError(dir, codeOf(err), { cause: err });
  }
}

/** Write via a temporary file and rename, so an interrupted write never leaves a half file. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

/**
 * Write `report.json`, `plots/*.svg` and `report.md` into `dir` (created when missing). Returns
 * the files written (paths joined onto `dir`); `warnings` says what could not be done (plots that
 * failed to render — report.md then says so instead of linking them).
 */
export async function writeReport(dir: string, report: Report): Promise<{ files: string[]; warnings: string[] }> {
  const files: string[] = [];
  const warnings: string[] = [];
  try {
    await mkdir(join(dir, 'plots'), { recursive: true });
  } catch (err) {
    throw new ReportDirError(dir, codeOf(err), { cause: err });
  }
  const json = join(dir, 'report.json');
  await writeAtomic(json, JSON.stringify(report, null, 2) + '\n');
  files.push(json);

  let plotError: string | undefined;
  try {
    for (const plot of await renderPlots(report)) {
      const path = join(dir, 'plots', plot.name);
      await writeAtomic(path, plot.svg);
      files.push(path);
    }
  } catch (err) {
    plotError = err instanceof Error ? err.message : String(err);
    warnings.push(`plots not drawn: ${plotError}`);
  }

  const md = join(dir, 'report.md');
  await writeAtomic(md, renderMarkdown(report, { plotError }));
  files.push(md);
  return { files, warnings };
}
