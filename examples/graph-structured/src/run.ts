/** The graph-structured experiment: per model, SpaM training, unit scores, then every criterion × sparsity point. */
import '@spam/tfjs-wasm-kernels'; // faster wasm kernels, registered before the backend starts
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { startRun, type RunContextOptions } from '@spam/harness';
import { measureModel } from '@spam/structured';
import { loadDigits } from './data.js';
import { latenciesMs, prunePoint } from './prune-point.js';
import { formatModelTable, type ModelRow } from './report.js';
import { resolveSchedule, UNIT_CRITERIA, type Schedule, type ScheduleName, type ScheduleOptions } from './schedule.js';
import { trainAndScore } from './train.js';

/** Options of {@link run}. */
export interface RunOptions extends ScheduleOptions, RunContextOptions {
  /** Seed of the initial weights, the shuffles and the random scores. Default 0. */
  seed?: number;
  /** Folder the pruned models are saved to (one subfolder per point). Default `<os tmpdir>/spam-graph-structured`. */
  saveDir?: string;
  /** Write the rows (and the schedule) as JSON to this file. */
  out?: string;
  /** Where `mnist_split.json` lives. Default `packages/harness/data/`. */
  dataDir?: string;
}

/** What {@link run} returns. */
export interface RunSummary {
  backend: string;
  seed: number;
  scheduleName: ScheduleName;
  schedule: Schedule;
  rows: ModelRow[];
  totalMs: number;
  /** Points whose pruned model differs from the masked one, or whose reloaded model from the in-memory one, by more than 1e-5 / 1e-6. */
  checkFailures: string[];
  /** numTensors at the end − at the start (must be 0). */
  tensorsLeaked: number;
}

/** Tolerances of the two checks of every point. */
export const MASKED_TOL = 1e-5;
export const RELOAD_TOL = 1e-6;

/** Runs the experiment and returns its numbers; disposes every tensor it creates. */
export async function run(options: RunOptions = {}): Promise<RunSummary> {
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`seed must be an integer >= 0, got ${seed}`);
  const { name, schedule: s } = resolveSchedule(options);
  const saveDir = options.saveDir ?? join(tmpdir(), 'spam-graph-structured');
  if (options.out) writeFileSync(options.out, '{"partial": true}\n'); // fail early on an unwritable path
  const t0 = performance.now();
  const { log, backend, finish } = await startRun(options);
  log(
    `MNIST ${s.trainSize} train / ${s.testSize} test digits; ${s.epochs} epochs (Adam ${s.lr}, batch ${s.batchSize}), a marglik step every ` +
      `${s.marglikEvery} epochs (K = ${s.hyperSteps}); removal of ${s.sparsities.map((v) => `${v * 100} %`).join(', ')} of each family's ` +
      `groups, fine-tune ${s.finetuneEpochs} epochs; latency: median of ${s.latencyRepeats} on ${s.latencyBatch} digits; models saved under ${saveDir}`,
  );
  const rows: ModelRow[] = [];
  const checkFailures: string[] = [];
  const data = loadDigits(s.trainSize, s.testSize, options.dataDir);
  try {
    for (const m of s.models) {
      const trained = await trainAndScore(m, data, s, seed, {
        resnet: options.resnet,
        vit: options.vit,
        onProgress: (p) => {
          if (p.stage === 'epoch') log(`${m}: epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(4)}`);
        },
      });
      try {
        const dense = measureModel(trained.model, { xs: data.xTest, ys: data.yTest }, { latencyRepeats: 0 });
        const batch = tf.slice(data.xTest, 0, Math.min(s.latencyBatch, data.xTest.shape[0]));
        try {
          [dense.latencyMs] = latenciesMs([trained.model], batch, s.latencyRepeats);
        } finally {
          batch.dispose();
        }
        log(
          `${m}: ${trained.training} trained in ${(trained.trainMs / 1000).toFixed(1)} s, test accuracy ${((dense.accuracy ?? NaN) * 100).toFixed(2)} %`,
        );
        const row: ModelRow = {
          model: m,
          training: trained.training,
          dense,
          points: [],
          trainMs: trained.trainMs,
          scoreMs: trained.scoreMs,
          pruneMs: 0,
          precision: trained.precision,
        };
        const t1 = performance.now();
        for (const c of UNIT_CRITERIA) {
          for (const sp of s.sparsities) {
            const p = await prunePoint(trained.model, trained.scores[c], sp, data, s, seed, saveDir);
            row.points.push(p);
            const where = `${m} ${c} ${sp * 100} %`;
            if (!(p.maskedDelta <= MASKED_TOL)) checkFailures.push(`${where}: pruned vs masked max |Δ| ${p.maskedDelta} > ${MASKED_TOL}`);
            if (!(p.reloadDelta <= RELOAD_TOL))
              checkFailures.push(`${where}: reloaded vs in-memory max |Δ| ${p.reloadDelta} > ${RELOAD_TOL}`);
            log(
              `${where}: ${p.macs} MACs, acc ${((p.accuracy ?? NaN) * 100).toFixed(2)} % (one-shot ${(p.oneShotAccuracy * 100).toFixed(2)} %), ` +
                `latency ${p.denseLatencyMs.toFixed(1)} → ${(p.latencyMs ?? NaN).toFixed(1)} ms`,
            );
          }
        }
        row.pruneMs = performance.now() - t1;
        rows.push(row);
      } finally {
        trained.model.dispose();
      }
    }
  } finally {
    data.dispose();
  }
  log('');
  for (const r of rows) log([...formatModelTable(r), ''].join('\n'));
  const totalMs = performance.now() - t0;
  log(`total ${(totalMs / 60000).toFixed(1)} min`);
  for (const f of checkFailures) log(`check failed: ${f}`);
  if (options.out) {
    writeFileSync(
      options.out,
      JSON.stringify({ experiment: 'graph-structured', schedule: name, config: s, seed, backend, totalMs, rows }, null, 1),
    );
    log(`results written to ${options.out}`);
  }
  const tensorsLeaked = finish();
  return { backend, seed, scheduleName: name, schedule: s, rows, totalMs, checkFailures, tensorsLeaked };
}
