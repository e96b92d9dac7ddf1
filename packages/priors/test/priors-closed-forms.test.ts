import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createPrior, PRIOR_STRUCTURES } from '@spam/priors';

function net(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        filters: 3,
        kernelSize: 2,
        inputShape: [4, 4, 2],
        kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }),
        biasInitializer: 'ones',
      }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }), biasInitializer: 'ones' }),
    ],
  });
}

describe('closed-form prior terms equal their expanded definitions', () => {
  for (const structure of PRIOR_STRUCTURES) {
    it(`${structure}: logDet = Σ log δ, scatter = Σ δθ², tensorConstants = δ per tensor`, () => {
      const model = net();
      const prior = createPrior(model, structure, { precision: 0.3 });
      prior.variables.forEach((v, i) => tf.tidy(() => v.assign(tf.randomNormal(v.shape, 0, 0.7, 'float32', 20 + i))));
      const theta = model.getWeights(); // live variables: not ours to dispose
      tf.tidy(() => {
        const blocks = prior.precisionBlocks();
        const sq = theta.map((t) => tf.square(t));
        const sums = tf.stack(sq.map((b) => tf.sum(b)));
        const scatterRef = tf.addN(blocks.map((d, i) => tf.sum(tf.mul(d, sq[i])))).dataSync()[0];
        const logDetRef = tf.addN(blocks.map((d) => tf.sum(tf.log(d)))).dataSync()[0];
        expect(Math.abs(prior.scatter(sq, sums).dataSync()[0] - scatterRef)).toBeLessThan(1e-4 * Math.abs(scatterRef));
        expect(Math.abs(prior.logDet().dataSync()[0] - logDetRef)).toBeLessThan(1e-4 * Math.max(1, Math.abs(logDetRef)));
        const constants = prior.tensorConstants();
        if (structure === 'scalar' || structure === 'layerwise') {
          expect(constants).not.toBeNull();
          constants!.forEach((c, i) => {
            const d = blocks[i].dataSync();
            expect(Math.abs(c.dataSync()[0] - d[0])).toBeLessThan(1e-6 * d[0]);
            expect(Math.max(...d) - Math.min(...d)).toBeLessThan(1e-6 * d[0]);
          });
        } else expect(constants).toBeNull();
      });
      prior.dispose();
      model.dispose();
    });
  }
});
