import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { marglikTraining, predictive, type ClassificationPredictive } from '@spam/laplace';
import { opdScores, scoreMask } from '@spam/prune';
import { runPredictiveStage, TEMPERATURE_GRID, tuneTemperature, tuningSplitSize } from '../src/predictive-stage.js';
import { calibrationTable, GLM_CRITERION, GLM_TUNED_CRITERION, probabilityMetrics } from '../src/report/calibration.js';
import type { Dataset, ResultRow } from '../src/types.js';

/** The probit predictive by hand: softmax(μ_k / √(1 + π/8 · T · v_kk)). */
function probitByHand(mu: number[][], v: number[][], t: number): number[][] {
  return mu.map((row, i) => {
    const z = row.map((m, c) => m / Math.sqrt(1 + (Math.PI / 8) * t * v[i][c]));
    const e = z.map((x) => Math.exp(x - Math.max(...z)));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / s);
  });
}

describe('tuneTemperature (probit GLM, T scales f_var)', () => {
  // 3 classes: two confident right predictions, one confident wrong one: some variance helps.
  const mu = [
    [4, 0, 0],
    [0, 5, 0],
    [6, 0, 1],
  ];
  const v = [
    [2, 1, 1],
    [1, 3, 1],
    [8, 2, 2],
  ];
  const fVarOf = (vv: number[][]) =>
    tf.tensor3d(
      vv.flatMap((d) => d.flatMap((x, a) => d.map((_, b) => (a === b ? x : 0)))),
      [vv.length, 3, 3],
    );

  it('picks the grid value whose NLL, computed by hand, is lowest (an interior value here)', () => {
    const labels = [0, 1, 2];
    const fMu = tf.tensor2d(mu);
    const fVar = fVarOf(v);
    const before = tf.memory().numTensors;
    const t = tuneTemperature(fMu, fVar, labels);
    expect(tf.memory().numTensors).toBe(before);
    const nll = TEMPERATURE_GRID.map((g) => -probitByHand(mu, v, g).reduce((s, p, i) => s + Math.log(p[labels[i]]), 0) / 3);
    const best = TEMPERATURE_GRID[nll.indexOf(Math.min(...nll))];
    expect(t).toBe(best);
    expect(t).toBeGreaterThan(TEMPERATURE_GRID[0]);
    expect(t).toBeLessThan(TEMPERATURE_GRID[TEMPERATURE_GRID.length - 1]);
    tf.dispose([fMu, fVar]);
  });

  it('every prediction right: the smallest T (the point estimate) wins', () => {
    const fMu = tf.tensor2d(mu);
    const fVar = fVarOf(v);
    expect(tuneTemperature(fMu, fVar, [0, 1, 0])).toBe(TEMPERATURE_GRID[0]);
    tf.dispose([fMu, fVar]);
  });

  it('tuning split: min(500, N/10) examples, none below 10', () => {
    expect(tuningSplitSize(8000)).toBe(500);
    expect(tuningSplitSize(455)).toBe(45);
    expect(tuningSplitSize(99)).toBe(0);
  });
});

