/** The MNIST unstructured experiment: every training of the schedule, its sweep, the report. */
import { writeFileSync } from 'node:fs';
import { startRun, type RunContextOptions } from '@spam/harness';
import { loadMnist } from './data.js';
import { buildMnistFc } from './model.js';
import { formatAccuracyTables, formatHeadline, formatSetup, formatTimings, resultRows, type ResultRow } from './report.js';
import { resolveSchedule, TRAININGS, type Schedule, type ScheduleName, type ScheduleOptions } from './schedule.js';
import { runTraining, type TrainingRow } from './training.js';

/** Options of {@link run}. */
export interface RunOptions extends ScheduleOptions, RunContextOptions {
  /** Seed of the initial weights (shared by every training) and of the random scores. Default 0. */
  seed?: number;
  /** Write the JSON rows (and the schedule) to this file. */
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
  rows: TrainingRow[];
  results: ResultRow[];
  totalMs: number;
  /** numTensors at the end − at the start (must be 0). */
  tensorsLeaked: number;
}

/** Runs the experiment and returns its numbers; disposes every tensor it creates. */
export async function run(options: RunOptions = {}): Promise<RunSummary> {
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`seed must be an integer >= 0, got ${seed}`);
  const { name, schedule: s } = resolveSchedule(options);
  if (options.out) writeFileSync(options.out, '{"partial": true}\n'); // fail early on an unwritable path
  const t0 = performance.now();
  const { log, showProgress, backend, finish } = await startRun(options);
  const data = loadMnist({ trainSize: s.trainSize, testSize: s.testSize, dataDir: options.dataDir });
  const rows: TrainingRow[] = [];
  try {
    const probe = buildMnistFc(seed);
    const numParams = probe.countParams();
    probe.dispose();
    for (const line of formatSetup(s, name, numParams, seed)) log(line);
    log('');
    const specs = TRAININGS.filter((t) => s.trainings.includes(t.name));
    const width = Math.max(5, ...specs.map((t) => t.name.length));
    for (const spec of specs) rows.push(await runTraining(spec, data, s, seed, showProgress ? width : undefined));
    log('');
    for (const line of [...formatAccuracyTables(rows, s), ...formatHeadline(rows, s), ...formatTimings(rows, s)]) log(line);
  } finally {
    data.dispose();
  }
  const results = resultRows(rows, seed);
  const totalMs = performance.now() - t0;
  if (options.out) {
    writeFileSync(
      options.out,
      JSON.stringify({ experiment: 'mnist-unstructured', schedule: name, config: s, seed, backend, totalMs, results }, null, 1),
    );
    log(`results written to ${options.out}`);
  }
  const tensorsLeaked = finish();
  return { backend, seed, scheduleName: name, schedule: s, rows, results, totalMs, tensorsLeaked };
}
