import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { InvalidOptionError, type ModelLike } from '@spam/core';
import {
  createPrior,
  layerwisePrior,
  parameterwisePrior,
  PRIOR_STRUCTURES,
  scalarPrior,
  unitwisePrior,
  type Prior,
  type PriorStructure,
} from '@spam/priors';
import { arr, maxAbsDiff, randn, randomTensor, relErr, seedWeights } from '../../../test/helpers/index.js';

const L = tf.layers;
const asModel = (m: tf.LayersModel) => m as unknown as ModelLike;

/** conv(3x2 kernel, 2→3 ch) → flatten → dense(→4, no bias) → dense(→2): kernels of rank 4 and 2, a bias-free layer. */
function net(): tf.LayersModel {
  const m = tf.sequential({
    layers: [
      L.conv2d({ inputShape: [4, 4, 2], filters: 3, kernelSize: [3, 2], activation: 'relu', name: 'c1' }),
      L.flatten({ name: 'fl' }),
      L.dense({ units: 4, useBias: false, activation: 'tanh', name: 'd1' }),
      L.dense({ units: 2, name: 'd2' }),
    ],
  });
  seedWeights(m, 3, 0.7);
  return m;
}

const model = net();
/** Parameter tensors in canonical order (model order, kernel then bias), built by hand. */
const SHAPES: Array<{ shape: number[]; role: 'kernel' | 'bias' }> = [
  { shape: [3, 2, 2, 3], role: 'kernel' },
  { shape: [3], role: 'bias' },
  { shape: [18, 4], role: 'kernel' }, // flatten of the [4-3+1, 4-2+1, 3] = [2, 3, 3] conv output
  { shape: [4, 2], role: 'kernel' },
  { shape: [2], role: 'bias' },
];
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const P = SHAPES.reduce((a, p) => a + size(p.shape), 0);

/** Overwrites every variable of a prior with seeded N(0, 0.5²) values; returns them as arrays. */
function randomise(prior: Prior, seed: number): number[][] {
  return prior.variables.map((v, i) => {
    const vals = randn(v.size, seed * 31 + i).map((x) => 0.5 * x);
    tf.tidy(() => v.assign(tf.tensor(vals, v.shape)));
    return vals;
  });
}

/** Row-major flat index → multi-index. */
function unravel(k: number, shape: number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = k % shape[d];
    k = Math.floor(k / shape[d]);
  }
  return idx;
}

/** Expected log δ [P] for each structure, from the raw variable values, built by hand. */
function expectedLogDelta(structure: PriorStructure, v: number[][]): number[] {
  const out: number[] = [];
  let k = 0;
  SHAPES.forEach(({ shape, role }, t) => {
    const n = size(shape);
    for (let j = 0; j < n; j++) {
      const idx = unravel(j, shape);
      if (structure === 'scalar') out.push(v[0][0]);
      else if (structure === 'layerwise') out.push(v[0][t]);
      else if (structure === 'parameterwise') out.push(v[t][j]);
      else if (role === 'bias') out.push(v[k][idx[0]]);
      else out.push(v[k][idx[idx.length - 1]] + v[k + 1][idx[idx.length - 2]]); // a_o + b_i
    }
    if (structure === 'unitwise') k += role === 'kernel' ? 2 : 1;
  });
  return out;
}

