// GraSP and SynFlow run exact tangent passes over chains of affine and op layers only: a model
// with a weighted layer (BatchNormalization, LayerNormalization, DepthwiseConv2D, PReLU, …) is
// refused with UnsupportedLayerError naming the layer and the criterion, leaving no tensor behind.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { UnsupportedLayerError, type ModelLike } from '@spam/core';
import { graspScores, magnitudeScores, snipScores, synflowScores } from '@spam/prune';
import { randomTensor, rejection, seedWeights, thrown } from '../../../test/helpers/index.js';

const L = tf.layers;

describe('GraSP / SynFlow on a model with a weighted layer', () => {
  it('refuse it by name (typed), while magnitude and SNIP score every parameter', async () => {
    const m = tf.sequential({
      layers: [L.dense({ inputShape: [3], units: 3 }), L.layerNormalization({ name: 'ln_x' }), L.dense({ units: 3 })],
    });
    seedWeights(m, 3);
    const model = m as unknown as ModelLike;
    const xs = randomTensor([4, 3], 1);
    const ys = tf.tensor1d([0, 1, 2, 1], 'int32');
    const before = tf.memory().numTensors;
    const g = await rejection(graspScores(model, { xs, ys }, { likelihood: 'classification' }));
    expect(g).toBeInstanceOf(UnsupportedLayerError);
    expect((g as UnsupportedLayerError).layerName).toBe('ln_x');
    expect(g.message).toContain('GraSP');
    const s = thrown(() => synflowScores(model));
    expect(s).toBeInstanceOf(UnsupportedLayerError);
    expect(s.message).toContain('SynFlow');
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
