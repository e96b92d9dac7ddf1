// Masks from scores: exact counts ⌊P·s⌋, ranking with deterministic ties, global vs per-layer,
// biases, `previous`, and N:M along the input axis.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { scoredParams } from '../src/scores/scores.js';
import { Mask } from '../src/masks/mask.js';
import { globalMask, layerMask, pruneCount, scoreMask } from '../src/masks/select.js';
import { nmMask } from '../src/masks/nm.js';
import { randn } from '../../../test/helpers/index.js';
import {
  L,
  asModel,
  dense100,
  mlp,
  convNet,
  scoresFrom,
  tiedScores,
  numParams,
  prunedSet,
  indicesOf,
  expectLowestPruned,
  noLeak,
} from './mask-fixtures.js';

describe('exact counts ⌊P·s⌋', () => {
  it('P = 100 kernel entries: s = 0 → 0, 0.29 → 29, …; biases untouched by default', () => {
    const model = dense100();
    const params = scoredParams(asModel(model));
    expect(params.map((p) => [p.name.endsWith('/kernel'), p.role, p.size, p.offset])).toEqual([
      [true, 'kernel', 100, 0],
      [false, 'bias', 10, 100],
    ]);
    const sc = scoresFrom(model, randn(110, 5));
    const cases: Array<[number, number]> = [
      [0, 0],
      [0.29, 29],
      [0.57, 57],
      [0.07, 7],
      [0.01, 1],
      [0.5, 50],
      [0.999, 99],
      [0.2, 20],
      [0.7, 70],
      [0.99, 99],
    ];
    for (const [s, count] of cases) {
      const mask = noLeak('scoreMask', () => scoreMask(sc, { sparsity: s }));
      expect(mask.numPruned, `s = ${s}`).toBe(count);
      expect(mask.numParams).toBe(110);
      expect(mask.sparsity).toBeCloseTo(count / 110, 12);
      expect(Array.from(mask.block(1))).toEqual(new Array(10).fill(1));
      expect(pruneCount(100, s)).toBe(count);
    }
    expect(0.29 * 100).toBeLessThan(29); // the binary-rounding case the count must survive
    expect(pruneCount(7, 0.5)).toBe(3);
    expect(pruneCount(0, 0.5)).toBe(0);
    sc.dispose();
    model.dispose();
  });

  it('includeBias: ⌊(kernel + bias)·s⌋ over all 110 parameters', () => {
    const model = dense100();
    const sc = scoresFrom(model, randn(110, 6));
    expect(scoreMask(sc, { sparsity: 0.29, includeBias: true }).numPruned).toBe(31); // ⌊31.9⌋
    expect(scoreMask(sc, { sparsity: 0.5, includeBias: true }).numPruned).toBe(55);
    expect(scoreMask(sc, { sparsity: 0, includeBias: true }).numPruned).toBe(0);
    sc.dispose();
    model.dispose();
  });
});

