import { describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { InvalidOptionError, NonFiniteError, ShapeMismatchError } from '@spam/core';
import { magnitudeScores, ParamScores, randomScores, scoredParams } from '@spam/prune';
import { magnitudeUnitScores, randomUnitScores, unitMasks, unitScores, type UnitScores } from '@spam/structured';
import { arr, seedWeights, thrown } from '../../../test/helpers/index.js';

const L = tf.layers;

/** Conv2D(2 filters, 1×2 kernel, 1 input channel) → Flatten → Dense(3, no bias) → Dense(2). */
function net(): tf.Sequential {
  const m = tf.sequential({
    layers: [
      L.conv2d({ inputShape: [2, 3, 1], filters: 2, kernelSize: [1, 2], name: 'c' }), // → [2, 2, 2]
      L.flatten(),
      L.dense({ units: 3, useBias: false, name: 'd' }),
      L.dense({ units: 2, name: 'out' }),
    ],
  });
  seedWeights(m, 1);
  return m;
}

/** Element scores s = 1, 2, 3, … in canonical order (kernel then bias per layer). */
function countingScores(m: tf.LayersModel): ParamScores {
  const params = scoredParams(m);
  let next = 1;
  const blocks = params.map((p) =>
    tf.tensor(
      Array.from({ length: p.size }, () => next++),
      [...p.shape],
    ),
  );
  return new ParamScores('counting', params, blocks);
}

describe('unitScores', () => {
  it('aggregates kernel slice [..., o] and bias[o] per unit: sum, mean, l2', () => {
    const m = net();
    const s = countingScores(m);
    // c: kernel [1, 2, 1, 2] = 1..4 (unit o holds entries o, o+2), bias [2] = 5, 6.
    // d: kernel [8, 3] = 7..30 (unit o holds 7+o, 10+o, …, 28+o), no bias.
    // out: kernel [3, 2] = 31..36, bias = 37, 38.
    const dUnit = (o: number) => Array.from({ length: 8 }, (_, r) => 7 + r * 3 + o);
    const units: Record<string, number[][]> = {
      c: [
        [1, 3, 5],
        [2, 4, 6],
      ],
      d: [0, 1, 2].map(dUnit),
      out: [
        [31, 33, 35, 37],
        [32, 34, 36, 38],
      ],
    };
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const expected = {
      sum: (xs: number[]) => sum(xs),
      mean: (xs: number[]) => sum(xs) / xs.length,
      l2: (xs: number[]) => Math.sqrt(sum(xs.map((x) => x * x))),
    };
    for (const aggregate of ['sum', 'mean', 'l2'] as const) {
      const u = unitScores(s, { aggregate });
      expect(u.layers).toEqual(['c', 'd', 'out']);
      expect(u.criterion).toBe('counting');
      expect(u.aggregate).toBe(aggregate);
      for (const name of u.layers) {
        expect(u.scores[name]).toBeInstanceOf(Float32Array);
        const want = units[name].map(expected[aggregate]);
        Array.from(u.scores[name]).forEach((v, o) => expect(v, `${aggregate} ${name}[${o}]`).toBeCloseTo(want[o], 4));
      }
    }
    expect(unitScores(s).aggregate).toBe('sum');
    s.dispose();
    m.dispose();
  });

  it('magnitude per unit is the L1 norm Σ|W[..., o]| + |b_o|', () => {
    const m = net();
    const u = magnitudeUnitScores(m);
    const [k, b] = m.getLayer('c').getWeights().map(arr);
    const want = [0, 1].map((o) => Math.abs(k[o]) + Math.abs(k[o + 2]) + Math.abs(b[o]));
    expect(Array.from(u.scores.c)[0]).toBeCloseTo(want[0], 5);
    expect(Array.from(u.scores.c)[1]).toBeCloseTo(want[1], 5);
    const viaScores = magnitudeScores(m);
    expect(unitScores(viaScores)).toEqual(u);
    viaScores.dispose();
    m.dispose();
  });

  it('randomUnitScores: one U(0, 1) per unit, seeded and reproducible', () => {
    const m = net();
    const a = randomUnitScores(m, { seed: 3 });
    const b = randomUnitScores(m, { seed: 3 });
    const c = randomUnitScores(m, { seed: 4 });
    expect(a).toEqual(b);
    expect(a.scores.d).not.toEqual(c.scores.d);
    expect(a.layers.map((n) => a.scores[n].length)).toEqual([2, 3, 2]);
    for (const n of a.layers) for (const v of a.scores[n]) expect(v >= 0 && v < 1).toBe(true);
    expect(a.aggregate).toBe('none');
    expect(thrown(() => randomUnitScores(m, { seed: 1.5 }))).toBeInstanceOf(InvalidOptionError);
    m.dispose();
  });

  it('bad input: unknown aggregate, disposed scores', () => {
    const m = net();
    const s = randomScores(m);
    expect(thrown(() => unitScores(s, { aggregate: 'max' as never }))).toBeInstanceOf(InvalidOptionError);
    s.dispose();
    expect(thrown(() => unitScores(s)).message).toMatch(/disposed/);
    m.dispose();
  });

  it('leaves tf.memory().numTensors unchanged', () => {
    const m = net();
    const s = randomScores(m, { seed: 2 });
    const before = tf.memory().numTensors;
    const u = unitScores(s, { aggregate: 'l2' });
    magnitudeUnitScores(m);
    randomUnitScores(m);
    unitMasks(u, { sparsity: 0.5 });
    unitMasks(u, { sparsity: 0.5, scope: 'global' });
    expect(tf.memory().numTensors).toBe(before);
    s.dispose();
    m.dispose();
  });
});

function scores(layers: Record<string, number[]>): UnitScores {
  const out: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(layers)) out[k] = Float32Array.from(v);
  return { criterion: 'test', aggregate: 'sum', layers: Object.keys(layers), scores: out };
}

