// Precision bounds: δ₀ at creation, log δ at load and on assignment stay finite, normal float32 numbers.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { DisposedError, InvalidOptionError, ShapeMismatchError, type ModelLike } from '@spam/core';
import {
  createPrior,
  initialLogPrecision,
  MAX_LOG_PRECISION,
  MAX_PRECISION,
  MIN_LOG_PRECISION,
  MIN_PRECISION,
  PRIOR_STRUCTURES,
  priorFromJSON,
  PriorFormatError,
  type PriorJSON,
  type PriorStructure,
} from '@spam/priors';
import { arr, randomTensor, thrown } from '../../../test/helpers/index.js';

const L = tf.layers;
const model = tf.sequential({
  layers: [L.dense({ inputShape: [3], units: 4, name: 'b1' }), L.dense({ units: 2, name: 'b2' })],
}) as unknown as ModelLike;

/** float32 δ of every parameter of a prior built with δ₀ (disposes it). */
function deltas(structure: PriorStructure, precision: number): number[] {
  const prior = createPrior(model, structure, { precision });
  const d = arr(prior.precision());
  prior.dispose();
  return d;
}

describe('the bounds', () => {
  it('are e^−87 and e^88: normal, finite float32 numbers with margin, exact integers in log space', () => {
    expect(MIN_LOG_PRECISION).toBe(-87);
    expect(MAX_LOG_PRECISION).toBe(88);
    expect(MIN_PRECISION).toBe(Math.exp(-87));
    expect(MAX_PRECISION).toBe(Math.exp(88));
    expect(MIN_PRECISION).toBeGreaterThan(2 ** -126); // smallest normal float32
    expect(MAX_PRECISION).toBeLessThan(3.4028234663852886e38); // largest float32
  });

  for (const structure of PRIOR_STRUCTURES) {
    it(`${structure}: δ₀ at both bounds gives float32 δ that is finite, > 0 and within 1e-5 of δ₀ everywhere`, () => {
      for (const d0 of [MIN_PRECISION, MAX_PRECISION]) {
        const d = deltas(structure, d0);
        expect(d.length).toBe(26);
        for (const v of d) {
          expect(Number.isFinite(v) && v > 0, `δ = ${v} for δ₀ = ${d0}`).toBe(true);
          expect(Math.abs(v / d0 - 1)).toBeLessThan(1e-5);
        }
      }
    });
  }
});

