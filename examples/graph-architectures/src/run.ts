/** The graph-architectures experiment: every model × training of the schedule, its sweep, the report. */
import { writeFileSync } from 'node:fs';
import { architectureLayout, startRun, type RunContextOptions } from '@spam/harness';
import { loadMnist } from './data.js';
import { formatAccuracyTables, formatTimings, resultRows, type ResultRow } from './report.js';
import { resolveSchedule, type Schedule, type ScheduleName, type ScheduleOptions } from './schedule.js';
import { runTraining, type TrainingRow } from './training.js';

/** Options of {@link run}. */
export interface RunOptions extends ScheduleOptions, RunContextOptions {
  /** Seed of the initial weights (shared by every training of a model). Default 0. */
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
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`seed must be an integer >= 0, got ${seed}`);
  const { name, schedule } = resolveSchedule(options);
  if (options.out) writeFileSync(options.out, '{"partial": true}\n'); // fail early on an unwritable path
  const t0 = performance.now();
  const { log, showProgress, backend, finish } = await startRun(options);
  const rows: TrainingRow[] = [];
  const width = Math.max(...schedule.models.flatMap((m) => schedule.trainings[m].map((t) => `${m} ${t.name}`.length)), 10);
  for (const m of schedule.models) {
    const s = schedule.perModel[m];
    const data = loadMnist(architectureLayout(m), { trainSize: s.trainSize, testSize: s.testSize, dataDir: options.dataDir });
    try {
      log(
        `\n${m}: MNIST ${s.trainSize} train / ${s.testSize} test, Adam ${s.lr}, batch ${s.batchSize}, ${s.epochs} epochs; ` +
          `SpaM: a marglik step every ${s.marglikEvery} epoch(s), K = ${s.hyperSteps}; SNIP on ${s.scoreExamples} digits`,
      );
      for (const spec of schedule.trainings[m]) {
        rows.push(await runTraining(m, spec, data, s, schedule, seed, showProgress ? width : undefined));
      }
    } finally {
      data.dispose();
    }
  }
  log('');
  for (const line of [...formatAccuracyTables(rows, schedule), ...formatTimings(rows, schedule)]) log(line);
  const totalMs = performance.now() - t0;
  log(`total ${(totalMs / 60000).toFixed(1)} min`);
  const results = resultRows(rows, seed);
  if (options.out) {
    const times = rows.map((r) => ({ model: r.model, training: r.name, ...r.times }));
    writeFileSync(
      options.out,
      JSON.stringify(
        { experiment: 'graph-architectures', schedule: name, config: schedule, seed, backend, totalMs, times, results },
        null,
        1,
      ),
    );
    log(`results written to ${options.out}`);
  }
  const tensorsLeaked = finish();
  return { backend, seed, scheduleName: name, schedule, rows, results, totalMs, tensorsLeaked };
}
