import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCli, runSpam, type RunConfig } from '../src/main.js';

const backend = (process.env.SPAM_TEST_BACKEND ?? 'wasm') as 'wasm' | 'cpu';

describe('spam --model resnet|vit|mixer', () => {
  it('takes the graph architectures and gives the image models image inputs', () => {
    for (const m of ['resnet', 'vit', 'mixer']) expect((parseCli(['--model', m]) as RunConfig).model).toBe(m);
  });

  it('runs the residual Mixer and the BN ResNet on a few MNIST digits into one report: sweep rows with GraSP and SynFlow, no structured rows with --no-structured (structured-graph.test.ts runs that stage), no leak', async () => {
    for (const model of ['mixer', 'resnet']) {
      const out = mkdtempSync(join(tmpdir(), `spam-${model}-`));
      const cfg = parseCli([
        '--model',
        model,
        '--quick',
        '--train-size',
        '128',
        '--test-size',
        '64',
        '--epochs',
        '1',
        '--hyper-steps',
        '2',
        '--batch-size',
        '32',
        '--trainings',
        'map,diag+parameterwise',
        '--criteria',
        'opd,magnitude,grasp,synflow',
        '--sparsities',
        '0.5,0.9',
        '--no-structured',
        '--out',
        out,
        '--backend',
        backend,
      ]) as RunConfig;
      const lines: string[] = [];
      const before = tf.memory().numTensors;
      const { tensorsLeaked } = await runSpam(cfg, { log: (l) => lines.push(l), progress: false });
      expect(tensorsLeaked).toBe(0);
      expect(tf.memory().numTensors).toBe(before);
      const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
      expect(json.partial).toBe(false);
      // 2 trainings × (4 criteria × 2 sparsities + the unpruned net): GraSP and SynFlow run on graphs.
      // (Rows of the GLM-predictive stage, criterion 'opd-glm…', are not counted here.)
      const sweep = json.results.filter((r: { criterion: string }) =>
        ['none', 'opd', 'magnitude', 'grasp', 'synflow'].includes(r.criterion),
      );
      expect(sweep).toHaveLength(2 * (4 * 2 + 1));
      for (const c of ['grasp', 'synflow'])
        expect(json.results.filter((r: { criterion: string }) => r.criterion === c)).toHaveLength(2 * 2);
      expect(json.structured).toHaveLength(0);
      expect(lines.join('\n')).not.toMatch(/skipped for/);
      expect(lines.join('\n')).not.toMatch(/structured:/);
      for (const r of json.results) {
        expect(r.accuracy).toBeGreaterThanOrEqual(0);
        expect(r.accuracy).toBeLessThanOrEqual(1);
        expect(Number.isFinite(r.nll)).toBe(true);
      }
    }
  }, 300_000);
});
