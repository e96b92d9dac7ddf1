// Unit-wise priors follow the adapter's UnitLayout: [window, in, out] tensors get a_o + b_i, the
// others (bias, norm gamma, depthwise kernels) c_o shared over their window. Checked against a
// by-hand expansion; the closed forms (logDet, scatter, kernel outer factors) against the expansion.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildPrior, unitwiseDefinition, type PriorParam } from '@spam/priors';
import { arr, randn, relErr } from '../../../test/helpers/index.js';

const PARAMS: PriorParam[] = [
  { name: 'conv/kernel', shape: [3, 2, 2, 3], role: 'kernel', units: { window: 6, inUnits: 2, outUnits: 3 } },
  { name: 'conv/bias', shape: [3], role: 'bias', units: { window: 1, inUnits: null, outUnits: 3 } },
  { name: 'bn/gamma', shape: [4], role: 'scale', units: { window: 1, inUnits: null, outUnits: 4 } },
  { name: 'dw/depthwise_kernel', shape: [2, 2, 3, 2], role: 'kernel', units: { window: 4, inUnits: null, outUnits: 6 } },
  { name: 'emb/embeddings', shape: [5, 3], role: 'kernel', units: { window: 1, inUnits: 5, outUnits: 3 } },
];
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** log δ of every entry from the raw variables, by the layout's definition (flat row-major [window, in, out] / [window, out]). */
function expected(v: number[][]): number[][] {
  let k = 0;
  return PARAMS.map((p) => {
    const u = p.units!;
    const out: number[] = [];
    for (let j = 0; j < size(p.shape); j++) {
      const o = j % u.outUnits;
      if (u.inUnits === null) out.push(v[k][o]);
      else out.push(v[k][o] + v[k + 1][Math.floor(j / u.outUnits) % u.inUnits]);
    }
    k += u.inUnits === null ? 1 : 2;
    return out;
  });
}

describe('unit-wise prior over the UnitLayout', () => {
  const prior = buildPrior(unitwiseDefinition, PARAMS, 0);
  const raw = prior.variables.map((v, i) => {
    const vals = randn(v.size, 50 + i).map((x) => 0.4 * x);
    tf.tidy(() => v.assign(tf.tensor(vals, v.shape)));
    return vals;
  });
  const want = expected(raw);

  it('has a, b per [window, in, out] tensor and one c per other tensor, sized by the layout', () => {
    expect(prior.variables.map((v) => v.shape)).toEqual([[3], [2], [3], [4], [6], [3], [5]]);
  });

  it('logPrecisionBlocks equal the by-hand expansion, in each parameter shape', () => {
    const blocks = prior.logPrecisionBlocks();
    blocks.forEach((b, t) => {
      expect(b.shape).toEqual(PARAMS[t].shape);
      expect(relErr(arr(b), want[t]), PARAMS[t].name).toBeLessThan(1e-6);
    });
    tf.dispose(blocks);
  });

  it('logDet, scatter and the kernel outer factors match the expansion', () => {
    const theta = PARAMS.map((p, i) => randn(size(p.shape), 70 + i));
    const logDet = want.flat().reduce((a, b) => a + b, 0);
    const scatter = want.flatMap((b, t) => b.map((l, j) => Math.exp(l) * theta[t][j] ** 2)).reduce((a, b) => a + b, 0);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const sq = PARAMS.map((p, t) =>
        tf.tensor(
          theta[t].map((x) => x * x),
          p.shape,
        ),
      );
      const sums = tf.tensor1d(sq.map((s) => tf.sum(s).dataSync()[0]));
      expect(prior.logDet().dataSync()[0]).toBeCloseTo(logDet, 3);
      expect(Math.abs(prior.scatter(sq, sums).dataSync()[0] / scatter - 1)).toBeLessThan(1e-5);
      const factors = prior.kernelOuterFactors();
      expect(factors.map((f) => f !== null)).toEqual([true, false, false, false, true]);
      for (const t of [0, 4]) {
        const [row, col] = factors[t]!;
        const u = PARAMS[t].units!;
        expect(row.shape).toEqual([u.window * u.inUnits!]);
        expect(col.shape).toEqual([u.outUnits]);
        const outer = arr(tf.mul(tf.reshape(row, [-1, 1]), tf.reshape(col, [1, -1])));
        expect(relErr(outer, want[t].map(Math.exp))).toBeLessThan(1e-5);
      }
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('without recorded layouts, kernels read as [...window, in, out] and other tensors as vectors (same as Dense/Conv2D layouts)', () => {
    const bare = PARAMS.filter((p) => p.name.startsWith('conv') || p.name.startsWith('emb')).map(({ units: _u, ...p }) => p);
    const withLayout = PARAMS.filter((p) => p.name.startsWith('conv') || p.name.startsWith('emb'));
    const a = buildPrior(unitwiseDefinition, bare, 0.3);
    const b = buildPrior(unitwiseDefinition, withLayout, 0.3);
    expect(a.variables.map((v) => v.shape)).toEqual(b.variables.map((v) => v.shape));
    a.variables.forEach((v, i) =>
      tf.tidy(() => {
        const vals = tf.tensor(randn(v.size, 90 + i), v.shape);
        v.assign(vals);
        b.variables[i].assign(vals);
      }),
    );
    tf.tidy(() => {
      expect(a.logPrecisionBlocks().map(arr)).toEqual(b.logPrecisionBlocks().map(arr));
    });
    a.dispose();
    b.dispose();
    prior.dispose();
  });
});
