import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { InvalidDataError, InvalidOptionError } from '@spam/core';
import { fitLaplace } from '@spam/laplace';
import { CRITERIA, criterionScores, magnitudeScores, opdScores, randomScores, snipScores, type Criterion } from '@spam/prune';
import { rejection } from '../../../test/helpers/index.js';

function setup() {
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: 6, inputShape: [4], activation: 'tanh' }), tf.layers.dense({ units: 3 })],
  });
  const xs = tf.randomNormal([32, 4], 0, 1, 'float32', 7);
  const ys = tf.tensor1d(
    Array.from({ length: 32 }, (_, i) => i % 3),
    'int32',
  );
  return { model, xs, ys };
}

describe('criterionScores', () => {
  it('gives the same scores as the criterion functions, by name, without leaking', async () => {
    const { model, xs, ys } = setup();
    const data = { xs, ys, batchSize: 16 };
    const laplace = await fitLaplace(model, data, { likelihood: 'classification', structure: 'kron' });
    const direct: Partial<Record<Criterion, () => Promise<import('@spam/prune').ParamScores>>> = {
      opd: async () => opdScores(laplace, 2),
      magnitude: async () => magnitudeScores(model),
      random: async () => randomScores(model, { seed: 3 }),
      snip: () => snipScores(model, data, { likelihood: 'classification' }),
    };
    const before = tf.memory().numTensors;
    for (const c of CRITERIA) {
      const s = await criterionScores(c, { model, likelihood: 'classification', laplace, prior: 2, data, seed: 3 });
      expect(s.criterion).toBe(c);
      expect(s.numParams).toBe(4 * 6 + 6 + 6 * 3 + 3);
      const d = await direct[c]?.();
      if (d) {
        expect(Array.from(s.flat())).toEqual(Array.from(d.flat()));
        d.dispose();
      }
      s.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    laplace.dispose();
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('names what is missing: Laplace, prior, data, or an unknown criterion', async () => {
    const { model, xs, ys } = setup();
    const ctx = { model, likelihood: 'classification' as const };
    expect(await rejection(criterionScores('opd', ctx))).toBeInstanceOf(InvalidOptionError);
    expect((await rejection(criterionScores('obd', ctx))).message).toMatch(/Laplace/);
    expect(await rejection(criterionScores('grasp', ctx))).toBeInstanceOf(InvalidDataError);
    expect(await rejection(criterionScores('snip', ctx))).toBeInstanceOf(InvalidDataError);
    expect((await rejection(criterionScores('nope' as Criterion, ctx))).message).toMatch(/valid: opd, obd/);
    tf.dispose([xs, ys]);
    model.dispose();
  });
});