describe('the pruned set is exactly the lowest scores, ties broken by lower canonical index', () => {
  it('global, kernels only: brute-force ranking check with many ties; biases never pruned even with the lowest scores', () => {
    const model = mlp();
    const P = numParams(model);
    expect(P).toBe(53);
    const params = scoredParams(asModel(model));
    const flat = tiedScores(P, 4, 7);
    for (const p of params) if (p.role === 'bias') for (let j = 0; j < p.size; j++) flat[p.offset + j] = -5; // lowest of all
    const sc = scoresFrom(model, flat);
    const kernels = indicesOf(params.filter((p) => p.role === 'kernel'));
    const biases = indicesOf(params.filter((p) => p.role === 'bias'));
    for (const s of [0.1, 0.25, 0.5, 0.6, 0.9]) {
      const mask = scoreMask(sc, { sparsity: s });
      expectLowestPruned(mask, flat, kernels, Math.floor(45 * s + 1e-9), `s = ${s}`);
      expect(biases.every((i) => mask.keep[i] === 1)).toBe(true);
      // deterministic
      expect(Array.from(scoreMask(sc, { sparsity: s }).keep)).toEqual(Array.from(mask.keep));
    }
    // ties: all-equal scores prune the first ⌊P·s⌋ kernel entries in canonical order
    const eq = scoresFrom(model, new Array(P).fill(1));
    const m = scoreMask(eq, { sparsity: 0.5 });
    expect(prunedSet(m)).toEqual(kernels.slice(0, 22));
    eq.dispose();
    sc.dispose();
    model.dispose();
  });

  it('includeBias: biases compete in the same ranking (the lowest-scored biases go first)', () => {
    const model = mlp();
    const params = scoredParams(asModel(model));
    const flat = tiedScores(53, 5, 8);
    for (const p of params) if (p.role === 'bias') for (let j = 0; j < p.size; j++) flat[p.offset + j] = -1;
    const sc = scoresFrom(model, flat);
    const all = indicesOf(params);
    const biases = indicesOf(params.filter((p) => p.role === 'bias'));
    for (const s of [0.1, 0.3, 0.75]) {
      const mask = scoreMask(sc, { sparsity: s, includeBias: true });
      expectLowestPruned(mask, flat, all, Math.floor(53 * s + 1e-9), `s = ${s}`);
    }
    const m = scoreMask(sc, { sparsity: 0.3, includeBias: true }); // 15 pruned: all 8 biases first
    expect(biases.every((i) => m.keep[i] === 0)).toBe(true);
    sc.dispose();
    model.dispose();
  });

  it('global vs per-layer: per layer every layer loses ⌊P_l·s⌋ of its own lowest; globalMask/layerMask are the two scopes', () => {
    const model = mlp();
    const params = scoredParams(asModel(model));
    // layer 2 scores far above layer 1: a global ranking prunes layer 1 first
    const flat = randn(53, 9).map((v, i) => (i >= 35 ? 100 + v : v));
    const sc = scoresFrom(model, flat);
    const k1 = indicesOf([params[0]]);
    const k2 = indicesOf([params[2]]);
    const s = 0.6;
    const g = scoreMask(sc, { sparsity: s });
    expectLowestPruned(g, flat, [...k1, ...k2], 27, 'global');
    expect(k2.every((i) => g.keep[i] === 1)).toBe(true);
    expect(k1.filter((i) => !g.keep[i]).length).toBe(27);
    const l = scoreMask(sc, { sparsity: s, scope: 'layer' });
    expectLowestPruned(l, flat, k1, 18, 'layer 1');
    expectLowestPruned(l, flat, k2, 9, 'layer 2');
    expect(l.numPruned).toBe(27);
    expect(Array.from(globalMask(sc, { sparsity: s }).keep)).toEqual(Array.from(g.keep));
    expect(Array.from(layerMask(sc, { sparsity: s }).keep)).toEqual(Array.from(l.keep));
    // per layer with biases: each layer's kernel + bias compete, ⌊(30+5)·s⌋ and ⌊(15+3)·s⌋
    const lb = scoreMask(sc, { sparsity: s, scope: 'layer', includeBias: true });
    expectLowestPruned(lb, flat, indicesOf(params.slice(0, 2)), 21, 'layer 1 + bias');
    expectLowestPruned(lb, flat, indicesOf(params.slice(2, 4)), 10, 'layer 2 + bias');
    // a conv net per layer
    const cn = convNet();
    const cp = scoredParams(asModel(cn));
    const cf = randn(numParams(cn), 10);
    const cs = scoresFrom(cn, cf);
    const cm = scoreMask(cs, { sparsity: 0.37, scope: 'layer' });
    for (const p of cp.filter((q) => q.role === 'kernel')) expectLowestPruned(cm, cf, indicesOf([p]), Math.floor(p.size * 0.37), p.name);
    expect(cp.filter((q) => q.role === 'bias').every((p) => Array.from(cm.block(cp.indexOf(p))).every((k) => k === 1))).toBe(true);
    cs.dispose();
    cn.dispose();
    sc.dispose();
    model.dispose();
  });

  it('`previous` keeps earlier pruned entries pruned, then prunes the lowest of the rest', () => {
    const model = mlp();
    const params = scoredParams(asModel(model));
    const kernels = indicesOf(params.filter((p) => p.role === 'kernel'));
    const a = randn(53, 11);
    const b = a.map((v) => -v); // what was lowest is now highest
    const sa = scoresFrom(model, a);
    const sb = scoresFrom(model, b);
    const first = scoreMask(sa, { sparsity: 0.3 }); // 13
    const next = noLeak('scoreMask previous', () => scoreMask(sb, { sparsity: 0.6, previous: first })); // 27
    expect(next.numPruned).toBe(27);
    const before = prunedSet(first);
    expect(before.every((i) => next.keep[i] === 0)).toBe(true);
    // the 14 new ones are the lowest b among the entries that were still kept
    const rest = kernels.filter((i) => first.keep[i]);
    expectLowestPruned(next, b, rest, 14, 'new entries');
    // without `previous` the high-b entries pruned earlier would come back
    const fresh = scoreMask(sb, { sparsity: 0.6 });
    expect(before.some((i) => fresh.keep[i] === 1)).toBe(true);
    // per layer too
    const pl = scoreMask(sb, { sparsity: 0.6, scope: 'layer', previous: scoreMask(sa, { sparsity: 0.3, scope: 'layer' }) });
    const firstL = scoreMask(sa, { sparsity: 0.3, scope: 'layer' });
    expect(prunedSet(firstL).every((i) => pl.keep[i] === 0)).toBe(true);
    expect(pl.numPruned).toBe(18 + 9);
    // a lower sparsity than `previous` never un-prunes: the count is at least the earlier one
    const lower = scoreMask(sb, { sparsity: 0.1, previous: next });
    expect(lower.numPruned).toBe(27);
    expect(prunedSet(next).every((i) => lower.keep[i] === 0)).toBe(true);
    sa.dispose();
    sb.dispose();
    model.dispose();
  });
});

