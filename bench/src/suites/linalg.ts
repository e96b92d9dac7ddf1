import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { eigh, eigvalsh } from '@spam/laplace';
import { eighTql2 } from '../lib/eigh-tql2.js';
import { mulberry32 } from '../lib/mnist.js';
import { median, round } from '../lib/stats.js';
import { formatTable } from '../lib/table.js';
import type { Suite, SuiteContext, SuiteOutput } from './types.js';

/** A row of `bench/results/linalg.json`: median wall and CPU seconds of one method at one size. */
export interface LinalgRow {
  /**
   * `eigh` (this package: Householder + divide and conquer), `eigvalsh` (values only), `eigh-tql2`
   * (the previous tred2/tql2 eigh), `numpy-eigh` (numpy.linalg.eigh, OpenBLAS default threads),
   * `numpy-eigh-1thread` (OPENBLAS_NUM_THREADS=1).
   */
  task: 'eigh' | 'eigvalsh' | 'eigh-tql2' | 'numpy-eigh' | 'numpy-eigh-1thread';
  n: number;
  seconds: number;
  /** CPU seconds of the process (JS rows; numpy: process_time, all OpenBLAS threads). */
  cpuSeconds: number;
  repeats: number;
  /** 1-minute load average at the start and the end of the suite. */
  loadStart: number;
  loadEnd: number;
}

type Task = LinalgRow['task'];
const SIZES = [301, 501, 785];
const TARGET_N = 785;

/** A Wishart-like SPD matrix XᵀX/m (m = 2n): the shape of a KFAC factor. */
function spd(n: number, seed: number): Float64Array {
  const rand = mulberry32(seed);
  const m = 2 * n;
  const x = new Float64Array(m * n).map(() => rand() - 0.5);
  const a = new Float64Array(n * n);
  for (let k = 0; k < m; k++) {
    for (let i = 0; i < n; i++) {
      const xi = x[k * n + i] / m;
      for (let j = 0; j < n; j++) a[i * n + j] += xi * x[k * n + j];
    }
  }
  return a;
}

/** Wall and CPU seconds of one call. */
function timeOnce(run: () => unknown): [number, number] {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  run();
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return [wall, (used.user + used.system) / 1e6];
}

const NUMPY = `
import sys, time, json
import numpy as np
out = {}
for path in sys.argv[1:]:
    a = np.fromfile(path, dtype='<f8'); n = int(round(len(a) ** 0.5)); a = a.reshape(n, n)
    np.linalg.eigh(a)
    w0 = time.perf_counter(); c0 = time.process_time(); np.linalg.eigh(a)
    out[n] = [time.perf_counter() - w0, time.process_time() - c0]
print(json.dumps(out))`;

/** One timed numpy.linalg.eigh per matrix file (after a warm-up), or null without python3 + numpy. */
function numpyRound(files: string[], oneThread: boolean): Record<string, [number, number]> | null {
  const env = oneThread ? { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' } : process.env;
  for (const py of ['python3', '/usr/bin/python3']) {
    try {
      const out = execFileSync(py, ['-c', NUMPY, ...files], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'ignore'] });
      return JSON.parse(out) as Record<string, [number, number]>;
    } catch {
      // try the next interpreter
    }
  }
  return null;
}

/**
 * Interleaved rounds (every method at every size, then again) so that a load spike from other
 * processes hits all methods alike; medians per method and size.
 */
