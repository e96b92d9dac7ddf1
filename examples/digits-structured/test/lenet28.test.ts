import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { countMacs, countParams, layerCosts, magnitudeUnitScores, structuredProtocol } from '@spam/structured';
import { buildPaperLeNet, loadMnistImages, PAPER_LENET_MACS } from '../src/lenet28.js';

describe("the paper's LeNet for 28×28 MNIST (structured reproduction)", () => {
  it('has the paper’s 231,720 MACs: conv 6@5×5, conv 16@3×3, conv 120@5×5, dense 84, dense 10', () => {
    const m = buildPaperLeNet(1);
    expect(PAPER_LENET_MACS).toBe(231_720);
    expect(countMacs(m)).toBe(231_720);
    // By hand: C_out·C_in·kh·kw·H_out·W_out per conv, in·out per dense.
    expect(layerCosts(m).map((l) => [l.name, l.units, l.macs])).toEqual([
      ['conv1', 6, 6 * 1 * 25 * 24 * 24],
      ['conv2', 16, 16 * 6 * 9 * 10 * 10],
      ['conv3', 120, 120 * 16 * 25 * 1 * 1],
      ['fc1', 84, 120 * 84],
      ['logits', 10, 84 * 10],
    ]);
    expect(countParams(m)).toBe(6 * 26 + 16 * 55 + 120 * 401 + 84 * 121 + 10 * 85);
    m.dispose();
  });

  it('loads the fixed 8,000 / 2,000 digits as 28×28×1 images and runs the protocol on it without leaking', async () => {
    const d = loadMnistImages(64, 32);
    expect(d.xTrain.shape).toEqual([64, 28, 28, 1]);
    expect(d.xTest.shape).toEqual([32, 28, 28, 1]);
    const full = loadMnistImages();
    expect([full.xTrain.shape[0], full.xTest.shape[0]]).toEqual([8000, 2000]);
    tf.dispose([full.xTrain, full.yTrain, full.xTest, full.yTest]);
    const m = buildPaperLeNet(1);
    const before = tf.memory().numTensors;
    const [row] = await structuredProtocol(m, {
      scores: { magnitude: magnitudeUnitScores(m) },
      fractions: [0.99],
      train: { xs: d.xTrain, ys: d.yTrain },
      test: { xs: d.xTest, ys: d.yTest },
      fineTune: { epochs: 1, batchSize: 32 },
      latencyRepeats: 1,
    });
    expect(tf.memory().numTensors).toBe(before);
    // 99 % of every layer but the logits: ⌊n·0.99⌋ removed, so one unit each is kept.
    expect(row.units).toEqual({ conv1: 1, conv2: 1, conv3: 2, fc1: 1, logits: 10 });
    expect(row.macs).toBe(1 * 25 * 576 + 1 * 1 * 9 * 100 + 2 * 1 * 25 + 2 * 1 + 1 * 10);
    m.dispose();
    tf.dispose([d.xTrain, d.yTrain, d.xTest, d.yTest]);
  });
});
