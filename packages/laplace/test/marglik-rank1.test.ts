import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { fitLaplace } from '@spam/laplace';
import { unitwisePrior } from '@spam/priors';

function convNet(): tf.Sequential {
  const init = (seed: number) => tf.initializers.glorotNormal({ seed });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ filters: 3, kernelSize: 2, inputShape: [5, 5, 2], activation: 'tanh', kernelInitializer: init(1) }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 4, activation: 'relu', kernelInitializer: init(2) }),
      tf.layers.dense({ units: 3, kernelInitializer: init(3) }),
    ],
  });
}

describe('kron log det with unit-wise priors: rank-1 projection', () => {
  it('equals the dense projection (Q_A∘Q_A)ᵀ D (Q_G∘Q_G) for Dense and Conv2D kernels', async () => {
    const model = convNet();
    const xs = tf.randomNormal([12, 5, 5, 2], 0, 1, 'float32', 4);
    const ys = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], 'int32');
    const lap = await fitLaplace(model, { xs, ys, batchSize: 5 }, { likelihood: 'classification', structure: 'kron' });
    const prior = unitwisePrior(model, { precision: 0.7 });
    // Give every unit-wise variable distinct values so the rank-1 factors are non-trivial.
    prior.variables.forEach((v, i) => tf.tidy(() => v.assign(tf.randomNormal(v.shape, 0, 0.5, 'float32', 10 + i))));
    lap.eigendecomposition(); // cached on the Laplace (freed by dispose), so build it before counting
    const before = tf.memory().numTensors;
    const [dense, rank1] = tf.tidy(() => {
      const delta = prior.precisionBlocks();
      const s = tf.scalar(1);
      return [
        lap.logDetPosterior(delta, s, {}).dataSync()[0],
        lap.logDetPosterior(delta, s, { rank1: prior.kernelOuterFactors() }).dataSync()[0],
      ];
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(Math.abs(rank1 - dense)).toBeLessThan(1e-4 * Math.abs(dense));
    // The outer factors reproduce the kernel precisions exactly.
    tf.tidy(() => {
      const blocks = prior.precisionBlocks();
      prior.kernelOuterFactors().forEach((f, t) => {
        if (!f) return expect(prior.params[t].role).toBe('bias');
        const shape = prior.params[t].shape;
        const units = shape[shape.length - 1];
        const outer = tf.mul(tf.reshape(f[0], [-1, 1]), tf.reshape(f[1], [1, units]));
        const diff = tf.max(tf.abs(tf.sub(outer, tf.reshape(blocks[t], [-1, units])))).dataSync()[0];
        expect(diff).toBeLessThan(1e-5);
      });
    });
    lap.dispose();
    prior.dispose();
    tf.dispose([xs, ys]);
  });
});