describe('unitMasks', () => {
  const s = scores({ a: [5, 1, 4, 2, 3], b: [10, 30, 20, 40], out: [0, 0, 0] });

  it("scope 'layer' (default): removes ⌊n·r⌋ lowest per layer; the last layer keeps all", () => {
    const m = unitMasks(s, { sparsity: 0.5 });
    expect(m).toEqual({
      a: [true, false, true, false, true], // ⌊5·0.5⌋ = 2: scores 1 and 2
      b: [false, true, false, true], // 2: scores 10 and 20
      out: [true, true, true],
    });
    expect(unitMasks(s, { sparsity: 0 }).a.every(Boolean)).toBe(true);
    expect(unitMasks(s, { sparsity: 0.39 }).a.filter((k) => !k).length).toBe(1); // ⌊1.95⌋
  });

  it('minUnits caps removal; sparsity 1 keeps minUnits (default 1)', () => {
    expect(unitMasks(s, { sparsity: 1 })).toEqual({
      a: [true, false, false, false, false],
      b: [false, false, false, true],
      out: [true, true, true],
    });
    const m = unitMasks(s, { sparsity: 0.9, minUnits: 3 });
    expect(m.a.filter(Boolean).length).toBe(3);
    expect(m.b.filter(Boolean).length).toBe(3);
    const few = unitMasks(scores({ a: [1, 2], out: [1] }), { sparsity: 1, minUnits: 5 });
    expect(few.a).toEqual([true, true]);
  });

  it('ties: the lower unit index is removed first', () => {
    const m = unitMasks(scores({ a: [2, 1, 1, 1, 2, 1], out: [1] }), { sparsity: 0.5 });
    expect(m.a).toEqual([true, false, false, false, true, true]);
  });

  it("scope 'global': ranks s / mean_layer |s| over all layers but the last", () => {
    // a: mean 3 → [1.67, 0.33, 1.33, 0.67, 1]; b: mean 25 → [0.4, 1.2, 0.8, 1.6]. 9 units, ⌊9·0.5⌋ = 4 removed:
    // 0.33 (a1), 0.4 (b0), 0.67 (a3), 0.8 (b2).
    expect(unitMasks(s, { sparsity: 0.5, scope: 'global' })).toEqual({
      a: [true, false, true, false, true],
      b: [false, true, false, true],
      out: [true, true, true],
    });
    // 6 of 9 removed: next are 1 (a4) and 1.2 (b1); then 1.33 (a2)…
    const m6 = unitMasks(s, { sparsity: 0.7, scope: 'global' });
    expect(m6.a).toEqual([true, false, true, false, false]);
    expect(m6.b).toEqual([false, false, false, true]);
    // minUnits holds globally too: a layer stops losing units and the budget moves on.
    const capped = unitMasks(s, { sparsity: 1, scope: 'global', minUnits: 2 });
    expect(capped.a.filter(Boolean).length).toBe(2);
    expect(capped.b.filter(Boolean).length).toBe(2);
    // Scale invariance: multiplying one layer's scores does not change the global choice.
    const scaled = scores({ a: [5, 1, 4, 2, 3].map((v) => v * 1000), b: [10, 30, 20, 40], out: [0, 0, 0] });
    expect(unitMasks(scaled, { sparsity: 0.5, scope: 'global' })).toEqual(unitMasks(s, { sparsity: 0.5, scope: 'global' }));
    // An all-zero layer normalises to 0 (ranked first).
    expect(unitMasks(scores({ z: [0, 0], b: [1, 2], out: [1] }), { sparsity: 0.25, scope: 'global' }).z).toEqual([false, true]);
  });

  it('deprecated `fraction` is `sparsity` (same masks, one warning); both given and different → InvalidOptionError naming both', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      for (const r of [0, 0.39, 0.5, 1]) {
        expect(unitMasks(s, { fraction: r }), `fraction ${r}`).toEqual(unitMasks(s, { sparsity: r }));
        expect(unitMasks(s, { fraction: r, scope: 'global' })).toEqual(unitMasks(s, { sparsity: r, scope: 'global' }));
      }
      const mine = warn.mock.calls.filter((c) => /unitMasks option `fraction` is deprecated; use `sparsity`/.test(String(c[0])));
      expect(mine.length).toBe(1); // 8 calls, one warning (test files run isolated: no earlier warning)
      expect(unitMasks(s, { sparsity: 0.5, fraction: 0.5 })).toEqual(unitMasks(s, { sparsity: 0.5 }));
      const e = thrown(() => unitMasks(s, { sparsity: 0.5, fraction: 0.2 }));
      expect(e).toBeInstanceOf(InvalidOptionError);
      expect(e.message).toMatch(/both sparsity \(0.5\) and its deprecated alias fraction \(0.2\)/);
      expect(thrown(() => unitMasks(s, { fraction: 1.5 })).message).toMatch(/^fraction must be/);
      expect(thrown(() => unitMasks(s, {})).message).toMatch(/^sparsity must be/);
    } finally {
      warn.mockRestore();
    }
  });

  it('a single-layer model removes nothing', () => {
    expect(unitMasks(scores({ out: [1, 2, 3] }), { sparsity: 0.9 })).toEqual({ out: [true, true, true] });
  });

  it('bad options: InvalidOptionError; bad scores: typed errors', () => {
    for (const opts of [
      { sparsity: -0.1 },
      { sparsity: 1.5 },
      { sparsity: NaN },
      {},
      { sparsity: 0.5, scope: 'all' },
      { sparsity: 0.5, minUnits: 0 },
      { sparsity: 0.5, minUnits: 1.5 },
    ]) {
      expect(
        thrown(() => unitMasks(s, opts as never)),
        JSON.stringify(opts),
      ).toBeInstanceOf(InvalidOptionError);
    }
    expect(thrown(() => unitMasks({ ...s, layers: [] }, { sparsity: 0.5 }))).toBeInstanceOf(InvalidOptionError);
    expect(thrown(() => unitMasks({ ...s, layers: ['a', 'x'] }, { sparsity: 0.5 }))).toBeInstanceOf(ShapeMismatchError);
    expect(thrown(() => unitMasks(scores({ a: [1, NaN], out: [1] }), { sparsity: 0.5 }))).toBeInstanceOf(NonFiniteError);
  });
});
