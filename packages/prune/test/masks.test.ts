// Masks: exact counts, ranking with deterministic ties, global vs per-layer, biases, `previous`,
// N:M, applying and keeping masks during training, sparsity reports, typed errors, leaks.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { InvalidDataError, InvalidOptionError, NonFiniteError, ShapeMismatchError, type ModelLike } from '@spam/core';
import { marglikTraining } from '@spam/laplace';
import { MaskMismatchError } from '../src/errors.js';
import { ParamScores, scoredParams, type ScoredParam } from '../src/scores/scores.js';
import { magnitudeScores } from '../src/scores/magnitude.js';
import { randomScores } from '../src/scores/random.js';
import { Mask } from '../src/masks/mask.js';
import { checkSparsity, globalMask, layerMask, pruneCount, scoreMask } from '../src/masks/select.js';
import { nmMask } from '../src/masks/nm.js';
import { applyMask, MaskApplier } from '../src/masks/apply.js';
import { formatSparsityReport, sparsityReport } from '../src/masks/report.js';
import { sparsitySweep } from '../src/sweep.js';
import { arr, randn, randomLabels, randomTensor, rng, seedWeights, thrown } from '../../../test/helpers/index.js';

const L = tf.layers;
const asModel = (m: tf.LayersModel) => m as unknown as ModelLike;

/** Dense 10 → 10: 100 kernel entries, 10 biases. */
function dense100(seed = 1): tf.LayersModel {
  const m = tf.sequential({ layers: [L.dense({ inputShape: [10], units: 10 })] });
  seedWeights(m, seed);
  return m;
}

/** Dense 6 → 5 → 3: kernels 30 + 15, biases 5 + 3. */
function mlp(seed = 2): tf.LayersModel {
  const m = tf.sequential({ layers: [L.dense({ inputShape: [6], units: 5, activation: 'tanh' }), L.dense({ units: 3 })] });
  seedWeights(m, seed);
  return m;
}

/** Conv2D [2,2,7,3] → Flatten (27) → Dense 27→7 → Dense 7→2: input axes of 7, 27, 7 entries. */
function convNet(seed = 3): tf.LayersModel {
  const m = tf.sequential({ layers: [
    L.conv2d({ inputShape: [4, 4, 7], filters: 3, kernelSize: 2, activation: 'tanh' }),
    L.flatten(),
    L.dense({ units: 7, activation: 'tanh' }),
    L.dense({ units: 2 }),
  ] });
  seedWeights(m, seed);
  return m;
}

/** User scores from one flat array in canonical order. */
function scoresFrom(model: tf.LayersModel, flat: number[], criterion = 'user'): ParamScores {
  const params = scoredParams(asModel(model));
  return new ParamScores(criterion, params, params.map((p) => tf.tensor(flat.slice(p.offset, p.offset + p.size), [...p.shape])));
}

/** Seeded integer scores in [0, k): many ties. */
function tiedScores(n: number, k: number, seed: number): number[] {
  const u = rng(seed);
  return Array.from({ length: n }, () => Math.floor(u() * k));
}

const numParams = (m: tf.LayersModel) => scoredParams(asModel(m)).reduce((a, p) => a + p.size, 0);
const prunedSet = (mask: Mask) => [...mask.keep.keys()].filter((i) => !mask.keep[i]);

/** Canonical indices of the given parameter tensors. */
function indicesOf(params: readonly ScoredParam[]): number[] {
  return params.flatMap((p) => Array.from({ length: p.size }, (_, j) => p.offset + j));
}

/**
 * Brute force: in `group`, exactly `count` entries are pruned and every pruned entry ranks below
 * every kept one (lower score, or the same score and a lower index).
 */
function expectLowestPruned(mask: Mask, flat: ArrayLike<number>, group: number[], count: number, what = ''): void {
  const pruned = group.filter((i) => !mask.keep[i]);
  const kept = group.filter((i) => mask.keep[i]);
  expect(pruned.length, `${what} pruned count`).toBe(count);
  for (const i of pruned) for (const j of kept) {
    const below = flat[i] < flat[j] || (flat[i] === flat[j] && i < j);
    if (!below) expect.fail(`${what}: pruned ${i} (score ${flat[i]}) does not rank below kept ${j} (score ${flat[j]})`);
  }
}

