import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCli, runSpam, type RunConfig } from '../src/main.js';
import { probabilityMetrics } from '../src/report/calibration.js';

const backend = (process.env.SPAM_TEST_BACKEND ?? 'wasm') as 'wasm' | 'cpu';

describe('probabilityMetrics', () => {
  it('accuracy, NLL, Brier, ECE and bins by hand', () => {
    // Two examples, 2 classes: p = [0.9, 0.1] label 0 (right, conf 0.9), p = [0.3, 0.7] label 0 (wrong, conf 0.7).
    const m = probabilityMetrics([0.9, 0.1, 0.3, 0.7], [0, 0], 2);
    expect(m.accuracy).toBe(0.5);
    expect(m.nll).toBeCloseTo(-(Math.log(0.9) + Math.log(0.3)) / 2, 12);
    expect(m.brier).toBeCloseTo((0.01 + 0.01 + 0.49 + 0.49) / 2, 12);
    // Bin 9 (0.9): conf 0.9, acc 1; bin 7 (0.7): conf 0.7, acc 0 → ECE = ½·0.1 + ½·0.7.
    expect(m.ece).toBeCloseTo(0.4, 12);
    expect(m.reliability.count[9]).toBe(1);
    expect(m.reliability.count[7]).toBe(1);
    expect(m.reliability.accuracy[7]).toBe(0);
    expect(Number.isNaN(m.reliability.confidence[0])).toBe(true);
  });
});

describe('spam report: NLL / ECE / Brier of MAP, SpaM and SpaM + GLM predictive at each OPD sparsity', () => {
  it('breast-cancer: opd-glm rows, reliability bins, the calibration table and plots; no leaked tensors', async () => {
    const out = mkdtempSync(join(tmpdir(), 'spam-cal-'));
    const cfg = parseCli([
      '--dataset',
      'breast-cancer',
      '--trainings',
      'map,diag+scalar,kron+layerwise',
      '--epochs',
      '2',
      '--criteria',
      'opd,magnitude',
      '--sparsities',
      '0.5,0.9',
      '--no-structured',
      '--out',
      out,
      '--backend',
      backend,
    ]) as RunConfig;
    const before = tf.memory().numTensors;
    const { tensorsLeaked } = await runSpam(cfg, { log: () => undefined, progress: false });
    expect(tensorsLeaked).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      results: Array<{
        training: string;
        criterion: string;
        sparsity: number;
        nll: number;
        ece?: number;
        brier?: number;
        reliability?: unknown;
      }>;
    };
    const glm = json.results.filter((r) => r.criterion === 'opd-glm');
    // Two SpaM trainings × (unpruned + 2 sparsities); none for MAP.
    expect(glm.map((r) => `${r.training}@${r.sparsity}`).sort()).toEqual(
      ['spam-diag-scalar', 'spam-kron-layerwise'].flatMap((t) => [0, 0.5, 0.9].map((s) => `${t}@${s}`)).sort(),
    );
    for (const r of glm) {
      expect(Number.isFinite(r.nll) && Number.isFinite(r.ece!) && Number.isFinite(r.brier!)).toBe(true);
      expect(r.reliability).toBeDefined();
    }
    // Point-estimate bins on MAP's and SpaM's OPD rows (and the unpruned rows), not on magnitude's.
    expect(json.results.filter((r) => r.criterion === 'opd' && r.reliability).length).toBe(6);
    expect(json.results.filter((r) => r.criterion === 'magnitude' && r.reliability).length).toBe(0);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toMatch(/### Calibration: MAP, SpaM and SpaM \+ GLM predictive \(OPD\)/);
    expect(md).toMatch(/\| map \| MAP \| 50 % \|/);
    expect(md).toMatch(/\| spam-kron-layerwise \| SpaM \+ GLM \(probit\) \| 90 % \|/);
    expect(existsSync(join(out, 'plots', 'breast-cancer-reliability.svg'))).toBe(true);
    expect(readFileSync(join(out, 'plots', 'breast-cancer-nll.svg'), 'utf8')).toMatch(/opd-glm/);
  });
});
