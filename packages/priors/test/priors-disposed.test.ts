// A disposed prior (or model) raises DisposedError from every method; dispose() is idempotent.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { DisposedError, type ModelLike } from '@spam/core';
import { createPrior, PRIOR_STRUCTURES, priorFromJSON, type Prior } from '@spam/priors';
import { thrown } from '../../../test/helpers/index.js';

const L = tf.layers;
const net = (name: string) =>
  tf.sequential({ name, layers: [L.dense({ inputShape: [3], units: 4, name: `${name}1` }), L.dense({ units: 2, name: `${name}2` })] });
const model = net('d') as unknown as ModelLike;
const theta = () => [[3, 4], [4], [4, 2], [2]].map((s) => tf.ones(s));

/** Every public method of a prior, called with valid arguments. */
function everyMethod(prior: Prior, t: tf.Tensor[], sums: tf.Tensor, values: tf.Tensor[]): Array<[string, () => unknown]> {
  return [
    ['variables', () => prior.variables],
    ['logPrecisionBlocks', () => prior.logPrecisionBlocks()],
    ['kernelOuterFactors', () => prior.kernelOuterFactors()],
    ['precisionBlocks', () => prior.precisionBlocks()],
    ['precision', () => prior.precision()],
    ['logDet', () => prior.logDet()],
    ['scatter', () => prior.scatter(t, sums)],
    ['tensorConstants', () => prior.tensorConstants()],
    ['penalty', () => prior.penalty(t)],
    ['penaltyGradients', () => prior.penaltyGradients(t)],
    ['summary', () => prior.summary()],
    ['summaryPerTensor', () => prior.summaryPerTensor()],
    ['toJSON', () => prior.toJSON()],
    ['JSON.stringify', () => JSON.stringify(prior)],
    ['assignLogPrecisions', () => prior.assignLogPrecisions(values)],
    ['snapshot', () => prior.snapshot()],
    ['sharingPrecision', () => prior.sharingPrecision(() => prior.precisionBlocks())],
  ];
}

describe('a disposed prior', () => {
  for (const structure of PRIOR_STRUCTURES) {
    it(`${structure}: isDisposed flips, dispose() is idempotent, every method throws DisposedError naming the prior, no tensor created`, () => {
      const prior = createPrior(model, structure);
      const t = theta();
      const sums = tf.ones([4]);
      const values = prior.snapshot();
      expect(prior.isDisposed).toBe(false);
      // Control: every method works on the live prior.
      const live = tf.memory().numTensors;
      for (const [name, call] of everyMethod(prior, t, sums, values)) {
        tf.tidy(() => void call()); // frees what the call returns
        expect(tf.memory().numTensors, name).toBe(live);
      }
      const vars = prior.variables;
      const before = tf.memory().numTensors;
      prior.dispose();
      expect(prior.isDisposed).toBe(true);
      expect(vars.every((v) => v.isDisposed)).toBe(true);
      expect(tf.memory().numTensors).toBe(before - vars.length);
      expect(() => prior.dispose()).not.toThrow();
      const after = tf.memory().numTensors;
      for (const [name, call] of everyMethod(prior, t, sums, values)) {
        const e = thrown(call);
        expect(e, `${name}: ${e.message}`).toBeInstanceOf(DisposedError);
        expect((e as DisposedError).kind).toBe('prior');
        expect((e as DisposedError).objectName).toBe(structure);
        expect(e.message).toContain(`prior '${structure}' has been disposed`);
        expect(e.message).toContain("'d1/kernel'");
      }
      expect(tf.memory().numTensors).toBe(after);
      expect(prior.structure).toBe(structure); // plain data stays readable
      expect(prior.params.length).toBe(4);
      tf.dispose([...t, sums, ...values]);
    });
  }

  it('a fresh prior from the JSON of a disposed one still works (JSON taken before dispose)', () => {
    const prior = createPrior(model, 'unitwise', { precision: 3 });
    const json = prior.toJSON();
    prior.dispose();
    const again = priorFromJSON(model, json);
    expect(again.isDisposed).toBe(false);
    expect(again.summary().geomean).toBeCloseTo(3, 4);
    again.dispose();
  });
});

describe('a disposed model', () => {
  for (const structure of PRIOR_STRUCTURES) {
    it(`${structure}: createPrior and priorFromJSON → DisposedError naming the model, no tensor leaked`, () => {
      const m = net('gone');
      const json = (() => {
        const p = createPrior(m as unknown as ModelLike, structure);
        const j = p.toJSON();
        p.dispose();
        return j;
      })();
      m.dispose();
      const before = tf.memory().numTensors;
      for (const call of [() => createPrior(m as unknown as ModelLike, structure), () => priorFromJSON(m, json)]) {
        const e = thrown(call);
        expect(e).toBeInstanceOf(DisposedError);
        expect((e as DisposedError).kind).toBe('model');
        expect(e.message).toContain(`'${m.name}'`);
      }
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
