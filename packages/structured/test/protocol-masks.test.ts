import { describe, expect, it } from 'vitest';
import { InvalidOptionError, NonFiniteError } from '@spam/core';
import { layerFractionMasks, type UnitScores } from '@spam/structured';
import { rng, thrown } from '../../../test/helpers/index.js';

/** Seeded distinct scores for layers of the given sizes (the last is the output layer). */
function scoresFor(sizes: number[], seed: number): UnitScores {
  const u = rng(seed);
  const layers = sizes.map((_, i) => `l${i}`);
  const scores: Record<string, Float32Array> = {};
  layers.forEach((name, i) => (scores[name] = Float32Array.from({ length: sizes[i] }, () => u() * 2 - 1)));
  return { criterion: 'test', aggregate: 'sum', layers, scores };
}

/** Brute force: among all subsets of k units, the one with the lowest summed score (its members, sorted). */
function bruteForceRemoved(s: Float32Array, k: number): number[] {
  let best: number[] = [];
  let bestSum = Infinity;
  for (let bits = 0; bits < 1 << s.length; bits++) {
    const members = Array.from({ length: s.length }, (_, i) => i).filter((i) => (bits >> i) & 1);
    if (members.length !== k) continue;
    const sum = members.reduce((a, i) => a + s[i], 0);
    if (sum < bestSum) [best, bestSum] = [members, sum];
  }
  return best;
}

const removed = (mask: ReadonlyArray<boolean>) => mask.flatMap((keep, i) => (keep ? [] : [i]));

describe('layerFractionMasks: the paper’s per-layer selection', () => {
  it('removes, in every layer but the output, the subset of ⌊n·r⌋ units with the lowest summed score (brute force)', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const sizes = [1 + (seed % 8), 2 + ((seed * 3) % 7), 5, 3];
      const us = scoresFor(sizes, seed);
      for (const r of [0, 0.2, 0.5, 0.75, 0.99]) {
        const masks = layerFractionMasks(us, r);
        us.layers.forEach((name, l) => {
          const n = sizes[l];
          if (l === sizes.length - 1) {
            expect(masks[name]).toEqual(new Array(n).fill(true)); // output units never removed
            return;
          }
          expect(removed(masks[name])).toEqual(bruteForceRemoved(us.scores[name], Math.floor(n * r)));
          expect(masks[name].some(Boolean)).toBe(true); // never empties a layer
        });
      }
    }
  });

  it('per-layer fractions prune only the named layers; ties go to the lower index', () => {
    const us: UnitScores = {
      criterion: 'test',
      aggregate: 'sum',
      layers: ['a', 'b', 'out'],
      scores: { a: Float32Array.from([1, 1, 1, 1]), b: Float32Array.from([3, 1, 2]), out: Float32Array.from([0, 0]) },
    };
    const masks = layerFractionMasks(us, { a: 0.5 });
    expect(masks).toEqual({ a: [false, false, true, true], b: [true, true, true], out: [true, true] });
    expect(layerFractionMasks(us, { b: 0.7 }).b).toEqual([true, false, false]);
  });

  it('typed errors naming the option: fractions outside [0, 1), the output layer, unknown layers, non-finite scores', () => {
    const us = scoresFor([4, 3, 2], 3);
    for (const bad of [1, -0.1, NaN, 1.5, '0.5']) {
      const e = thrown(() => layerFractionMasks(us, bad as never));
      expect(e).toBeInstanceOf(InvalidOptionError);
      expect(e.message).toMatch(/fraction must be a number in \[0, 1\)/);
    }
    expect(thrown(() => layerFractionMasks(us, { l0: 1 })).message).toMatch(/fraction for layer 'l0'.*\[0, 1\)/);
    expect(thrown(() => layerFractionMasks(us, { l2: 0.5 })).message).toMatch(/'l2'.*output layer/);
    expect(thrown(() => layerFractionMasks(us, { nope: 0.5 }))).toBeInstanceOf(InvalidOptionError);
    expect(thrown(() => layerFractionMasks(us, { nope: 0.5 })).message).toMatch(/unknown layer 'nope'/);
    const nan: UnitScores = { ...us, scores: { ...us.scores, l1: Float32Array.from([0, NaN, 1]) } };
    expect(thrown(() => layerFractionMasks(nan, 0.5))).toBeInstanceOf(NonFiniteError);
    expect(thrown(() => layerFractionMasks(null as never, 0.5))).toBeInstanceOf(InvalidOptionError);
  });
});
