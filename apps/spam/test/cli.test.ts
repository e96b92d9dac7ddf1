import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    expect(cfg.out).toBe('spam-report');
    const paper = parseCli(['--preset', 'paper', '--dataset', 'mnist,breast-cancer']) as RunConfig;
    expect(paper.schedules.mnist).toMatchObject({ epochs: 50, marglikEvery: 1, hyperSteps: 100, batchSize: 64, lr: 1e-3 });
    expect(paper.schedules['breast-cancer']).toMatchObject({ epochs: 50, marglikEvery: 1, hyperSteps: 100 });
    const custom = parseCli(['--quick', '--hessian', 'diag', '--prior', 'unitwise', '--epochs', '7', '--sparsities', '0.5,0.9', '--no-structured', '--raw']) as RunConfig;
    expect(custom.trainings.map((t) => t.name)).toEqual(['map', 'spam-diag-unitwise']);
    expect(custom.schedules.mnist.epochs).toBe(7);
    expect(custom.unitFractions).toEqual([]);
    expect(custom.standardize).toBe(false);
    expect(() => parseCli(['--dataset', 'imagenet'])).toThrow(/valid: mnist, .*cifar10/);
    expect(() => parseCli(['--model', 'resnet'])).toThrow(/valid: auto, mnist-fc, cancernet, lenet, mlp-reg/);
    expect(() => parseCli(['--criteria', 'opd,hessian'])).toThrow(/valid: opd, magnitude/);
    expect(() => parseCli(['--prior', 'laplace'])).toThrow(/valid: scalar, layerwise, unitwise, parameterwise/);
    expect(() => parseCli(['--backend', 'webgl'])).toThrow(/valid: auto, wasm, cpu, tensorflow/);
    expect(() => parseCli(['--trainings', 'kron+gauss'])).toThrow(/valid: map or <hessian>\+<prior>/);
    expect(() => parseCli(['--sparsities', '0.5,1'])).toThrow(/\[0, 1\)/);
    expect(() => parseCli(['--epochs', '0'])).toThrow(/>= 1/);
    expect(() => parseCli(['--bogus'])).toThrow(/bogus.*spam --help/);
    expect(parseCli(['-h'])).toBe('help');
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

  it('runs breast cancer end to end and writes report.json rows, report.md and plots without leaking', async () => {
    const out = mkdtempSync(join(tmpdir(), 'spam-report-'));
    const cfg = parseCli([
      '--dataset', 'breast-cancer', '--quick', '--epochs', '4', '--marglik-every', '2', '--hyper-steps', '5',
      '--criteria', 'opd,magnitude,random', '--sparsities', '0.5,0.9', '--unit-fractions', '0.5', '--out', out, '--backend', backend,
    ]) as RunConfig;
    const before = tf.memory().numTensors;
    const { report, files, tensorsLeaked } = await runSpam(cfg, { log: () => undefined, progress: false });
    expect(tensorsLeaked).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    expect(report.partial).toBe(false);
    const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(json.partial).toBe(false);
    // one row per training × (criteria × sparsities + the unpruned net)
    expect(json.results).toHaveLength(3 * (3 * 2 + 1));
    for (const r of json.results) {
      expect(Object.keys(r)).toEqual(expect.arrayContaining(['dataset', 'training', 'criterion', 'sparsity', 'seed', 'accuracy', 'nll', 'ece', 'brier']));
      expect(r.dataset).toBe('breast-cancer');
      expect(r.accuracy).toBeGreaterThanOrEqual(0);
      expect(r.accuracy).toBeLessThanOrEqual(1);
    }
    expect(new Set(json.results.map((r: { training: string }) => r.training))).toEqual(new Set(['map', 'spam-diag-parameterwise', 'spam-kron-unitwise']));
    // structured: 3 trainings × 3 unit criteria × 1 fraction, smaller models
    expect(json.structured).toHaveLength(9);
    for (const r of json.structured) expect(r.macsAfter).toBeLessThan(r.macsBefore);
    expect(json.precisions.length).toBeGreaterThan(0);
    expect(json.environment.backend).toBe(backend);
    expect(files.map((f) => f.split(/[\\/]/).pop())).toEqual(expect.arrayContaining(['report.json', 'report.md']));
    expect(files.some((f) => f.endsWith('.svg'))).toBe(true);
  }, 300_000);

  it('Ctrl-C leaves a partial report that says it is partial', async () => {
    const out = mkdtempSync(join(tmpdir(), 'spam-sigint-'));
    const child = spawn(process.execPath, [BIN, '--dataset', 'breast-cancer', '--epochs', '500', '--out', out, '--backend', backend], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const code = await new Promise<number | null>((resolveExit) => {
      const timer = setInterval(() => {
        if (/backend:/.test(output)) {
          clearInterval(timer);
          setTimeout(() => child.kill('SIGINT'), 3000);
        }
      }, 100);
      child.on('exit', (c) => {
        clearInterval(timer);
        resolveExit(c);
      });
    });
    expect(code).toBe(130);
    expect(existsSync(join(out, 'report.json'))).toBe(true);
    const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(json.partial).toBe(true);
    expect(json.partialReason).toMatch(/interrupted/);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/partial/i);
  }, 120_000);
});
