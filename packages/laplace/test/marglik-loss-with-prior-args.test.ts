// lossWithPrior validates nData and base when the loss is created (issue 13 finding 16).
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { InvalidOptionError, type ModelLike } from '@spam/core';
import { createPrior } from '@spam/priors';
import { lossWithPrior } from '@spam/laplace';
import { thrown } from '../../../test/helpers/index.js';

const mse = (y: tf.Tensor, f: tf.Tensor) => tf.losses.meanSquaredError(y, f);

describe('lossWithPrior arguments', () => {
  it('nData 1e-300, 0.5, 0, NaN, Infinity, 1e300, "6" → InvalidOptionError naming nData', () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 })] });
    const prior = createPrior(m as unknown as ModelLike, 'layerwise');
    for (const n of [1e-300, 0.5, 0, NaN, Infinity, 1e300, '6']) {
      const e = thrown(() => lossWithPrior(m, prior, n as number, mse));
      expect(e).toBeInstanceOf(InvalidOptionError);
      expect(e.message).toContain('nData');
    }
    prior.dispose();
    m.dispose();
  });

  it('base null / a string → InvalidOptionError at creation, not a TypeError when called', () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 })] });
    const prior = createPrior(m as unknown as ModelLike, 'layerwise');
    for (const base of [null, 'mse', undefined]) {
      const e = thrown(() => lossWithPrior(m, prior, 10, base as never));
      expect(e).toBeInstanceOf(InvalidOptionError);
      expect(e.message).toContain('base');
    }
    const loss = lossWithPrior(m, prior, 10, mse);
    const v = tf.tidy(() => loss(tf.zeros([2, 2]), tf.ones([2, 2])).dataSync()[0]);
    expect(v).toBeGreaterThanOrEqual(1); // mse 1 plus a non-negative penalty
    expect(Number.isFinite(v)).toBe(true);
    prior.dispose();
    m.dispose();
  });
});
