/**
 * `--jobs`: trainings as independent parts in parallel worker threads, merged into one report.
 * The merged report must hold exactly the rows a one-after-another run writes, in the same order.
 * Needs the built packages (`npm run build`, as CI does before the tests): it runs the bin.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { jobCount, mergeReports, planParts, startOrder } from '../src/job/parts.js';
import { newReport, environmentOf } from '../src/report/state.js';
import { parseCli, type RunConfig } from '../src/main.js';
import type { Report } from '../src/types.js';

const BIN = fileURLToPath(new URL('../bin/spam.mjs', import.meta.url));
const backend = process.env.SPAM_TEST_BACKEND ?? 'wasm';
const scratch = mkdtempSync(join(tmpdir(), 'spam-jobs-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('--jobs: planning and merging', () => {
  it('parses --jobs (auto by default, a positive integer, else a usage error)', () => {
    expect((parseCli([]) as RunConfig).jobs).toBe('auto');
    expect((parseCli(['--jobs', '3']) as RunConfig).jobs).toBe(3);
    expect(() => parseCli(['--jobs', '0'])).toThrow(/--jobs must be a positive integer/);
    expect(() => parseCli(['--jobs', 'many'])).toThrow(/--jobs/);
  });

  it('one part per data set × training in report order; the whole run as one part with --jobs 1 or one training', () => {
    const cfg = parseCli(['--dataset', 'mnist,breast-cancer', '--jobs', '2']) as RunConfig;
    const parts = planParts(cfg);
    expect(parts.map((p) => p.label)).toEqual(cfg.datasets.flatMap((d) => cfg.trainings.map((t) => `${d}/${t.name}`)));
    expect(parts.every((p) => p.cfg.datasets.length === 1 && p.cfg.trainings.length === 1)).toBe(true);
    expect(jobCount(cfg, parts.length)).toBe(2);
    expect(planParts({ ...cfg, jobs: 1 })).toHaveLength(1);
    expect(planParts({ ...cfg, datasets: ['mnist'], trainings: [cfg.trainings[0]] })).toHaveLength(1);
    // Marglik trainings (kron first) before MAP, ties in report order.
    const order = startOrder(parts).map((i) => parts[i].label.split('/')[1]);
    expect(order.slice(0, 2)).toEqual(['spam-kron-unitwise', 'spam-kron-unitwise']);
    expect(order.slice(-2)).toEqual(['map', 'map']);
  });

  it('merges parts in part order, whatever order they finished in; keeps the base status and config', () => {
    const cfg = parseCli(['--jobs', '2']) as RunConfig;
    const base = newReport(cfg, ['--jobs', '2'], environmentOf('?', '?'));
    const part = (t: string): Report => ({
      ...newReport(cfg, [], environmentOf('4.22.0', 'wasm')),
      results: [{ training: t } as unknown as Report['results'][number]],
      timings: [
        { stage: `${t}/train`, ms: 1 },
        { stage: 'total', ms: 2 },
      ],
    });
    const merged = mergeReports(base, [part('a'), undefined, part('c')]);
    expect(merged.results.map((r) => r.training)).toEqual(['a', 'c']);
    expect(merged.timings.map((t) => t.stage)).toEqual(['a/train', 'c/train']);
    expect(merged.environment.backend).toBe('wasm');
    expect(merged.partialReason).toBe('running');
    expect(merged.config).toBe(base.config);
  });
});

describe('--jobs: a parallel run writes the report of a sequential run', () => {
  it('breast cancer, three trainings: --jobs 3 and --jobs 1 give the same rows in the same order, no leaks', () => {
    const run = (jobs: string) => {
      const out = join(scratch, `jobs-${jobs}`);
      const args = [BIN, '--quick', '--dataset', 'breast-cancer', '--backend', backend, '--jobs', jobs, '--out', out];
      const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 300_000 });
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/tensors leaked: 0/);
      return { stdout: r.stdout, report: JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report };
    };
    const seq = run('1');
    const par = run('3');
    expect(par.stdout).toMatch(/3 trainings on 3 worker threads/);
    expect(par.report.partial).toBe(false);
    expect(par.report.results.length).toBeGreaterThan(3);
    expect(par.report.results).toEqual(seq.report.results);
    expect(par.report.precisions).toEqual(seq.report.precisions);
    const noLatency = (rows: Report['structured']) => rows.map((r) => ({ ...r, latencyMs: undefined }));
    expect(noLatency(par.report.structured)).toEqual(noLatency(seq.report.structured));
    expect(par.report.timings.at(-1)?.stage).toBe('total');
    // The summary table is printed once, by the main thread.
    expect(par.stdout.match(/breast-cancer: test accuracy/g)).toHaveLength(1);
  }, 600_000);
});