describe('prior structures expand to the hand-built δ', () => {
  it('records the canonical parameters (names, shapes, roles) and P', () => {
    const prior = scalarPrior(asModel(model));
    expect(prior.params.map((p) => p.name)).toEqual(['c1/kernel', 'c1/bias', 'd1/kernel', 'd2/kernel', 'd2/bias']);
    expect(prior.params.map((p) => p.shape)).toEqual(SHAPES.map((s) => s.shape));
    expect(prior.params.map((p) => p.role)).toEqual(SHAPES.map((s) => s.role));
    expect(prior.numParams).toBe(P);
    prior.dispose();
  });

  it('variable shapes: scalar [1], layerwise [T], unitwise kernel → a [out], b [in]; bias → c [out], parameterwise = parameter shapes', () => {
    const shapes = (s: PriorStructure) => {
      const p = createPrior(asModel(model), s);
      const r = p.variables.map((v) => v.shape);
      p.dispose();
      return r;
    };
    expect(shapes('scalar')).toEqual([[1]]);
    expect(shapes('layerwise')).toEqual([[5]]);
    expect(shapes('unitwise')).toEqual([[3], [2], [3], [4], [18], [2], [4], [2]]);
    expect(shapes('parameterwise')).toEqual(SHAPES.map((s) => s.shape));
  });

  for (const structure of PRIOR_STRUCTURES) {
    it(`${structure}: precision() and precisionBlocks() = exp(hand-built log δ) (conv shares b over the window)`, () => {
      const prior = createPrior(asModel(model), structure);
      const v = randomise(prior, 11);
      const want = expectedLogDelta(structure, v).map(Math.exp);
      const d = prior.precision();
      expect(d.shape).toEqual([P]);
      expect(relErr(arr(d), want)).toBeLessThan(1e-6);
      const blocks = prior.precisionBlocks();
      expect(blocks.map((b) => b.shape)).toEqual(SHAPES.map((s) => s.shape));
      expect(relErr(blocks.flatMap(arr), want)).toBeLessThan(1e-6);
      const lb = prior.logPrecisionBlocks();
      expect(maxAbsDiff(lb.flatMap(arr), expectedLogDelta(structure, v))).toBeLessThan(1e-6);
      tf.dispose([d, ...blocks, ...lb]);
      prior.dispose();
    });
  }

  it('unitwise conv kernel: δ[h,w,i,o] is the same for every window position and equals exp(a_o + b_i)', () => {
    const prior = unitwisePrior(asModel(model));
    const [a, b] = [
      [0.1, -0.3, 0.7],
      [0.4, -1.2],
    ];
    prior.variables[0].assign(tf.tensor1d(a));
    prior.variables[1].assign(tf.tensor1d(b));
    const blocks = prior.precisionBlocks();
    const k = blocks[0].arraySync() as number[][][][];
    for (let h = 0; h < 3; h++)
      for (let w = 0; w < 2; w++)
        for (let i = 0; i < 2; i++) for (let o = 0; o < 3; o++) expect(k[h][w][i][o]).toBeCloseTo(Math.exp(a[o] + b[i]), 5);
    tf.dispose(blocks);
    prior.dispose();
  });

  for (const d0 of [0.1, 1, 7]) {
    it(`δ₀ = ${d0}: every structure starts at δ = δ₀ everywhere (finite, also for δ₀ < 1)`, () => {
      for (const s of PRIOR_STRUCTURES) {
        const prior = createPrior(asModel(model), s, { precision: d0 });
        const d = arr(prior.precision());
        expect(d.every(Number.isFinite), s).toBe(true);
        expect(maxAbsDiff(d, new Array(P).fill(d0)), s).toBeLessThan(d0 * 1e-6);
        expect(prior.summary().min).toBeCloseTo(d0, 5);
        expect(prior.summary().max).toBeCloseTo(d0, 5);
        expect(prior.summary().geomean).toBeCloseTo(d0, 5);
        prior.dispose();
      }
    });
  }

  it('the four factories equal createPrior with the same structure', () => {
    const fs = { scalar: scalarPrior, layerwise: layerwisePrior, unitwise: unitwisePrior, parameterwise: parameterwisePrior };
    for (const s of PRIOR_STRUCTURES) {
      const p = fs[s](asModel(model), { precision: 3 });
      expect(p.structure).toBe(s);
      expect(maxAbsDiff(arr(p.precision()), new Array(P).fill(3))).toBeLessThan(1e-5);
      p.dispose();
    }
  });
});