describe('createPrior / factories: δ₀ outside the bounds → InvalidOptionError naming the prior and the value', () => {
  const bad: unknown[] = [1e-300, 1e-45, 1e-39, MIN_PRECISION * 0.999, MAX_PRECISION * 1.001, 3.5e38, 1e39, '1', BigInt(1), true];
  for (const structure of PRIOR_STRUCTURES) {
    it(structure, () => {
      const before = tf.memory().numTensors;
      for (const precision of bad) {
        const e = thrown(() => createPrior(model, structure, { precision: precision as number }));
        expect(e, String(precision)).toBeInstanceOf(InvalidOptionError);
        expect(e.message).toContain(`${structure} prior`);
        expect(e.message).toContain(String(precision));
        expect(e.message).toContain('[-87, 88]');
      }
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('initialLogPrecision: accepts the bounds, returns log δ₀; rejects a non-object options argument', () => {
    expect(initialLogPrecision({ precision: MIN_PRECISION })).toBeCloseTo(-87, 12);
    expect(initialLogPrecision({ precision: MAX_PRECISION })).toBeCloseTo(88, 12);
    expect(initialLogPrecision()).toBe(0);
    for (const o of [null, 5, 'x']) expect(() => initialLogPrecision(o as never)).toThrow(InvalidOptionError);
  });
});

describe('priorFromJSON: log δ outside [−87, 88] → PriorFormatError naming the tensor and the value', () => {
  function json(structure: PriorStructure): PriorJSON {
    const p = createPrior(model, structure);
    const j = p.toJSON();
    p.dispose();
    return j;
  }
  const set = (j: PriorJSON, value: number, block = 0): PriorJSON => ({
    ...j,
    logPrecisions: j.logPrecisions.map((b, i) => (i === block ? b.map(() => value) : b)),
  });

  for (const structure of PRIOR_STRUCTURES) {
    it(`${structure}: log δ = 1000, −1000, 88.5, −87.5 are refused; ±87/88-ish values within bounds load`, () => {
      const j = json(structure);
      const before = tf.memory().numTensors;
      for (const v of [1000, -1000, 88.5, -87.5]) {
        const e = thrown(() => priorFromJSON(model, set(j, v)));
        expect(e, `log δ ${v}`).toBeInstanceOf(PriorFormatError);
        expect((e as PriorFormatError).field).toBe('logPrecisions');
        expect(e.message).toContain(String(v));
        expect(e.message).toMatch(/b1\/kernel|variable 0/);
      }
      expect(tf.memory().numTensors).toBe(before);
      const ok = priorFromJSON(model, set(j, structure === 'unitwise' ? 43.9 : 87.9));
      expect(arr(ok.precision()).every((d) => Number.isFinite(d) && d > 0)).toBe(true);
      ok.dispose();
    });
  }

  it('unitwise: a and b each in range but log δ = a + b = −100 out of range → refused, naming the kernel', () => {
    const j = json('unitwise');
    const bad = { ...j, logPrecisions: j.logPrecisions.map((b, i) => (i < 2 ? b.map(() => -50) : b)) }; // b1/kernel: a, b
    const e = thrown(() => priorFromJSON(model, bad));
    expect(e).toBeInstanceOf(PriorFormatError);
    expect(e.message).toContain("'b1/kernel'");
    expect(e.message).toContain('-100');
  });
});

describe('assignLogPrecisions validates its tensors and keeps the old values on refusal', () => {
  for (const structure of PRIOR_STRUCTURES) {
    it(structure, () => {
      const prior = createPrior(model, structure, { precision: 2 });
      const old = prior.variables.map(arr);
      const before = tf.memory().numTensors;
      const like = (value: number) => prior.variables.map((v) => tf.fill(v.shape, value));
      const cases: Array<[string, () => tf.Tensor[], new (...a: never[]) => Error]> = [
        ['too few', () => like(0).slice(1), InvalidOptionError],
        ['wrong shape', () => [tf.zeros([prior.variables[0].size + 1]), ...like(0).slice(1)], ShapeMismatchError],
        ['int32', () => [tf.zeros(prior.variables[0].shape, 'int32'), ...like(0).slice(1)], InvalidOptionError],
        ['log δ = 1000', () => like(1000), InvalidOptionError],
        ['log δ = -1000', () => like(-1000), InvalidOptionError],
        ['NaN', () => like(NaN), InvalidOptionError],
      ];
      for (const [name, make, cls] of cases) {
        const values = tf.tidy(make); // frees the tensors a case drops
        const e = thrown(() => prior.assignLogPrecisions(values));
        expect(e, name).toBeInstanceOf(cls);
        expect(e.message).toContain(`${structure} prior`);
        tf.dispose(values);
        expect(prior.variables.map(arr), `${name}: old values kept`).toEqual(old);
        expect(tf.memory().numTensors, name).toBe(before);
      }
      const gone = like(0);
      gone[0].dispose();
      expect(thrown(() => prior.assignLogPrecisions(gone))).toBeInstanceOf(DisposedError);
      tf.dispose(gone);
      const fine = like(1.5);
      prior.assignLogPrecisions(fine);
      expect(prior.variables.map(arr)).toEqual(prior.variables.map((v) => new Array(v.size).fill(1.5)));
      tf.dispose(fine);
      expect(tf.memory().numTensors).toBe(before);
      prior.dispose();
    });
  }
});

describe('penalty, penaltyGradients, scatter check the parameter tensors', () => {
  const theta = [[3, 4], [4], [4, 2], [2]].map((s, i) => randomTensor(s, 30 + i));
  for (const structure of PRIOR_STRUCTURES) {
    it(structure, () => {
      const prior = createPrior(model, structure);
      const before = tf.memory().numTensors;
      const swapped = [theta[0], theta[1], theta[3], theta[2]];
      const sums = tf.zeros([4]);
      for (const call of [
        (t: tf.Tensor[]) => prior.penalty(t),
        (t: tf.Tensor[]) => prior.penaltyGradients(t),
        (t: tf.Tensor[]) => prior.scatter(t, sums),
      ]) {
        const short = thrown(() => call(theta.slice(1)));
        expect(short).toBeInstanceOf(InvalidOptionError);
        expect(short.message).toContain('expected 4 parameter tensors');
        const shape = thrown(() => call(swapped));
        expect(shape).toBeInstanceOf(ShapeMismatchError);
        expect(shape.message).toContain("'b2/kernel'");
        expect(thrown(() => call([theta[0], theta[1], [1, 2] as unknown as tf.Tensor, theta[3]]))).toBeInstanceOf(InvalidOptionError);
      }
      const gone = tf.zeros([2]);
      gone.dispose();
      const e = thrown(() => prior.penalty([theta[0], theta[1], theta[2], gone]));
      expect(e).toBeInstanceOf(DisposedError);
      expect(e.message).toContain("'b2/bias'");
      sums.dispose();
      expect(tf.memory().numTensors).toBe(before);
      prior.dispose();
    });
  }
});