/** Asserts that fn leaves tf.memory().numTensors unchanged and returns its result. */
function noLeak<T>(what: string, fn: () => T): T {
  const before = tf.memory().numTensors;
  const r = fn();
  expect(tf.memory().numTensors, `${what} leaks`).toBe(before);
  return r;
}

async function noLeakAsync<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const r = await fn();
  expect(tf.memory().numTensors, `${what} leaks`).toBe(before);
  return r;
}

describe('exact counts ⌊P·s⌋', () => {
  it('P = 100 kernel entries: s = 0 → 0, 0.29 → 29, …; biases untouched by default', () => {
    const model = dense100();
    const params = scoredParams(asModel(model));
    expect(params.map((p) => [p.name.endsWith('/kernel'), p.role, p.size, p.offset])).toEqual([[true, 'kernel', 100, 0], [false, 'bias', 10, 100]]);
    const sc = scoresFrom(model, randn(110, 5));
    const cases: Array<[number, number]> = [[0, 0], [0.29, 29], [0.57, 57], [0.07, 7], [0.01, 1], [0.5, 50], [0.999, 99], [0.2, 20], [0.7, 70], [0.99, 99]];
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
        expect(blk.every((k) => k === 1), `${p.name} kept`).toBe(true);
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
            for (const i of pruned) for (const j of kept) {
              if (!(flat[i] < flat[j] || (flat[i] === flat[j] && i < j))) expect.fail(`${p.name}: pruned ${i} outranks kept ${j}`);
            }
          }
    }
    expect(mask.numPruned).toBe(expectedPruned);
    expect(groups).toBeGreaterThan(0);
    return partial;
  }

  for (const [n, m] of [[2, 4], [1, 3]] as const) {
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
        const top = [...idx].sort((a, b) => flat[b] - flat[a]).slice(0, 2).sort((a, b) => a - b);
        expect(idx.filter((i) => mask.keep[i])).toEqual(top);
      }
    sc.dispose();
    model.dispose();
  });
});

