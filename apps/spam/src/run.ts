/**
 * A whole `spam` run: backend, report directory check (before any training), every data set,
 * the report saved after every training (partial until the end), early stop on an abort signal,
 * and the final summary table. Ctrl-C of the `spam` command is handled by its main thread
 * (`job.ts`), which runs this in a worker.
 */
import * as tf from '@tensorflow/tfjs';
import { resolve } from 'node:path';
import { formatTable } from '@spam/harness';
import { chooseBackend } from './backend.js';
import type { RunConfig } from './config.js';
import { loadDataset } from './data/index.js';
import { RunInterrupted, runDataset } from './experiment.js';
import { wantsImages, AUTO_MODEL } from './models.js';
import { checkWritable, writeReport } from './report/index.js';
import { environmentOf, markFailed, markFinished, markInterrupted, newReport } from './report/state.js';
import type { Report } from './types.js';

/** What {@link runSpam} returns. */
export interface RunResult {
  report: Report;
  /** Files written in `cfg.out`. */
  files: string[];
  /** numTensors at the end − at the start (0 unless something leaked). */
  tensorsLeaked: number;
  /** True when `hooks.signal` stopped the run (the report is partial). */
  interrupted: boolean;
}

/** Writes a report into a directory: {@link writeReport} or a replacement (the CLI's worker posts it to the main thread). */
export type ReportWriter = (out: string, report: Report) => Promise<{ files: string[]; warnings: string[] }>;

/** Options of {@link runSpam} besides the configuration. */
export interface RunHooks {
  log?: (line: string) => void;
  progress?: boolean;
  /** The argv recorded in the report. */
  argv?: string[];
  /**
   * Stops the run early. Checked at every training batch, curvature batch, hyper step, sweep point
   * and structured model, so work stops within one of those; the report is then saved with
   * `partialReason: 'interrupted (<signal.reason>)'` and runSpam resolves with `interrupted: true`.
   */
  signal?: AbortSignal;
  /** Writes the report (default {@link writeReport}). */
  write?: ReportWriter;
  /** Called with the report after every change (created, a stage timed, rows added). */
  changed?: (report: Report) => void;
  /** Print the closing summary table and the report's files (default true; off for a part of a parallel run). */
  summary?: boolean;
}

/** The reason of an aborted signal as text: a string reason as is (e.g. `'SIGINT'`), else `'aborted'`. */
function reasonOf(signal: AbortSignal | undefined): string {
  return typeof signal?.reason === 'string' ? signal.reason : 'aborted';
}

/** Runs the experiment of `cfg` and writes the report to `cfg.out`. */
export async function runSpam(cfg: RunConfig, hooks: RunHooks = {}): Promise<RunResult> {
  const log = hooks.log ?? ((l: string) => console.log(l));
  const out = resolve(cfg.out);
  const { existing } = await checkWritable(out); // fail before any training
  if (existing.length > 0) log(`report: ${out} holds an earlier report; overwriting ${existing.join(', ')}`);
  const backend = await chooseBackend(cfg.backend);
  log(`tfjs ${tf.version.tfjs}, backend: ${backend.note}`);
  const report = newReport(cfg, hooks.argv ?? [], environmentOf(tf.version.tfjs, backend.name));
  const changed = () => hooks.changed?.(report);
  changed();
  const write = hooks.write ?? writeReport;
  let files: string[] = [];
  const warned = new Set<string>();
  // Saves run one after another.
  let saving: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => {
    saving = saving
      .catch(() => undefined)
      .then(async () => {
        const written = await write(out, report);
        files = written.files;
        for (const w of written.warnings) {
          if (warned.has(w)) continue;
          warned.add(w);
          log(`report: ${w}`);
        }
      });
    return saving;
  };
  const interrupted = () => hooks.signal?.aborted === true;
  const tensorsAtStart = tf.memory().numTensors;
  const t0 = performance.now();
  try {
    for (const name of cfg.datasets) {
      if (interrupted()) break;
      const model = cfg.model === 'auto' ? AUTO_MODEL[name] : cfg.model;
      const s = cfg.schedules[name];
      const tl = performance.now();
      const data = await loadDataset(name, {
        dataDir: cfg.dataDir,
        trainSize: s.trainSize,
        testSize: s.testSize,
        standardize: cfg.standardize,
        layout: model && wantsImages(model) ? 'image' : 'flat',
      });
      report.timings.push({ stage: `${name}/load`, ms: performance.now() - tl });
      changed();
      try {
        await runDataset(data, cfg, {
          log,
          showProgress: hooks.progress ?? true,
          timing: (stage, ms) => (report.timings.push({ stage, ms }), changed()),
          interrupted,
          addRows: async (rows) => {
            report.results.push(...rows.results);
            report.structured.push(...rows.structured);
            report.precisions.push(...rows.precisions);
            changed();
            await save();
          },
        });
      } finally {
        data.dispose();
      }
    }
  } catch (e) {
    if (!(e instanceof RunInterrupted)) {
      markFailed(report, e);
      changed();
      await save().catch(() => undefined);
      throw e;
    }
  }
  report.timings.push({ stage: 'total', ms: performance.now() - t0 });
  if (interrupted()) {
    markInterrupted(report, reasonOf(hooks.signal));
    log(`\ninterrupted (${reasonOf(hooks.signal)}): saving the partial report`);
  } else {
    markFinished(report);
  }
  changed();
  await save();
  if (hooks.summary !== false) {
    if (!interrupted()) for (const line of summaryTable(report)) log(line);
    log(`report: ${files.join(', ')}`);
  }
  return { report, files, tensorsLeaked: tf.memory().numTensors - tensorsAtStart, interrupted: interrupted() };
}

/** The final terminal table: per data set and training, accuracy (or MSE) of OPD and magnitude at 90/95/99 %. */
export function summaryTable(report: Report): string[] {
  const out: string[] = [''];
  const datasets = [...new Set(report.results.map((r) => r.dataset))];
  for (const ds of datasets) {
    const rows = report.results.filter((r) => r.dataset === ds);
    const reg = rows.some((r) => r.mse !== undefined);
    const metric = (r?: (typeof rows)[number]) =>
      !r ? '—' : reg ? (r.mse ?? NaN).toFixed(4) : `${((r.accuracy ?? NaN) * 100).toFixed(1)}`;
    const levels = [0.9, 0.95, 0.99].filter((s) => rows.some((r) => Math.abs(r.sparsity - s) < 1e-9));
    const trainings = [...new Set(rows.map((r) => r.training))];
    const crits = [...new Set(rows.map((r) => r.criterion))].filter((c) => c !== 'none');
    const body: string[][] = [];
    for (const t of trainings) {
      for (const c of crits) {
        if (!rows.some((r) => r.training === t && r.criterion === c)) continue; // e.g. no 'opd-glm' rows for MAP
        const at = (s: number) => rows.find((r) => r.training === t && r.criterion === c && Math.abs(r.sparsity - s) < 1e-9);
        body.push([t, c, metric(rows.find((r) => r.training === t && r.criterion === 'none')), ...levels.map((s) => metric(at(s)))]);
      }
    }
    out.push(`${ds}: test ${reg ? 'MSE' : 'accuracy (%)'} at sparsity`);
    out.push(...formatTable(['training', 'criterion', 'dense', ...levels.map((s) => `${(s * 100).toFixed(0)}%`)], body, 2), '');
  }
  return out;
}
