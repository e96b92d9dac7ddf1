import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCli, runSpam, type RunConfig } from '../src/main.js';

const backend = (process.env.SPAM_TEST_BACKEND ?? 'wasm') as 'wasm' | 'cpu';
const BIN = fileURLToPath(new URL('../bin/spam.mjs', import.meta.url));

describe('spam: flags', () => {
  it('applies defaults and presets, and names the valid values of a bad flag', () => {
    const cfg = parseCli([]) as RunConfig;
    expect(cfg.datasets).toEqual(['mnist']);
    expect(cfg.trainings.map((t) => t.name)).toEqual(['map', 'spam-diag-parameterwise', 'spam-kron-unitwise']);
    expect(cfg.criteria).toEqual(['opd', 'magnitude', 'obd', 'snip', 'grasp', 'synflow', 'random']);
    expect(cfg.out).toBe(resolve('spam-report'));
    const paper = parseCli(['--preset', 'paper', '--dataset', 'mnist,breast-cancer']) as RunConfig;
    expect(paper.schedules.mnist).toMatchObject({ epochs: 50, marglikEvery: 1, hyperSteps: 100, batchSize: 64, lr: 1e-3 });
    expect(paper.schedules['breast-cancer']).toMatchObject({ epochs: 50, marglikEvery: 1, hyperSteps: 100 });
    const custom = parseCli([
      '--quick',
      '--hessian',
      'diag',
      '--prior',
      'unitwise',
      '--epochs',
      '7',
      '--sparsities',
      '0.5,0.9',
      '--no-structured',
      '--raw',
    ]) as RunConfig;
    expect(custom.trainings.map((t) => t.name)).toEqual(['map', 'spam-diag-unitwise']);
    expect(custom.schedules.mnist.epochs).toBe(7);
    expect(custom.unitFractions).toEqual([]);
    expect(custom.standardize).toBe(false);
    expect(() => parseCli(['--dataset', 'imagenet'])).toThrow(/valid: mnist, .*cifar10/);
    expect(() => parseCli(['--model', 'resnet50'])).toThrow(/valid: auto, mnist-fc, cancernet, lenet, mlp-reg, resnet, vit, mixer/);
    expect(() => parseCli(['--criteria', 'opd,hessian'])).toThrow(/valid: opd, magnitude/);
    expect(() => parseCli(['--prior', 'laplace'])).toThrow(/valid: scalar, layerwise, unitwise, parameterwise/);
    expect(() => parseCli(['--backend', 'webgl'])).toThrow(/valid: auto, wasm, cpu, tensorflow/);
    expect(() => parseCli(['--trainings', 'kron+gauss'])).toThrow(/valid: map or <hessian>\+<prior>/);
    expect(() => parseCli(['--sparsities', '0.5,1'])).toThrow(/\[0, 1\)/);
    expect(() => parseCli(['--epochs', '0'])).toThrow(/>= 1/);
    expect(() => parseCli(['--bogus'])).toThrow(/bogus.*spam --help/);
    expect(parseCli(['-h'])).toBe('help');
  });

  it('says what a numeric flag takes, also for negative values', () => {
    expect(() => parseCli(['--epochs', '-1'])).toThrow(/--epochs must be a positive integer \(>= 1\), got '-1'/);
    expect(() => parseCli(['--seed', '-3'])).toThrow(/--seed must be a non-negative integer \(>= 0\), got '-3'/);
    expect(() => parseCli(['--lr', '-0.5'])).toThrow(/--lr must be a positive finite number, got '-0.5'/);
    expect(() => parseCli(['--lr', 'Infinity'])).toThrow(/--lr must be a positive finite number/);
    expect(() => parseCli(['--burn-in', ' '])).toThrow(/--burn-in must be a non-negative integer/);
    expect(() => parseCli(['--sparsities', '-0.5'])).toThrow(/--sparsities takes comma-separated fractions in \[0, 1\), got '-0.5'/);
    expect((parseCli(['--epochs=7']) as RunConfig).schedules.mnist.epochs).toBe(7);
  });

  it('rejects an empty list or path instead of falling back to the defaults', () => {
    for (const flag of ['--sparsities', '--unit-fractions', '--criteria', '--unit-criteria', '--trainings', '--dataset']) {
      expect(() => parseCli([flag, ''])).toThrow(new RegExp(`${flag} is empty`));
      expect(() => parseCli([flag, ' , '])).toThrow(new RegExp(`${flag} is empty`));
    }
    expect(() => parseCli(['--sparsities', '0.5,,0.9'])).toThrow(/fractions in \[0, 1\), got '0.5,,0.9'/);
    expect(() => parseCli(['--out', ''])).toThrow(/--out is empty/);
  });
});

