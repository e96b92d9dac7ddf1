// Prior.sharingPrecision: δ = exp(log δ) computed once for every precisionBlocks() call inside,
// the same values and gradients as without it, freed when the scope ends (also on a throw).
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { ModelLike } from '@spam/core';
import { createPrior, PRIOR_STRUCTURES, type Prior } from '@spam/priors';
import { seedWeights } from '../../../test/helpers/index.js';

const L = tf.layers;
const m = tf.sequential({ layers: [L.dense({ inputShape: [3], units: 4, name: 's1' }), L.dense({ units: 2, name: 's2' })] });
seedWeights(m, 5, 0.6);
const model = m as unknown as ModelLike;
const SHAPES = [[3, 4], [4], [4, 2], [2]];

/** A prior whose log δ differ entry by entry (where its structure allows). */
function spreadPrior(structure: (typeof PRIOR_STRUCTURES)[number]): Prior {
  const prior = createPrior(model, structure);
  prior.assignLogPrecisions(
    prior.variables.map((v, i) => tf.tidy(() => tf.add(tf.mul(tf.sin(tf.range(1, v.size + 1)), 0.7), 0.2 * i).reshape(v.shape))),
  );
  return prior;
}

/** An objective that uses δ twice (as log Z does: scatter and posterior log det), with θ² fixed. */
function objective(prior: Prior, thetaSq: tf.Tensor[], sums: tf.Tensor): tf.Scalar {
  const d = prior.precisionBlocks();
  const logs = tf.addN(d.map((b) => tf.sum(tf.log(tf.add(b, 1.5)))));
  return tf.add(tf.add(logs, prior.scatter(thetaSq, sums)), tf.mul(-1, prior.logDet())) as tf.Scalar;
}

const expKernels = async (f: () => unknown) =>
  (await tf.profile(() => void tf.tidy(() => void f()))).kernels.filter((k) => k.name === 'Exp').length;

describe('Prior.sharingPrecision', () => {
  for (const structure of PRIOR_STRUCTURES) {
    it(`${structure}: same δ, bit-identical value and gradient as without sharing; nothing left allocated`, () => {
      const prior = spreadPrior(structure);
      const thetaSq = SHAPES.map((s, i) =>
        tf.tidy(() =>
          tf.square(
            tf
              .add(
                tf.cos(
                  tf.range(
                    0,
                    s.reduce((a, b) => a * b, 1),
                  ),
                ),
                i,
              )
              .reshape(s),
          ),
        ),
      );
      const sums = tf.tidy(() => tf.stack(thetaSq.map((t) => tf.sum(t))));
      const plain = tf.tidy(() => prior.precisionBlocks().map((b) => Array.from(b.dataSync())));
      const before = tf.memory().numTensors;
      const shared = prior.sharingPrecision(() =>
        tf.tidy(() => [prior.precisionBlocks(), prior.precisionBlocks()].map((bs) => bs.map((b) => Array.from(b.dataSync())))),
      );
      expect(shared[0]).toEqual(plain);
      expect(shared[1]).toEqual(plain);
      const vars = prior.variables as tf.Variable[];
      const ref = tf.variableGrads(() => objective(prior, thetaSq, sums), vars);
      const mine = prior.sharingPrecision(() => tf.variableGrads(() => objective(prior, thetaSq, sums), vars));
      // Bit-identical: each copy back-propagates dy·δ to its own log δ, as tf.exp does.
      expect(mine.value.dataSync()[0]).toBe(ref.value.dataSync()[0]);
      for (const v of vars) {
        const a = mine.grads[v.name].dataSync();
        const b = ref.grads[v.name].dataSync();
        expect(Array.from(a)).toEqual(Array.from(b));
      }
      tf.dispose([ref.value, mine.value, ...Object.values(ref.grads), ...Object.values(mine.grads)]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([...thetaSq, sums]);
      prior.dispose();
    });
  }

  it('parameterwise: one exp per parameter tensor inside the scope, however many precisionBlocks() calls', async () => {
    const prior = createPrior(model, 'parameterwise');
    const twice = () => [prior.precisionBlocks(), prior.precisionBlocks()];
    expect(await expKernels(twice)).toBe(2 * SHAPES.length); // control: without sharing, one exp per call and tensor
    expect(await expKernels(() => prior.sharingPrecision(twice))).toBe(SHAPES.length);
    prior.dispose();
  });

  it('nests; δ is freed by the outermost scope, also when the body throws; δ follows the variables between scopes', () => {
    const prior = createPrior(model, 'layerwise');
    const before = tf.memory().numTensors;
    const inner = prior.sharingPrecision(() => {
      const a = tf.tidy(() => prior.precisionBlocks()[0].dataSync()[0]);
      const b = prior.sharingPrecision(() => tf.tidy(() => prior.precisionBlocks()[0].dataSync()[0]));
      expect(tf.memory().numTensors).toBeGreaterThan(before); // δ still held for the outer scope
      return [a, b];
    });
    expect(inner[0]).toBe(inner[1]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() =>
      prior.sharingPrecision(() => {
        tf.dispose(prior.precisionBlocks());
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(tf.memory().numTensors).toBe(before);
    prior.assignLogPrecisions(prior.variables.map((v) => tf.fill(v.shape, Math.log(3))));
    const after = prior.sharingPrecision(() => tf.tidy(() => prior.precisionBlocks()[0].dataSync()[0]));
    expect(after).toBeCloseTo(3, 5);
    prior.dispose();
  });
});
