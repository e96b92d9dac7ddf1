/**
 * The report of a `spam` run, written to `--out`: `report.json` (the {@link Report} as is),
 * `report.md` (tables) and `plots/*.svg` (Vega-Lite, rendered headless).
 */
import { rmSync } from 'node:fs';
import { readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Report } from '../types.js';
import { renderMarkdown } from './markdown.js';
import { renderPlots } from './plots.js';
import { ensureReportDir, ReportDirError } from './target.js';

export { renderMarkdown, type MarkdownOptions } from './markdown.js';
export { renderPlots, specOf, toSvg } from './plots.js';
export { planPlots, type PlotPlan } from './summary.js';

export { ReportDirError, ensureReportDir, mountOf, PSEUDO_FILESYSTEMS } from './target.js';

function codeOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}

/** The files of a report in a directory (relative names): what a new report there overwrites. */
export async function reportFilesIn(dir: string): Promise<string[]> {
  const top = await readdir(dir).catch(() => [] as string[]);
  const plots = await readdir(join(dir, 'plots')).catch(() => [] as string[]);
  return [
    ...['report.json', 'report.md'].filter((f) => top.includes(f)),
    ...plots
      .filter((f) => f.endsWith('.svg'))
      .sort()
      .map((f) => `plots/${f}`),
  ];
}

/**
 * Check that `dir` can hold the report: create it (and its parents, see {@link ensureReportDir})
 * and write and delete a probe file. Throws {@link ReportDirError} naming the directory
 * otherwise; directories it created for the check are removed again. Call before training
 * starts. Returns the files of an earlier report already there (they will be overwritten).
 */
export async function checkWritable(dir: string): Promise<{ existing: string[] }> {
  const created = await ensureReportDir(dir);
  try {
    const probe = join(dir, `.spam-write-check-${process.pid}`);
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (err) {
    if (created) await rm(created, { recursive: true, force: true }).catch(() => {});
    throw new ReportDirError(dir, codeOf(err), { cause: err });
  }
  return { existing: await reportFilesIn(dir) };
}

/** Temporary files being written (removed by {@link removeTempFiles} on a forced exit). */
const temporary = new Set<string>();

/** Deletes the temporary files of writes still in flight (synchronous: for an exit handler). */
export function removeTempFiles(): void {
  for (const tmp of temporary) rmSync(tmp, { force: true });
  temporary.clear();
}

/** Write via a temporary file and rename, so an interrupted write never leaves a half file. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  temporary.add(tmp);
  try {
    await writeFile(tmp, text);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw err;
  } finally {
    temporary.delete(tmp);
  }
}

/**
 * Write `report.json`, `plots/*.svg` and `report.md` into `dir` (created when missing). Returns
 * the files written (paths joined onto `dir`); `warnings` says what could not be done (plots that
 * failed to render — report.md then says so instead of linking them).
 */
export async function writeReport(dir: string, report: Report): Promise<{ files: string[]; warnings: string[] }> {
  const files: string[] = [];
  const warnings: string[] = [];
  await ensureReportDir(join(dir, 'plots')).catch((err: unknown) => {
    throw err instanceof ReportDirError && err.dir !== dir
      ? new ReportDirError(dir, err.systemCode, { cause: err.cause, fsType: err.fsType })
      : err;
  });
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