describe('N:M masks along the input axis', () => {
  /** Brute force: every group of M along the input axis keeps min(N, size), the highest-scored ones. */
  function checkNm(model: tf.LayersModel, flat: number[], mask: Mask, n: number, m: number): number {
    let expectedPruned = 0;
    let groups = 0;
    let partial = 0;
    for (const p of scoredParams(asModel(model))) {
      const blk = Array.from(mask.block(scoredParams(asModel(model)).findIndex((q) => q.name === p.name)));
      if (p.role === 'bias') {
        expect(
          blk.every((k) => k === 1),
          `${p.name} kept`,
        ).toBe(true);
        continue;
      }
      const fanIn = p.shape[p.shape.length - 2];
      const units = p.shape[p.shape.length - 1];
      const window = p.shape.slice(0, -2).reduce((x, y) => x * y, 1);
      for (let w = 0; w < window; w++)
        for (let o = 0; o < units; o++)
          for (let g0 = 0; g0 < fanIn; g0 += m) {
            const idx: number[] = [];
            for (let j = g0; j < Math.min(fanIn, g0 + m); j++) idx.push(p.offset + (w * fanIn + j) * units + o);
            groups++;
            if (idx.length < m) partial++;
            const kept = idx.filter((i) => mask.keep[i]);
            const pruned = idx.filter((i) => !mask.keep[i]);
            expect(kept.length, `${p.name} group`).toBe(Math.min(n, idx.length));
            expectedPruned += Math.max(0, idx.length - n);
            for (const i of pruned)
              for (const j of kept) {
                if (!(flat[i] < flat[j] || (flat[i] === flat[j] && i < j))) expect.fail(`${p.name}: pruned ${i} outranks kept ${j}`);
              }
          }
    }
    expect(mask.numPruned).toBe(expectedPruned);
    expect(groups).toBeGreaterThan(0);
    return partial;
  }

  for (const [n, m] of [
    [2, 4],
    [1, 3],
  ] as const) {
    it(`${n}:${m} on Dense [in, out] and Conv2D [kh, kw, in, out], with trailing partial groups and ties`, () => {
      const model = convNet();
      const P = numParams(model);
      for (const flat of [randn(P, 20 + n), tiedScores(P, 3, 30 + m)]) {
        const sc = scoresFrom(model, flat);
        const mask = noLeak('nmMask', () => nmMask(sc, { n, m }));
        const partial = checkNm(model, flat, mask, n, m);
        expect(partial).toBeGreaterThan(0); // in = 7 (conv, last dense) always leaves a partial group
        sc.dispose();
      }
      model.dispose();
    });
  }

  it('defaults to 2:4; a Dense whose input is a multiple of M has exactly 50 % kernel sparsity; the kept are the highest', () => {
    const model = tf.sequential({ layers: [L.dense({ inputShape: [8], units: 3 })] });
    const flat = randn(27, 40);
    const sc = scoresFrom(model, flat);
    const mask = nmMask(sc);
    expect(Array.from(mask.keep)).toEqual(Array.from(nmMask(sc, { n: 2, m: 4 }).keep));
    expect(mask.numPruned).toBe(12);
    // column o, rows 0..3 and 4..7: kept = the two largest
    for (let o = 0; o < 3; o++)
      for (const g0 of [0, 4]) {
        const idx = [0, 1, 2, 3].map((j) => (g0 + j) * 3 + o);
        const top = [...idx]
          .sort((a, b) => flat[b] - flat[a])
          .slice(0, 2)
          .sort((a, b) => a - b);
        expect(idx.filter((i) => mask.keep[i])).toEqual(top);
      }
    sc.dispose();
    model.dispose();
  });
});
