/**
 * Ctrl-C on a real `spam` run, started as a user would (`npm start` from another folder, the `spam`
 * bin, `npx spam`), each in its own process group: SIGINT goes to the whole group, as a terminal
 * sends it, at several points of the run (data load, MAP training, a kron curvature fit, the sweep).
 * Within a few seconds the report must be saved marked `interrupted (SIGINT)`, the process gone
 * with exit code 130 (npm passes it on by dying of SIGINT itself), and no temporary file left.
 *
 * Needs the built packages (`npm run build`, as CI does before the tests); `npm start` runs with
 * SPAM_NO_BUILD=1 so the test does not rebuild them.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/spam.mjs', import.meta.url));
const backend = process.env.SPAM_TEST_BACKEND ?? 'wasm';
const scratch = mkdtempSync(join(tmpdir(), 'spam-signal-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  /** ms from SIGINT to report.json saying "interrupted", and to the process group's leader exiting. */
  savedMs: number;
  exitMs: number;
}

/** Starts `cmd` in its own process group, sends SIGINT to the group `delayMs` after `when` matches the output. */
function interruptWhen(cmd: string, args: string[], cwd: string, out: string, when: RegExp, delayMs = 0): Promise<Outcome> {
  const child = spawn(cmd, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SPAM_NO_BUILD: '1' } });
  let output = '';
  let matched = false;
  let sentAt = 0;
  let savedAt = 0;
  const send = () => {
    sentAt = performance.now();
    process.kill(-child.pid!, 'SIGINT');
  };
  const onData = (d: Buffer) => {
    output += d.toString();
    if (!matched && when.test(output)) {
      matched = true;
      setTimeout(send, delayMs);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const poll = setInterval(() => {
    if (!sentAt || savedAt) return;
    try {
      if (/interrupted/.test(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).partialReason)) savedAt = performance.now();
    } catch {
      // not written yet, or being replaced
    }
  }, 10);
  const deadline = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 90_000);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      const exitAt = performance.now();
      clearInterval(poll);
      clearTimeout(deadline);
      resolve({ code, signal, output, savedMs: (savedAt || exitAt) - sentAt, exitMs: exitAt - sentAt });
    });
  });
}

/** The checks every interrupted run must pass. */
function expectInterrupted(o: Outcome, out: string, viaNpm: boolean): Record<string, unknown> {
  expect(o.output).toMatch(/SIGINT: stopping the run/);
  if (viaNpm) expect(o.code === 130 || o.signal === 'SIGINT').toBe(true);
  else expect(o.code).toBe(130);
  expect(o.output).toContain(`partial report (SIGINT): ${join(out, 'report.json')}`);
  expect(o.savedMs).toBeLessThan(3000);
  expect(o.exitMs).toBeLessThan(5000);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  expect(report).toMatchObject({ partial: true, partialReason: 'interrupted (SIGINT)' });
  expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/Partial report — interrupted \(SIGINT\)/);
  const left = readdirSync(out, { recursive: true }).map(String);
  expect(left.filter((f) => f.endsWith('.tmp') || f.includes('write-check'))).toEqual([]);
  console.log(`SIGINT → report saved ${o.savedMs.toFixed(0)} ms, exit ${o.exitMs.toFixed(0)} ms`);
  return report;
}

const quick = ['--quick', '--backend', backend];

describe('Ctrl-C on a spam run', () => {
  it('npm start from another folder: during MAP training; the report lands in that folder (relative --out)', async () => {
    const cwd = mkdtempSync(join(scratch, 'caller-'));
    const out = join(cwd, 'rel-report');
    const o = await interruptWhen(
      'npm',
      ['--prefix', ROOT, 'start', '--', ...quick, '--dataset', 'breast-cancer', '--epochs', '2000', '--out', 'rel-report'],
      cwd,
      out,
      /model cancernet/,
    );
    expectInterrupted(o, out, true);
    expect(existsSync(join(ROOT, 'apps', 'spam', 'rel-report'))).toBe(false);
  }, 120_000);

  it('the spam bin: during the data load', async () => {
    const out = join(scratch, 'bin-load');
    const o = await interruptWhen(process.execPath, [BIN, ...quick, '--out', out], scratch, out, /backend:/);
    const report = expectInterrupted(o, out, false);
    expect(report.results).toEqual([]);
  }, 120_000);

  it('the spam bin: at the end of an epoch, in the kron curvature fit that blocks its thread for seconds', async () => {
    const out = join(scratch, 'bin-kron');
    const args = [BIN, ...quick, '--trainings', 'kron+unitwise', '--epochs', '1', '--out', out];
    // the 25 % line comes at batch 13 of 32; the fit starts ≈ 0.2 s later and lasts ≈ 1-2 s
    const o = await interruptWhen(process.execPath, args, scratch, out, /spam-kron-unitwise\s+\d+\/\d+/, 300);
    expectInterrupted(o, out, false);
  }, 120_000);

  it("npx spam: during the second training's sweep; the first training's rows are kept", async () => {
    const out = join(scratch, 'npx-sweep');
    const small = [
      '--epochs',
      '1',
      '--train-size',
      '1000',
      '--test-size',
      '300',
      '--criteria',
      'opd,magnitude,random',
      '--sparsities',
      '0.5,0.9,0.99',
      '--no-structured',
    ];
    const args = ['--no', '--', 'spam', ...quick, ...small, '--trainings', 'map,diag+parameterwise', '--jobs', '1', '--out', out];
    const o = await interruptWhen('npx', args, ROOT, out, /spam-diag-parameterwise[\s\S]*sweep\s+\d+\/\d+/);
    const report = expectInterrupted(o, out, true);
    const trainings = new Set((report.results as Array<{ training: string }>).map((r) => r.training));
    expect([...trainings]).toEqual(['map']);
    expect(report.results).toHaveLength(1 + 3 * 3); // unpruned + 3 criteria × 3 sparsities
  }, 120_000);

  it('the spam bin with --jobs 2 (trainings in parallel threads): every thread stopped, finished trainings kept whole', async () => {
    const out = join(scratch, 'bin-jobs');
    const small = [
      '--epochs',
      '1',
      '--train-size',
      '1000',
      '--test-size',
      '300',
      '--criteria',
      'opd,random',
      '--sparsities',
      '0.5,0.9',
      '--no-structured',
    ];
    const args = [BIN, ...quick, ...small, '--trainings', 'map,diag+parameterwise,kron+layerwise', '--jobs', '2', '--out', out];
    // Stop once some training's sweep has started: other parts are then training, sweeping or queued.
    const o = await interruptWhen(process.execPath, args, scratch, out, /\] sweep\s+\d+\/\d+/);
    expect(o.output).toMatch(/3 trainings on 2 worker threads/);
    const report = expectInterrupted(o, out, false);
    const rows = report.results as Array<{ training: string }>;
    for (const t of new Set(rows.map((r) => r.training))) expect(rows.filter((r) => r.training === t)).toHaveLength(1 + 2 * 2);
  }, 120_000);
});