async function run(ctx: SuiteContext): Promise<SuiteOutput<LinalgRow>> {
  const loadStart = loadavg()[0];
  const sizes = ctx.quick ? [101, 301] : SIZES;
  const repeats = Math.max(ctx.repeats, ctx.quick ? 1 : 5);
  const mats = new Map(sizes.map((n) => [n, spd(n, n)]));
  const dir = mkdtempSync(join(tmpdir(), 'spam-linalg-'));
  const files = sizes.map((n) => {
    const f = join(dir, `a${n}.f64`);
    writeFileSync(f, Buffer.from(mats.get(n)!.buffer));
    return f;
  });
  const samples = new Map<string, [number, number][]>();
  const add = (task: Task, n: number, t: [number, number]) => {
    const key = `${task}:${n}`;
    samples.set(key, [...(samples.get(key) ?? []), t]);
  };
  let numpy = true;
  try {
    for (const [n, a] of mats) {
      eigh(a, n); // warm-up (JIT)
      eigvalsh(a, n);
      eighTql2(a, n);
    }
    for (let r = 0; r < repeats; r++) {
      for (const [n, a] of mats) {
        add(
          'eigh',
          n,
          timeOnce(() => eigh(a, n)),
        );
        add(
          'eigvalsh',
          n,
          timeOnce(() => eigvalsh(a, n)),
        );
        add(
          'eigh-tql2',
          n,
          timeOnce(() => eighTql2(a, n)),
        );
      }
      for (const oneThread of [false, true]) {
        const np = numpy ? numpyRound(files, oneThread) : null;
        if (!np) {
          numpy = false;
          continue;
        }
        for (const n of sizes) add(oneThread ? 'numpy-eigh-1thread' : 'numpy-eigh', n, np[n]);
      }
      ctx.log(`  round ${r + 1}/${repeats} done (load avg ${loadavg()[0].toFixed(2)})`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const loadEnd = loadavg()[0];
  const rows: LinalgRow[] = [];
  const med = (task: Task, n: number): [number, number] | null => {
    const s = samples.get(`${task}:${n}`);
    return s ? [median(s.map((t) => t[0])), median(s.map((t) => t[1]))] : null;
  };
  const tasks: Task[] = ['eigh', 'eigvalsh', 'eigh-tql2', 'numpy-eigh', 'numpy-eigh-1thread'];
  for (const n of sizes) {
    for (const task of tasks) {
      const m = med(task, n);
      if (m)
        rows.push({
          task,
          n,
          seconds: round(m[0], 4),
          cpuSeconds: round(m[1], 4),
          repeats,
          loadStart: round(loadStart, 2),
          loadEnd: round(loadEnd, 2),
        });
    }
  }
  const fmt = (x: [number, number] | null) => (x ? x[0].toFixed(3) : '—');
  const ratio = (x: [number, number] | null, y: [number, number] | null, i = 0) => (x && y ? `${(x[i] / y[i]).toFixed(1)}×` : '—');
  // LAPACK's best in this run: under load, OpenBLAS's default threads can be far slower than one thread.
  const best = (n: number): [number, number] | null => {
    const [np, np1] = [med('numpy-eigh', n), med('numpy-eigh-1thread', n)];
    return np && np1 ? (np[0] <= np1[0] ? np : np1) : (np ?? np1);
  };
  const table = sizes.map((n) => {
    const [e, v, old, np, np1] = tasks.map((t) => med(t, n));
    return [n, fmt(e), fmt(v), fmt(old), fmt(np), fmt(np1), ratio(old, e), ratio(e, best(n)), ratio(e, np1, 1)];
  });
  const e785 = med('eigh', TARGET_N);
  const np785 = best(TARGET_N);
  const verdict =
    e785 && np785
      ? `eigh(${TARGET_N}) / best numpy = ${(e785[0] / np785[0]).toFixed(1)}× wall (target ≤ 2×: ${e785[0] <= 2 * np785[0] ? 'met' : 'NOT met'})`
      : `target eigh(${TARGET_N}) ≤ 2× numpy: not measured${numpy ? '' : ' (python3 with numpy not found)'}`;
  const report =
    `Symmetric eigendecomposition, float64, median wall seconds of ${repeats} interleaved rounds ` +
    `(single-threaded JS; numpy = numpy.linalg.eigh on the same matrices, OpenBLAS default threads and 1 thread):\n` +
    formatTable(
      ['n', 'eigh', 'eigvalsh', 'old tql2', 'numpy', 'numpy 1T', 'old / eigh', 'eigh / best numpy', 'eigh / numpy 1T (CPU s)'],
      table,
    ) +
    `\n${verdict}\n1-minute load average ${loadStart.toFixed(2)} at the start, ${loadEnd.toFixed(2)} at the end ` +
    `(${cpus().length} logical CPUs, ${cpus()[0]?.model ?? '?'}; CPU seconds are in the JSON).`;
  return { rows, report };
}

/** eigh (divide and conquer) vs the previous tred2/tql2 eigh vs numpy.linalg.eigh, n = 301, 501, 785. */
export const linalgSuite: Suite = {
  name: 'linalg',
  description: 'float64 eigh (divide and conquer) vs the previous tred2/tql2 and numpy.linalg.eigh, n = 301/501/785 (no tfjs)',
  run,
};
