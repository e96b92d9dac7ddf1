// GraSP and SynFlow run on a model with a weighted layer (BatchNormalization, LayerNormalization,
// DepthwiseConv2D, PReLU, …) through the adapter's own passes (they used to refuse it): every
// parameter, the layer's gamma/beta included, gets scores, and no tensor is left behind.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { type ModelLike } from '@spam/core';
import { graspScores, magnitudeScores, snipScores, synflowScores } from '@spam/prune';
import { randomTensor, seedWeights } from '../../../test/helpers/index.js';

const L = tf.layers;

describe('GraSP / SynFlow on a model with a weighted layer', () => {
  it('score every parameter, as magnitude and SNIP do', async () => {
    const m = tf.sequential({
      layers: [L.dense({ inputShape: [3], units: 3 }), L.layerNormalization({ name: 'ln_x' }), L.dense({ units: 3 })],
    });
    seedWeights(m, 3);
    const model = m as unknown as ModelLike;
    const xs = randomTensor([4, 3], 1);
    const ys = tf.tensor1d([0, 1, 2, 1], 'int32');
    const before = tf.memory().numTensors;
    const g = await graspScores(model, { xs, ys }, { likelihood: 'classification' });
    const s = synflowScores(model);
    for (const scores of [g, s]) {
      expect(scores.params.map((p) => p.name).slice(2, 4)).toEqual(['ln_x/gamma', 'ln_x/beta']);
      expect(
        scores
          .flat()
          .slice(3, 6)
          .some((v) => v !== 0),
      ).toBe(true); // gamma scored
      scores.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    for (const scores of [magnitudeScores(model), await snipScores(model, { xs, ys }, { likelihood: 'classification' })]) {
      expect(scores.params.map((p) => p.name).slice(2, 4)).toEqual(['ln_x/gamma', 'ln_x/beta']);
      expect(scores.params).toHaveLength(6);
      scores.dispose();
    }
    tf.dispose([xs, ys]);
    m.dispose();
  });
});
