/**
 * A whole `spam` run: backend, report directory check (before any training), every data set,
 * the report saved after every training (partial until the end), Ctrl-C handling, and the final
 * summary table.
 */
import * as tf from '@tensorflow/tfjs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { formatTable } from '@spam/harness';
import { chooseBackend } from './backend.js';
import type { RunConfig } from './config.js';
import { loadDataset } from './data/index.js';
import { runDataset } from './experiment.js';
import { wantsImages, AUTO_MODEL } from './models.js';
import { checkWritable, writeReport } from './report/index.js';
import type { Report } from './types.js';

/** What {@link runSpam} returns. */
export interface RunResult {
  report: Report;
  /** Files written in `cfg.out`. */
  files: string[];
  /** numTensors at the end − at the start (0 unless something leaked). */
  tensorsLeaked: number;
}

/** Options of {@link runSpam} besides the configuration. */
export interface RunHooks {
  log?: (line: string) => void;
  progress?: boolean;
  /** The argv recorded in the report. */
  argv?: string[];
  /** Install a SIGINT handler that writes a partial report and exits (the CLI does). Default false. */
  handleSigint?: boolean;
}

/** Runs the experiment of `cfg` and writes the report to `cfg.out`. */
export async function runSpam(cfg: RunConfig, hooks: RunHooks = {}): Promise<RunResult> {
  const log = hooks.log ?? ((l: string) => console.log(l));
  const out = resolve(cfg.out);
  await checkWritable(out); // fail before any training
  const backend = await chooseBackend(cfg.backend);
  log(`tfjs ${tf.version.tfjs}, backend: ${backend.note}`);
  const report: Report = {
    partial: true,
    partialReason: 'running',
    startedAt: new Date().toISOString(),
    command: hooks.argv ?? [],
    config: { ...cfg, trainings: cfg.trainings.map((t) => t.name) },
    environment: { node: process.version, platform: process.platform, arch: process.arch, cpus: cpus().length, tfjs: tf.version.tfjs, backend: backend.name },
    timings: [],
    precisions: [],
    results: [],
    structured: [],
  };
  let files: string[] = [];
  const warned = new Set<string>();
  // Saves run one after another (a Ctrl-C save may arrive while a training's save is running).
  let saving: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => {
    saving = saving.catch(() => undefined).then(async () => {
      const written = await writeReport(out, report);
      files = written.files;
      for (const w of written.warnings ?? []) if (!warned.has(w)) (warned.add(w), log(`report: ${w}`));
    });
    return saving;
  };
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    report.partial = true;
    report.partialReason = 'interrupted (SIGINT)';
    report.finishedAt = new Date().toISOString();
    log('\ninterrupted: writing the partial report …');
    save().then(
      () => {
        log(`partial report in ${out}`);
        process.exit(130);
      },
      (e: unknown) => {
        console.error(e);
        process.exit(130);
      },
    );
  };
  if (hooks.handleSigint) process.on('SIGINT', onSigint);
  const tensorsAtStart = tf.memory().numTensors;
  const t0 = performance.now();
  try {
    for (const name of cfg.datasets) {
      if (interrupted) break;
      const model = cfg.model === 'auto' ? AUTO_MODEL[name] : cfg.model;
      const s = cfg.schedules[name];
      const tl = performance.now();
      const data = await loadDataset(name, {
        dataDir: cfg.dataDir, trainSize: s.trainSize, testSize: s.testSize, standardize: cfg.standardize,
        layout: model && wantsImages(model) ? 'image' : 'flat',
      });
      report.timings.push({ stage: `${name}/load`, ms: performance.now() - tl });
      try {
        await runDataset(data, cfg, {
          log,
          showProgress: hooks.progress ?? true,
          timing: (stage, ms) => report.timings.push({ stage, ms }),
          interrupted: () => interrupted,
          addRows: async (rows) => {
            report.results.push(...rows.results);
            report.structured.push(...rows.structured);
            report.precisions.push(...rows.precisions);
            await save();
          },
        });
      } finally {
        data.dispose();
      }
    }
    report.timings.push({ stage: 'total', ms: performance.now() - t0 });
    if (!interrupted) {
      report.partial = false;
      delete report.partialReason;
      report.finishedAt = new Date().toISOString();
    }
    await save();
  } catch (e) {
    report.partial = true;
    report.partialReason = `failed: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
    report.finishedAt = new Date().toISOString();
    await save().catch(() => undefined);
    throw e;
  } finally {
    if (hooks.handleSigint) process.off('SIGINT', onSigint);
  }
  for (const line of summaryTable(report)) log(line);
  log(`report: ${files.join(', ')}`);
  return { report, files, tensorsLeaked: tf.memory().numTensors - tensorsAtStart };
}

/** The final terminal table: per data set and training, accuracy (or MSE) of OPD and magnitude at 90/95/99 %. */
export function summaryTable(report: Report): string[] {
  const out: string[] = [''];
  const datasets = [...new Set(report.results.map((r) => r.dataset))];
  for (const ds of datasets) {
    const rows = report.results.filter((r) => r.dataset === ds);
    const reg = rows.some((r) => r.mse !== undefined);
    const metric = (r?: (typeof rows)[number]) => (!r ? '—' : reg ? (r.mse ?? NaN).toFixed(4) : `${((r.accuracy ?? NaN) * 100).toFixed(1)}`);
    const levels = [0.9, 0.95, 0.99].filter((s) => rows.some((r) => Math.abs(r.sparsity - s) < 1e-9));
    const trainings = [...new Set(rows.map((r) => r.training))];
    const crits = [...new Set(rows.map((r) => r.criterion))].filter((c) => c !== 'none');
    const body: string[][] = [];
    for (const t of trainings) {
      for (const c of crits) {
        const at = (s: number) => rows.find((r) => r.training === t && r.criterion === c && Math.abs(r.sparsity - s) < 1e-9);
        body.push([t, c, metric(rows.find((r) => r.training === t && r.criterion === 'none')), ...levels.map((s) => metric(at(s)))]);
      }
    }
    out.push(`${ds}: test ${reg ? 'MSE' : 'accuracy (%)'} at sparsity`);
    out.push(...formatTable(['training', 'criterion', 'dense', ...levels.map((s) => `${(s * 100).toFixed(0)}%`)], body, 2), '');
  }
  return out;
}
