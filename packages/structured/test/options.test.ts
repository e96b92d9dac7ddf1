// Every public function of @spam/structured checks its arguments: non-models, disposed models,
// malformed score sets, null/array options, and numeric options that are NaN, ±∞, negative,
// fractional, beyond float32 or of the wrong type raise typed errors naming what was wrong, and
// leave no tensors behind.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { DisposedError, InvalidOptionError, NonFiniteError, ShapeMismatchError, SpamError } from '@spam/core';
import { ParamScores, scoredParams } from '@spam/prune';
import {
  countMacs,
  countParams,
  layerCosts,
  magnitudeUnitScores,
  maskUnits,
  pruneUnits,
  randomUnitScores,
  unitMasks,
  unitScores,
  type UnitScores,
} from '@spam/structured';
import { seedWeights, thrown } from '../../../test/helpers/index.js';

const L = tf.layers;

function mlp(): tf.Sequential {
  const m = tf.sequential({ layers: [L.dense({ inputShape: [3], units: 4, name: 'h' }), L.dense({ units: 2, name: 'out' })] });
  seedWeights(m, 11);
  return m;
}

/** Element scores with every entry equal to `v` (kernels and biases). */
function constantScores(m: tf.LayersModel, v: number): ParamScores {
  const params = scoredParams(m);
  return new ParamScores(
    'const',
    params,
    params.map((p) => tf.fill([...p.shape], v)),
  );
}

const modelFunctions: Array<[string, (m: never) => unknown]> = [
  ['countParams', countParams],
  ['countMacs', countMacs],
  ['layerCosts', layerCosts],
  ['magnitudeUnitScores', magnitudeUnitScores],
  ['randomUnitScores', (m) => randomUnitScores(m)],
  ['pruneUnits', (m) => pruneUnits(m, {})],
  ['maskUnits', (m) => maskUnits(m, {})],
];