describe('spam: run', () => {
  it('fails on an unwritable --out before training starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spam-cli-'));
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const cfg = parseCli(['--dataset', 'breast-cancer', '--out', join(file, 'report'), '--backend', backend]) as RunConfig;
    const lines: string[] = [];
    await expect(runSpam(cfg, { log: (l) => lines.push(l), progress: false })).rejects.toThrow(/a-file/);
    expect(lines.join('\n')).not.toMatch(/model cancernet/);
  });

  it.skipIf(!existsSync('/proc/self'))(
    'refuses --out on /proc at once (it used to hang), before any thread or backend starts',
    async () => {
      const started = performance.now();
      const { code, output } = await new Promise<{ code: number | null; output: string }>((done) => {
        const child = spawn(process.execPath, [BIN, '--quick', '--out', '/proc/spam-test/report'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.on('data', (d) => (output += d));
        child.stderr.on('data', (d) => (output += d));
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.on('exit', (c) => (clearTimeout(timer), done({ code: c, output })));
      });
      expect(code).toBe(1);
      expect(output).toMatch(/spam: ReportDirError: cannot write the report to '\/proc\/spam-test\/report'.*proc pseudo filesystem/);
      expect(output).not.toMatch(/backend:|report →/);
      expect(performance.now() - started).toBeLessThan(20_000);
    },
    60_000,
  );

  it('runs breast cancer end to end and writes report.json rows, report.md and plots without leaking', async () => {
    const out = mkdtempSync(join(tmpdir(), 'spam-report-'));
    const cfg = parseCli([
      '--dataset',
      'breast-cancer',
      '--quick',
      '--epochs',
      '4',
      '--marglik-every',
      '2',
      '--hyper-steps',
      '5',
      '--criteria',
      'opd,magnitude,random',
      '--sparsities',
      '0.5,0.9',
      '--unit-fractions',
      '0.5',
      '--out',
      out,
      '--backend',
      backend,
    ]) as RunConfig;
    const before = tf.memory().numTensors;
    const { report, files, tensorsLeaked } = await runSpam(cfg, { log: () => undefined, progress: false });
    expect(tensorsLeaked).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    expect(report.partial).toBe(false);
    const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(json.partial).toBe(false);
    // the sweep: one row per training × (criteria × sparsities + the unpruned net)
    const sweep = json.results.filter((r: { criterion: string }) => !r.criterion.startsWith('opd-glm'));
    expect(sweep).toHaveLength(3 * (3 * 2 + 1));
    // the GLM predictive rows: SpaM trainings × (opd-glm, opd-glm-tuned) × (sparsities + the unpruned net)
    const glm = json.results.filter((r: { criterion: string; training: string }) => r.criterion.startsWith('opd-glm'));
    expect(glm).toHaveLength(2 * 2 * (2 + 1));
    expect(glm.every((r: { training: string }) => r.training !== 'map')).toBe(true);
    for (const r of json.results) {
      expect(Object.keys(r)).toEqual(
        expect.arrayContaining(['dataset', 'training', 'criterion', 'sparsity', 'seed', 'accuracy', 'nll', 'ece', 'brier']),
      );
      expect(r.dataset).toBe('breast-cancer');
      expect(r.accuracy).toBeGreaterThanOrEqual(0);
      expect(r.accuracy).toBeLessThanOrEqual(1);
    }
    expect(new Set(json.results.map((r: { training: string }) => r.training))).toEqual(
      new Set(['map', 'spam-diag-parameterwise', 'spam-kron-unitwise']),
    );
    // structured: 3 trainings × 3 unit criteria × 1 fraction, smaller models
    expect(json.structured).toHaveLength(9);
    for (const r of json.structured) expect(r.macsAfter).toBeLessThan(r.macsBefore);
    expect(json.precisions.length).toBeGreaterThan(0);
    expect(json.environment.backend).toBe(backend);
    expect(files.map((f) => f.split(/[\\/]/).pop())).toEqual(expect.arrayContaining(['report.json', 'report.md']));
    expect(files.some((f) => f.endsWith('.svg'))).toBe(true);
  }, 300_000);

  it('says it overwrites an earlier report; stops at the next step when its signal aborts, saves the report marked interrupted, frees every tensor', async () => {
    const out = mkdtempSync(join(tmpdir(), 'spam-abort-'));
    const cfg = parseCli([
      '--dataset',
      'breast-cancer',
      '--epochs',
      '500',
      '--trainings',
      'kron+unitwise',
      '--out',
      out,
      '--backend',
      backend,
    ]) as RunConfig;
    writeFileSync(join(out, 'report.json'), '{"an": "earlier report"}');
    const controller = new AbortController();
    const lines: string[] = [];
    let abortedAt = 0;
    const before = tf.memory().numTensors;
    const run = runSpam(cfg, {
      progress: false,
      signal: controller.signal,
      log: (l) => {
        lines.push(l);
        // the model line comes just before the first training starts
        if (/model cancernet/.test(l)) setTimeout(() => ((abortedAt = performance.now()), controller.abort('test')), 500);
      },
    });
    const { report, interrupted, tensorsLeaked } = await run;
    const stopMs = performance.now() - abortedAt;
    expect(abortedAt).toBeGreaterThan(0);
    expect(lines).toContain(`report: ${out} holds an earlier report; overwriting report.json`);
    expect(interrupted).toBe(true);
    // 500 epochs take minutes: stopping within a couple of seconds means it stopped mid-training
    expect(stopMs).toBeLessThan(3000);
    expect(tensorsLeaked).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    expect(report.partialReason).toBe('interrupted (test)');
    const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(json).toMatchObject({ partial: true, partialReason: 'interrupted (test)', results: [] });
  }, 120_000);
});