describe('penalty, penaltyGradients, logDet, summary', () => {
  const theta = SHAPES.map((s, i) => randomTensor(s.shape, 100 + i, 0.8));
  const thetaFlat = theta.flatMap(arr);

  for (const structure of PRIOR_STRUCTURES) {
    it(`${structure}: penalty = ½Σδθ², logDet = Σ log δ, summary from hand-built δ`, () => {
      const prior = createPrior(asModel(model), structure);
      const logd = expectedLogDelta(structure, randomise(prior, 5));
      const pen = 0.5 * logd.reduce((a, l, i) => a + Math.exp(l) * thetaFlat[i] ** 2, 0);
      const t = prior.penalty(theta);
      expect(t.shape).toEqual([]);
      expect(Math.abs(t.dataSync()[0] - pen) / pen).toBeLessThan(1e-5);
      const ld = prior.logDet();
      const want = logd.reduce((a, b) => a + b, 0);
      expect(Math.abs(ld.dataSync()[0] - want)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want)));
      const s = prior.summary();
      expect(s.min).toBeCloseTo(Math.exp(Math.min(...logd)), 5);
      expect(s.max).toBeCloseTo(Math.exp(Math.max(...logd)), 5);
      expect(s.geomean).toBeCloseTo(Math.exp(want / P), 5);
      // per tensor: the same statistics over each tensor's slice of the hand-built log δ
      const per = prior.summaryPerTensor();
      expect(per.map((x) => x.name)).toEqual(prior.params.map((p) => p.name));
      let off = 0;
      prior.params.forEach((p, i) => {
        const size = p.shape.reduce((a, b) => a * b, 1);
        const slice = logd.slice(off, off + size);
        off += size;
        expect(per[i].min).toBeCloseTo(Math.exp(Math.min(...slice)), 5);
        expect(per[i].max).toBeCloseTo(Math.exp(Math.max(...slice)), 5);
        expect(per[i].geomean).toBeCloseTo(Math.exp(slice.reduce((a, b) => a + b, 0) / size), 5);
      });
      tf.dispose([t, ld]);
      prior.dispose();
    });

    it(`${structure}: penaltyGradients = tf.grads of the penalty (= δ ⊙ θ)`, () => {
      const prior = createPrior(asModel(model), structure);
      const logd = expectedLogDelta(structure, randomise(prior, 6));
      const g = prior.penaltyGradients(theta);
      const auto = tf.grads((...th: tf.Tensor[]) => prior.penalty(th))(theta);
      expect(g.map((x) => x.shape)).toEqual(SHAPES.map((s) => s.shape));
      expect(relErr(g.flatMap(arr), auto.flatMap(arr))).toBeLessThan(1e-6);
      expect(
        relErr(
          g.flatMap(arr),
          logd.map((l, i) => Math.exp(l) * thetaFlat[i]),
        ),
      ).toBeLessThan(1e-5);
      tf.dispose([...g, ...auto]);
      prior.dispose();
    });

    it(`${structure}: ∂logDet/∂variables by autodiff = hand count of the parameters sharing each variable`, () => {
      const prior = createPrior(asModel(model), structure);
      randomise(prior, 7);
      const { value, grads } = tf.variableGrads(() => prior.logDet() as tf.Scalar, prior.variables as tf.Variable[]);
      // Hand counts: scalar P; layerwise tensor sizes; parameterwise 1; unitwise a_o: fan-in (kh·kw·in), b_i: kh·kw·out, c_o: 1.
      const want: number[][] =
        structure === 'scalar'
          ? [[P]]
          : structure === 'layerwise'
            ? [SHAPES.map((s) => size(s.shape))]
            : structure === 'parameterwise'
              ? SHAPES.map((s) => new Array(size(s.shape)).fill(1))
              : [
                  [12, 12, 12],
                  [18, 18],
                  [1, 1, 1],
                  [18, 18, 18, 18],
                  [4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4],
                  [4, 4],
                  [2, 2, 2, 2],
                  [1, 1],
                ];
      expect(prior.variables.map((v) => arr(grads[v.name]))).toEqual(want);
      tf.dispose([value, ...Object.values(grads)]);
      prior.dispose();
    });
  }

  it('penalty / penaltyGradients with the wrong number of tensors → InvalidOptionError', () => {
    const prior = scalarPrior(asModel(model));
    expect(() => prior.penalty(theta.slice(1))).toThrow(InvalidOptionError);
    expect(() => prior.penaltyGradients([])).toThrow(InvalidOptionError);
    prior.dispose();
  });
});