describe('runPredictiveStage: opd-glm and opd-glm-tuned rows', () => {
  it('T = 1 row and tuned row match predictive() with temperature 1 and the tuned T; no leaked tensors', async () => {
    const n = 120;
    const xTrain = tf.randomNormal([n, 6], 0, 1, 'float32', 11);
    const w = tf.randomNormal([6, 3], 0, 1, 'float32', 12);
    const yTrain = tf.tidy(() => tf.argMax(tf.add(tf.matMul(xTrain, w), tf.randomNormal([n, 3], 0, 1.5, 'float32', 13)), 1).toInt());
    const xTest = tf.randomNormal([40, 6], 0, 1, 'float32', 14);
    const yTest = tf.tidy(() => tf.argMax(tf.add(tf.matMul(xTest, w), tf.randomNormal([40, 3], 0, 1.5, 'float32', 15)), 1).toInt());
    const data: Dataset = {
      name: 'toy',
      description: 'toy',
      likelihood: 'classification',
      inputShape: [6],
      outputDim: 3,
      xTrain,
      yTrain,
      xTest,
      yTest,
      dispose: () => tf.dispose([xTrain, yTrain, xTest, yTest]),
    };
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [6], units: 8, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 16 }) }),
        tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 17 }) }),
      ],
    });
    const result = await marglikTraining(
      model,
      { xs: xTrain, ys: yTrain, batchSize: 32 },
      { likelihood: 'classification', structure: 'kron', prior: 'unitwise', epochs: 4, marglikEvery: 2, hyperSteps: 10, lr: 0.01 },
    );
    const opd = opdScores(result.laplace, result.prior);
    const before = tf.memory().numTensors;
    const stage = await runPredictiveStage({
      data,
      model,
      training: 'spam-kron-unitwise',
      map: false,
      result,
      opd,
      sparsities: [0.5],
      seed: 1,
      batchSize: 32,
      curvature: 'ggn',
      checkpoint: () => undefined,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(stage.glm.map((r) => `${r.criterion}@${r.sparsity}`).sort()).toEqual(
      [`${GLM_CRITERION}@0`, `${GLM_CRITERION}@0.5`, `${GLM_TUNED_CRITERION}@0`, `${GLM_TUNED_CRITERION}@0.5`].sort(),
    );
    // Independently: the library's predictive on the stage's posterior (a diagonal fit, as the stage makes for kron).
    const { fitLaplace } = await import('@spam/laplace');
    const la = await fitLaplace(model, { xs: xTrain, ys: yTrain, batchSize: 32 }, { likelihood: 'classification', structure: 'diag' });
    const originals = model.getWeights().map((t) => t.clone());
    const labels = yTest.dataSync();
    for (const sparsity of [0, 0.5]) {
      const mask = sparsity > 0 ? scoreMask(opd, { sparsity }) : undefined;
      if (mask) {
        const keep = mask.toTensors();
        model.setWeights(originals.map((t, i) => tf.mul(t, keep[i])));
        tf.dispose(keep);
      }
      const tuned = stage.glm.find((r) => r.criterion === GLM_TUNED_CRITERION && r.sparsity === sparsity)!;
      expect(TEMPERATURE_GRID).toContain(tuned.temperature);
      expect(tuned.temperature).not.toBe(1); // else the two comparisons below would be one
      for (const [criterion, temperature] of [
        [GLM_CRITERION, 1],
        [GLM_TUNED_CRITERION, tuned.temperature!],
      ] as const) {
        const pred = (await predictive(la, model, xTest, { prior: result.prior, mask, temperature })) as ClassificationPredictive;
        const want = probabilityMetrics(pred.probs.dataSync(), labels, 3);
        pred.probs.dispose();
        const got = stage.glm.find((r) => r.criterion === criterion && r.sparsity === sparsity)!;
        expect(got.nll).toBeCloseTo(want.nll, 5);
        expect(got.ece!).toBeCloseTo(want.ece, 5);
      }
      model.setWeights(originals);
    }
    tf.dispose(originals);
    la.dispose();
    opd.dispose();
    result.laplace.dispose();
    result.prior.dispose();
    model.dispose();
    data.dispose();
  });
});

describe('calibrationTable with opd-glm-tuned rows', () => {
  it('a T column (– for the other predictives), the tuned rows after the T = 1 rows, the explanation', () => {
    const row = (training: string, criterion: string, sparsity: number, nll: number, temperature?: number): ResultRow => ({
      dataset: 'd',
      training,
      criterion,
      sparsity,
      seed: 1,
      accuracy: 0.9,
      nll,
      ece: 0.01,
      brier: 0.1,
      ...(temperature === undefined ? {} : { temperature }),
    });
    const md = calibrationTable([
      row('spam-a', GLM_TUNED_CRITERION, 0.5, 0.2, 0.0316),
      row('spam-a', GLM_CRITERION, 0.5, 0.4),
      row('spam-a', 'opd', 0.5, 0.21),
      row('map', 'opd', 0.5, 0.3),
    ]);
    const lines = md.split('\n').filter((l) => l.startsWith('| '));
    expect(lines[0]).toBe('| training | predictive | sparsity | accuracy | NLL | ECE | Brier | T |');
    expect(lines.slice(1).map((l) => l.split(' | ')[1])).toEqual([
      'MAP',
      'SpaM (point)',
      'SpaM + GLM (probit)',
      'SpaM + GLM (probit, T tuned)',
    ]);
    expect(lines[1].endsWith(' – |')).toBe(true);
    expect(lines[4].endsWith(' 3.2e-2 |')).toBe(true);
    expect(md).toMatch(/chosen by NLL on the last min\(500, N\/10\) examples of the training split/);
    expect(md).toMatch(/underconfident/);
  });

  it('without tuned rows: no T column', () => {
    const md = calibrationTable([
      {
        dataset: 'd',
        training: 'spam-a',
        criterion: GLM_CRITERION,
        sparsity: 0.5,
        seed: 1,
        accuracy: 0.9,
        nll: 0.4,
        ece: 0.01,
        brier: 0.1,
      },
    ]);
    expect(md).toMatch(/\| Brier \|\n/);
    expect(md).not.toMatch(/T tuned/);
  });
});