describe('model arguments', () => {
  for (const [name, fn] of modelFunctions) {
    it(`${name}: a non-model → InvalidOptionError; a disposed model → DisposedError naming it; nothing leaked`, () => {
      for (const bad of [null, undefined, 3, 'model', {}, { layers: 'x' }]) {
        expect(
          thrown(() => fn(bad as never)),
          `${name}(${String(bad)})`,
        ).toBeInstanceOf(InvalidOptionError);
      }
      const m = mlp();
      m.dispose();
      const before = tf.memory().numTensors;
      const e = thrown(() => fn(m as never));
      expect(e).toBeInstanceOf(DisposedError);
      expect(e.message).toContain(m.name);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describe('unitScores', () => {
  it('a score set that is not a ParamScores, or options that are not an object → InvalidOptionError', () => {
    for (const bad of [null, undefined, {}, { params: [] }, 5])
      expect(
        thrown(() => unitScores(bad as never)),
        String(bad),
      ).toBeInstanceOf(InvalidOptionError);
    const m = mlp();
    const s = constantScores(m, 1);
    for (const o of [null, 3, 'sum', []])
      expect(
        thrown(() => unitScores(s, o as never)),
        String(o),
      ).toBeInstanceOf(InvalidOptionError);
    s.dispose();
    m.dispose();
  });

  it('a unit score beyond float32 (Σ or √Σ s² of finite element scores) → NonFiniteError naming the layer and unit; nothing leaked', () => {
    // (non-finite element scores are refused by ParamScores itself)
    const m = mlp();
    for (const [v, aggregate] of [
      [3e38, 'sum'],
      [3e38, 'l2'],
      [-3e38, 'sum'],
    ] as const) {
      const s = constantScores(m, v);
      const before = tf.memory().numTensors;
      const e = thrown(() => unitScores(s, { aggregate }));
      expect(e, `${v} ${aggregate}`).toBeInstanceOf(NonFiniteError);
      expect(e.message).toMatch(/unit 0 of layer 'h'/);
      expect(tf.memory().numTensors).toBe(before);
      s.dispose();
    }
    // within float32: fine (3e38 / 4 entries averaged)
    const s = constantScores(m, 3e38);
    expect(Array.from(unitScores(s, { aggregate: 'mean' }).scores.h)).toEqual(new Array(4).fill(Math.fround(3e38)));
    s.dispose();
    m.dispose();
  });
});

describe('randomUnitScores seed', () => {
  it('NaN, ±∞, fractional, unsafe or non-number seeds → InvalidOptionError naming the seed', () => {
    const m = mlp();
    for (const seed of [NaN, Infinity, -Infinity, 1.5, 2 ** 60, '3', true]) {
      const e = thrown(() => randomUnitScores(m, { seed: seed as never }));
      expect(e, String(seed)).toBeInstanceOf(InvalidOptionError);
      expect(e.message).toMatch(/seed must be a safe integer/);
    }
    expect(thrown(() => randomUnitScores(m, null as never))).toBeInstanceOf(InvalidOptionError);
    expect(randomUnitScores(m, { seed: -7 }).scores.h).toHaveLength(4); // negative integers are seeds too
    m.dispose();
  });
});

function scores(layers: Record<string, ArrayLike<unknown>>, order = Object.keys(layers)): UnitScores {
  return { criterion: 'test', aggregate: 'sum', layers: order, scores: layers as never };
}

describe('unitMasks', () => {
  const good = scores({ a: Float32Array.from([1, 2, 3, 4]), out: Float32Array.from([1]) });

  it('every numeric option at NaN, ±∞, negative, fractional or of the wrong type → InvalidOptionError', () => {
    const bad: unknown[] = [
      null,
      0.5,
      [],
      { sparsity: '0.5' },
      { sparsity: Infinity },
      { sparsity: -Infinity },
      { sparsity: -0 - 1 },
      { sparsity: NaN },
      { sparsity: 0.5, minUnits: NaN },
      { sparsity: 0.5, minUnits: Infinity },
      { sparsity: 0.5, minUnits: -1 },
      { sparsity: 0.5, minUnits: '2' },
      { sparsity: 0.5, minUnits: 0.5 },
      { sparsity: 0.5, scope: 3 },
    ];
    for (const o of bad)
      expect(
        thrown(() => unitMasks(good, o as never)),
        JSON.stringify(o),
      ).toBeInstanceOf(InvalidOptionError);
  });

  it('malformed score sets → typed errors naming the layer', () => {
    const cases: Array<[UnitScores, new (...a: never[]) => Error, RegExp]> = [
      [scores({ a: [1, 2], out: [1] }, ['a', 'a', 'out']), InvalidOptionError, /'a' twice/],
      [scores({ a: ['1', '2'], out: [1] }), InvalidOptionError, /unit score 0 of layer 'a' is string/],
      [scores({ a: 'ab', out: [1] }), InvalidOptionError, /layer 'a' must be a Float32Array/],
      [scores({ a: Float64Array.from([1, 1e39]), out: [1] }), NonFiniteError, /unit score 1 of layer 'a'.*beyond float32/],
      [scores({ a: [1, 2], out: [1] }, ['a', 7 as never]), InvalidOptionError, /not a string/],
      [{ criterion: 'x', aggregate: 'sum', layers: ['a'], scores: null as never }, InvalidOptionError, /at least one layer/],
      [scores({ out: [1] }, ['missing', 'out']), ShapeMismatchError, /'missing' but have no scores/],
    ];
    for (const [s, type, message] of cases) {
      const e = thrown(() => unitMasks(s, { sparsity: 0.5 }));
      expect(e, message.source).toBeInstanceOf(type);
      expect(e, message.source).toBeInstanceOf(SpamError);
      expect(e.message).toMatch(message);
    }
  });

  it('plain number arrays and Float64Arrays within float32 are accepted', () => {
    expect(unitMasks(scores({ a: [4, 3, 2, 1], out: [1] }), { sparsity: 0.5 }).a).toEqual([true, true, false, false]);
    expect(unitMasks(scores({ a: Float64Array.from([4, 3, 2, 1]), out: [1] }), { sparsity: 0.25 }).a).toEqual([true, true, true, false]);
  });
});