describe('applyMask and MaskApplier', () => {
  it('applyMask zeroes exactly the masked weights and leaves the others bit-identical', () => {
    for (const model of [mlp(12), convNet(13)]) {
      const before = model.getWeights().flatMap(arr);
      const sc = randomScores(asModel(model), { seed: 4 });
      const mask = scoreMask(sc, { sparsity: 0.5, includeBias: true });
      noLeak('applyMask', () => applyMask(asModel(model), mask));
      const after = model.getWeights().flatMap(arr);
      after.forEach((v, i) => {
        if (mask.keep[i]) expect(v).toBe(before[i]);
        else expect(Math.abs(v)).toBe(0); // θ·0 may be −0 for negative θ
      });
      expect(before.filter((_, i) => !mask.keep[i]).every((v) => v !== 0)).toBe(true);
      sc.dispose();
      model.dispose();
    }
  });

  const regData = () => ({ xs: randomTensor([40, 6], 50), ys: randomTensor([40, 3], 51) });

  it('(a) custom loop: optimizer.minimize / applyGradients + apply() keeps the pruned weights at zero', () => {
    const model = mlp(14);
    const { xs, ys } = regData();
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const sc = magnitudeScores(asModel(model));
    const mask = scoreMask(sc, { sparsity: 0.6, includeBias: true });
    sc.dispose();
    const applier = new MaskApplier(asModel(model), mask);
    expect(applier.mask).toBe(mask);
    noLeak('apply', () => applier.apply());
    const loss = () => tf.losses.meanSquaredError(ys, model.apply(xs) as tf.Tensor) as tf.Scalar;
    const opt = tf.train.sgd(0.1);
    // without re-applying, a step moves pruned weights off zero (so the applier matters)
    opt.minimize(loss, false, vars);
    const moved = model.getWeights().flatMap(arr);
    expect(moved.some((v, i) => !mask.keep[i] && v !== 0)).toBe(true);
    applier.apply();
    for (let step = 0; step < 5; step++) {
      opt.minimize(loss, false, vars);
      noLeak('apply', () => applier.apply());
      const w = model.getWeights().flatMap(arr);
      expect(w.every((v, i) => mask.keep[i] || v === 0)).toBe(true);
      expect(w.filter((_, i) => mask.keep[i]).every((v) => v !== 0)).toBe(true);
    }
    const adam = tf.train.adam(0.05);
    for (let step = 0; step < 5; step++) {
      const { value, grads } = tf.variableGrads(loss, vars);
      adam.applyGradients(grads as unknown as Parameters<typeof adam.applyGradients>[0]);
      tf.dispose([value, ...Object.values(grads)]);
      applier.apply();
    }
    expect(model.getWeights().flatMap(arr).every((v, i) => mask.keep[i] || v === 0)).toBe(true);
    applier.dispose();
    applier.dispose(); // idempotent
    expect(() => applier.apply()).toThrow();
    opt.dispose();
    adam.dispose();
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('(b) model.fit with applier.callback(): pruned weights are zero after fit', async () => {
    const model = mlp(15);
    const { xs, ys } = regData();
    const sc = randomScores(asModel(model), { seed: 9 });
    const mask = scoreMask(sc, { sparsity: 0.7 });
    sc.dispose();
    const applier = new MaskApplier(asModel(model), mask);
    const before = model.getWeights().flatMap(arr);
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
    const h = await model.fit(xs, ys, { epochs: 3, batchSize: 10, verbose: 0, callbacks: [applier.callback()] });
    expect(h.history.loss).toHaveLength(3);
    const w = model.getWeights().flatMap(arr);
    expect(w.every((v, i) => mask.keep[i] || v === 0)).toBe(true);
    expect(w.filter((v, i) => mask.keep[i] && v !== before[i]).length).toBeGreaterThan(10); // it did train
    applier.dispose();
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('(c) marglikTraining with hooks: applier.hooks() keeps the mask through training and the final Laplace', async () => {
    const model = tf.sequential({ layers: [L.dense({ inputShape: [6], units: 8, activation: 'tanh' }), L.dense({ units: 3 })] });
    seedWeights(model, 16, 0.5);
    const xs = randomTensor([48, 6], 60);
    const ys = tf.tensor1d(randomLabels(48, 3, 61));
    const sc = randomScores(asModel(model), { seed: 3 });
    const mask = scoreMask(sc, { sparsity: 0.5 });
    sc.dispose();
    const applier = new MaskApplier(asModel(model), mask);
    applier.apply();
    const hooks = applier.hooks();
    expect(typeof hooks.afterBatch).toBe('function');
    const r = await marglikTraining(asModel(model), { xs, ys, batchSize: 16 }, {
      likelihood: 'classification', epochs: 2, hessian: 'diag', marglikEvery: 1, hyperSteps: 2, lr: 0.05, hooks,
    });
    expect(r.history).toHaveLength(2);
    const w = model.getWeights().flatMap(arr);
    expect(w.every((v, i) => mask.keep[i] || v === 0)).toBe(true);
    expect(r.laplace.theta.flatMap(arr).every((v, i) => mask.keep[i] || v === 0)).toBe(true);
    expect(sparsityReport(asModel(model)).overall.kernel.zeros).toBe(mask.numPruned);
    r.laplace.dispose();
    r.prior.dispose();
    applier.dispose();
    tf.dispose([xs, ys]);
    model.dispose();
  });
});

describe('sparsityReport and formatSparsityReport', () => {
  it('on a mask: counts per layer and overall, kernel/bias split', () => {
    const model = mlp(17);
    const params = scoredParams(asModel(model));
    const keep = new Uint8Array(53).fill(1);
    for (let i = 0; i < 12; i++) keep[i] = 0; // 12 of layer 1's kernel (30)
    keep[30] = 0; // 1 of layer 1's bias (5)
    for (let i = 35; i < 40; i++) keep[i] = 0; // 5 of layer 2's kernel (15)
    const mask = new Mask(params, keep);
    const r = noLeak('sparsityReport', () => sparsityReport(mask));
    const [l1, l2] = params.filter((p) => p.role === 'kernel').map((p) => p.layerName);
    expect(r.layers.map((l) => l.layer)).toEqual([l1, l2]);
    expect(r.layers[0].kernel).toEqual({ total: 30, zeros: 12, sparsity: 0.4 });
    expect(r.layers[0].bias).toEqual({ total: 5, zeros: 1, sparsity: 0.2 });
    expect(r.layers[0].all).toEqual({ total: 35, zeros: 13, sparsity: 13 / 35 });
    expect(r.layers[1].kernel).toEqual({ total: 15, zeros: 5, sparsity: 5 / 15 });
    expect(r.layers[1].bias).toEqual({ total: 3, zeros: 0, sparsity: 0 });
    expect(r.overall.kernel).toEqual({ total: 45, zeros: 17, sparsity: 17 / 45 });
    expect(r.overall.bias).toEqual({ total: 8, zeros: 1, sparsity: 1 / 8 });
    expect(r.overall.all).toEqual({ total: 53, zeros: 18, sparsity: 18 / 53 });
    const text = formatSparsityReport(r);
    for (const l of [l1, l2, 'overall', 'kernel', 'bias']) expect(text).toContain(l);
    expect(text).toContain('40.00% of 30');
    expect(text.split('\n')).toHaveLength(4);
    model.dispose();
  });

  it('on a model: exact zeros of the current weights; a layer without bias reports bias total 0', () => {
    const model = tf.sequential({ layers: [
      L.conv2d({ inputShape: [4, 4, 2], filters: 3, kernelSize: 2, useBias: false }),
      L.flatten(),
      L.dense({ units: 2 }),
    ] });
    seedWeights(model, 18);
    const sc = randomScores(asModel(model), { seed: 1 });
    const mask = scoreMask(sc, { sparsity: 0.45, includeBias: true });
    sc.dispose();
    applyMask(asModel(model), mask);
    const fromModel = noLeak('sparsityReport(model)', () => sparsityReport(asModel(model)));
    expect(fromModel).toEqual(sparsityReport(mask));
    expect(fromModel.layers[0].bias).toEqual({ total: 0, zeros: 0, sparsity: 0 });
    expect(fromModel.overall.all.zeros).toBe(Math.floor(numParams(model) * 0.45));
    const text = formatSparsityReport(fromModel);
    for (const l of fromModel.layers) expect(text).toContain(l.layer);
    expect(text).toMatch(/ - /); // the bias-free layer's bias column
    model.dispose();
  });
});

describe('magnitude and random scores', () => {
  it('magnitude = |θ|; random is seeded U(0, 1)', () => {
    const model = mlp(19);
    const m = noLeak('magnitudeScores', () => {
      const s = magnitudeScores(asModel(model));
      const f = Array.from(s.flat());
      s.dispose();
      return f;
    });
    expect(m).toEqual(model.getWeights().flatMap(arr).map(Math.abs).map((v) => Math.fround(v)));
    const r1 = randomScores(asModel(model), { seed: 5 });
    const r2 = randomScores(asModel(model), { seed: 5 });
    const r3 = randomScores(asModel(model), { seed: 6 });
    expect(Array.from(r1.flat())).toEqual(Array.from(r2.flat()));
    expect(Array.from(r1.flat())).not.toEqual(Array.from(r3.flat()));
    expect(Array.from(r1.flat()).every((v) => v >= 0 && v < 1)).toBe(true);
    expect(r1.criterion).toBe('random');
    expect(thrown(() => randomScores(asModel(model), { seed: 0.5 }))).toBeInstanceOf(InvalidOptionError);
    [r1, r2, r3].forEach((s) => s.dispose());
    model.dispose();
  });
});

describe('typed errors', () => {
  it('sparsity −0.1, 1, NaN (and > 1, non-numbers) → InvalidOptionError; bad scope → InvalidOptionError', () => {
    const model = mlp(20);
    const sc = randomScores(asModel(model));
    noLeak('errors', () => {
      for (const s of [-0.1, 1, NaN, 1.5, Infinity, '0.5' as unknown as number]) {
        expect(thrown(() => scoreMask(sc, { sparsity: s })), String(s)).toBeInstanceOf(InvalidOptionError);
        expect(thrown(() => layerMask(sc, { sparsity: s }))).toBeInstanceOf(InvalidOptionError);
        expect(thrown(() => checkSparsity(s))).toBeInstanceOf(InvalidOptionError);
      }
      expect(thrown(() => scoreMask(sc, { sparsity: 0.5, scope: 'unit' as never }))).toBeInstanceOf(InvalidOptionError);
      expect(checkSparsity(0)).toBe(0);
    });
    sc.dispose();
    model.dispose();
  });

  it('N ≥ M, N < 1, non-integers → InvalidOptionError', () => {
    const model = mlp(21);
    const sc = randomScores(asModel(model));
    noLeak('nm errors', () => {
      for (const o of [{ n: 4, m: 4 }, { n: 5, m: 4 }, { n: 0, m: 4 }, { n: 1.5, m: 4 }, { n: 2, m: 0 }, { n: 1, m: 2.5 }, { n: 4 }]) {
        expect(thrown(() => nmMask(sc, o)), JSON.stringify(o)).toBeInstanceOf(InvalidOptionError);
      }
    });
    sc.dispose();
    model.dispose();
  });

  it('a mask or score set from another model → MaskMismatchError (applyMask, MaskApplier, previous, and, sparsitySweep)', () => {
    const a = mlp(22);
    const b = tf.sequential({ layers: [L.dense({ inputShape: [6], units: 4, activation: 'tanh' }), L.dense({ units: 3 })] });
    const c = tf.sequential({ layers: [L.dense({ inputShape: [6], units: 5, activation: 'tanh' })] });
    const sa = randomScores(asModel(a));
    const sb = randomScores(asModel(b));
    const maskA = scoreMask(sa, { sparsity: 0.5 });
    const maskB = scoreMask(sb, { sparsity: 0.5 });
    const xs = randomTensor([4, 6], 70);
    const ys = tf.tensor1d([0, 1, 2, 0]);
    const wb = b.getWeights().flatMap(arr);
    noLeak('mismatch errors', () => {
      for (const model of [b, c]) {
        expect(thrown(() => applyMask(asModel(model), maskA))).toBeInstanceOf(MaskMismatchError);
        expect(thrown(() => new MaskApplier(asModel(model), maskA))).toBeInstanceOf(MaskMismatchError);
        expect(thrown(() => sparsitySweep(asModel(model), sa, { likelihood: 'classification', data: { xs, ys }, sparsities: [0.5] }))).toBeInstanceOf(MaskMismatchError);
      }
      expect(thrown(() => scoreMask(sb, { sparsity: 0.6, previous: maskA }))).toBeInstanceOf(MaskMismatchError);
      expect(thrown(() => maskA.and(maskB))).toBeInstanceOf(MaskMismatchError);
      expect(thrown(() => new Mask(maskA.params, new Uint8Array(3)))).toBeInstanceOf(MaskMismatchError);
    });
    expect(b.getWeights().flatMap(arr)).toEqual(wb); // nothing written
    const err = thrown(() => applyMask(asModel(b), maskA)) as MaskMismatchError;
    expect(err.code).toBe('MASK_MISMATCH');
    expect(err.message).toMatch(/another model/);
    [sa, sb].forEach((s) => s.dispose());
    tf.dispose([xs, ys]);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('ParamScores: wrong shape or count → ShapeMismatchError, NaN/±∞ → NonFiniteError naming the tensor; the tensors are freed', () => {
    const model = mlp(23);
    const params = scoredParams(asModel(model));
    const good = () => params.map((p) => tf.ones([...p.shape]));
    noLeak('ParamScores errors', () => {
      const wrongShape = good();
      wrongShape[0].dispose();
      wrongShape[0] = tf.ones([5, 6]);
      expect(thrown(() => new ParamScores('x', params, wrongShape))).toBeInstanceOf(ShapeMismatchError);
      const flatShape = good();
      flatShape[2].dispose();
      flatShape[2] = tf.ones([15]);
      expect(thrown(() => new ParamScores('x', params, flatShape))).toBeInstanceOf(ShapeMismatchError);
      const three = good();
      const fourth = three.pop() as tf.Tensor;
      expect(thrown(() => new ParamScores('x', params, three))).toBeInstanceOf(ShapeMismatchError);
      expect(three.every((t) => t.isDisposed)).toBe(true); // ownership: freed on error
      fourth.dispose();
      for (const bad of [NaN, Infinity, -Infinity]) {
        const blocks = good();
        blocks[3].dispose();
        blocks[3] = tf.tensor1d([1, bad, 1]);
        const e = thrown(() => new ParamScores('x', params, blocks));
        expect(e).toBeInstanceOf(NonFiniteError);
        expect(e.message).toContain(params[3].name);
      }
    });
    model.dispose();
  });
});

describe('ParamScores, Mask and leak checks on the remaining calls', () => {
  it('ParamScores casts to float32, flat() is canonical, dispose is idempotent; Mask helpers', () => {
    const model = mlp(24);
    const params = scoredParams(asModel(model));
    const flat = Array.from({ length: 53 }, (_, i) => i);
    const sc = noLeak('ParamScores', () => {
      const before = tf.memory().numTensors;
      const s = new ParamScores('ints', params, params.map((p) => tf.tensor(flat.slice(p.offset, p.offset + p.size), [...p.shape], 'int32')));
      expect(tf.memory().numTensors).toBe(before + 4);
      s.dispose();
      return s;
    });
    expect(sc.isDisposed).toBe(true);
    sc.dispose();
    const s2 = scoresFrom(model, flat);
    expect(s2.blocks.every((b) => b.dtype === 'float32')).toBe(true);
    expect(Array.from(noLeak('flat', () => s2.flat()))).toEqual(flat);
    expect(s2.numParams).toBe(53);
    const ones = Mask.ones(params);
    expect(ones.numPruned).toBe(0);
    expect(ones.sparsity).toBe(0);
    const m = scoreMask(s2, { sparsity: 0.4 });
    const neg = scoresFrom(model, flat.map((v) => -v));
    const m2 = scoreMask(neg, { sparsity: 0.4 });
    neg.dispose();
    const both = m.and(m2);
    expect(both.numPruned).toBe(m.numPruned + m2.numPruned); // disjoint pruned sets here
    const ts = noLeak('toTensors + dispose', () => {
      const t = m.toTensors();
      expect(t.map((x) => x.shape)).toEqual(params.map((p) => p.shape));
      expect(t.flatMap(arr)).toEqual(Array.from(m.keep));
      tf.dispose(t);
      return t.length;
    });
    expect(ts).toBe(4);
    noLeak('globalMask/layerMask/nmMask', () => {
      globalMask(s2, { sparsity: 0.3 });
      layerMask(s2, { sparsity: 0.3, includeBias: true });
      nmMask(s2, { n: 1, m: 2 });
    });
    noLeak('scoredParams', () => scoredParams(asModel(model)));
    noLeak('MaskApplier lifecycle', () => {
      const ap = new MaskApplier(asModel(model), m);
      ap.apply();
      ap.callback();
      ap.hooks().afterBatch();
      ap.dispose();
    });
    s2.dispose();
    model.dispose();
  });

  it('sweep errors from the mask side: no data → InvalidDataError', () => {
    const model = mlp(25);
    const sc = randomScores(asModel(model));
    noLeak('sweep no data', () => {
      expect(thrown(() => sparsitySweep(asModel(model), sc, { likelihood: 'regression', data: undefined as never, sparsities: [0.5] }))).toBeInstanceOf(InvalidDataError);
    });
    sc.dispose();
    model.dispose();
  });
});

describe('MaskApplier leaves no tensors behind over model.fit / marglikTraining', () => {
  it('callback and hooks', async () => {
    const model = mlp(26);
    const xs = randomTensor([20, 6], 80);
    const ys = randomTensor([20, 3], 81);
    const sc = randomScores(asModel(model));
    const mask = scoreMask(sc, { sparsity: 0.5 });
    sc.dispose();
    const applier = new MaskApplier(asModel(model), mask);
    const cb = applier.callback();
    await noLeakAsync('callback', async () => {
      await cb.onTrainBegin();
      await cb.onBatchEnd();
    });
    await noLeakAsync('marglikTraining + hooks', async () => {
      const r = await marglikTraining(asModel(model), { xs, ys, batchSize: 10 }, {
        likelihood: 'regression', epochs: 1, hessian: 'diag', marglikEvery: 1, hyperSteps: 1, hooks: applier.hooks(),
      });
      r.laplace.dispose();
      r.prior.dispose();
    });
    expect(model.getWeights().flatMap(arr).every((v, i) => mask.keep[i] || v === 0)).toBe(true);
    applier.dispose();
    tf.dispose([xs, ys]);
    model.dispose();
  });
});
