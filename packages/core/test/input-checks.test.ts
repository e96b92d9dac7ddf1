// Typed errors instead of raw TypeError/RangeError/tfjs errors (issue 13 findings 2-4, 9, 10, 17).
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  buildModelAdapter,
  buildModelGraph,
  checkSigma,
  denseTargets,
  DisposedError,
  InvalidDataError,
  InvalidOptionError,
  isSupportedTfjsVersion,
  logLikelihoodFromLoss,
  lossSum,
  NonFiniteError,
  nllGradient,
  outputHessianSqrt,
  permutation,
  sampledOutputHessianSqrt,
  ShapeMismatchError,
  type ModelLike,
} from '@spam/core';
import { thrown } from '../../../test/helpers/index.js';

const L = tf.layers;
type ErrorClass = new (...a: never[]) => Error;

describe('buildModelAdapter / buildModelGraph: not a model', () => {
  it('null, undefined, 0, {} → InvalidOptionError "tfjs-layers LayersModel"', () => {
    for (const junk of [null, undefined, 0, {}]) {
      for (const fn of [() => buildModelAdapter(junk as ModelLike), () => buildModelGraph(junk as ModelLike)]) {
        const e = thrown(fn);
        expect(e).toBeInstanceOf(InvalidOptionError);
        expect(e.message).toContain('LayersModel');
      }
    }
  });

  it('a disposed model → DisposedError; options null → InvalidOptionError', () => {
    const m = tf.sequential({ layers: [L.dense({ units: 2, inputShape: [3] })] });
    expect(thrown(() => buildModelAdapter(m, null as never))).toBeInstanceOf(InvalidOptionError);
    m.dispose();
    expect(thrown(() => buildModelAdapter(m))).toBeInstanceOf(DisposedError);
  });
});

describe('adapter.predict / forward check the input', () => {
  it('wrong shape, scalar, string dtype, 0 rows, not a tensor; nothing leaks', () => {
    const m = tf.sequential({ layers: [L.dense({ units: 2, inputShape: [3] })] });
    const a = buildModelAdapter(m);
    const cases: Array<[unknown, ErrorClass]> = [
      [tf.ones([5, 4]), ShapeMismatchError],
      [tf.ones([5, 3, 1]), ShapeMismatchError],
      [tf.scalar(1), ShapeMismatchError],
      [tf.tensor([['a', 'b', 'c']]), InvalidDataError],
      [tf.zeros([0, 3]), InvalidDataError],
      [[1, 2, 3], InvalidDataError],
    ];
    const n0 = tf.memory().numTensors;
    for (const [x, cls] of cases) {
      expect(thrown(() => a.predict(x as tf.Tensor))).toBeInstanceOf(cls);
      expect(thrown(() => tf.tidy(() => a.forward(x as tf.Tensor).output))).toBeInstanceOf(cls);
    }
    expect(tf.memory().numTensors).toBe(n0);
    const wrong = thrown(() => a.predict(cases[0][0] as tf.Tensor));
    expect(wrong.message).toContain('[N, 3]');
    expect(wrong.message).toContain('[5,4]');
    tf.dispose(cases.map((c) => c[0]).filter((x): x is tf.Tensor => x instanceof tf.Tensor));
    m.dispose();
  });

  it('int32 and bool rows are cast for a float model (same f as float32 rows)', () => {
    const m = tf.sequential({ layers: [L.dense({ units: 2, inputShape: [3] })] });
    const a = buildModelAdapter(m);
    const [xi, xf] = [tf.tensor2d([[1, 0, 2]], [1, 3], 'int32'), tf.tensor2d([[1, 0, 2]])];
    const [fi, ff] = [a.predict(xi), a.predict(xf)];
    expect(Array.from(fi.dataSync())).toEqual(Array.from(ff.dataSync()));
    tf.dispose([xi, xf, fi, ff]);
    m.dispose();
  });

  it('a Conv2D model: backward(forward(0-row x)) → InvalidDataError, not a wasm trap', () => {
    const m = tf.sequential({
      layers: [L.conv2d({ filters: 2, kernelSize: 2, inputShape: [4, 4, 1] }), L.flatten(), L.dense({ units: 3 })],
    });
    const a = buildModelAdapter(m);
    const x = tf.zeros([0, 4, 4, 1]);
    const e = thrown(() =>
      tf.tidy(() => {
        const trace = a.forward(x);
        return a.backward(trace, tf.ones([1, ...trace.output.shape]));
      }),
    );
    expect(e).toBeInstanceOf(InvalidDataError);
    expect(e.message).toContain('0 rows');
    x.dispose();
    m.dispose();
  });
});

describe('likelihood helpers validate their arguments', () => {
  it('unknown likelihood → InvalidOptionError (not treated as regression)', () => {
    const [f, y] = [tf.zeros([2, 3]), tf.zeros([2, 3])];
    for (const fn of [
      () => lossSum('bogus' as never, f, y),
      () => nllGradient('bogus' as never, f, y),
      () => outputHessianSqrt('bogus' as never, f),
      () => sampledOutputHessianSqrt('bogus' as never, f, 1, 1),
      () => logLikelihoodFromLoss('bogus' as never, 1, 2, 3),
    ]) {
      expect(thrown(fn)).toBeInstanceOf(InvalidOptionError);
    }
    tf.dispose([f, y]);
  });

  it('f and y of different shapes, f not [N, outDim] → ShapeMismatchError; no tensor left', () => {
    const [f, y, f3] = [tf.zeros([3, 3]), tf.zeros([2, 3]), tf.zeros([2, 3, 1])];
    const n0 = tf.memory().numTensors;
    for (const lik of ['classification', 'regression'] as const) {
      expect(thrown(() => lossSum(lik, f, y))).toBeInstanceOf(ShapeMismatchError);
      expect(thrown(() => nllGradient(lik, f, y))).toBeInstanceOf(ShapeMismatchError);
      expect(thrown(() => outputHessianSqrt(lik, f3))).toBeInstanceOf(ShapeMismatchError);
    }
    expect(tf.memory().numTensors).toBe(n0);
    tf.dispose([f, y, f3]);
  });

  it('int32 outputs are computed as float (softmax of int32 used to fail inside wasm)', () => {
    const [f, y] = [tf.tensor2d([[1, 2, 3]], [1, 3], 'int32'), tf.tensor2d([[0, 0, 1]])];
    const [l, ref] = [lossSum('classification', f, y), lossSum('classification', tf.cast(f, 'float32'), y)];
    expect(l.dataSync()[0]).toBeCloseTo(ref.dataSync()[0], 6);
    tf.dispose([f, y, l, ref]);
  });

  it('sampledOutputHessianSqrt: k = Infinity, 0, 1.5 and a non-integer seed → InvalidOptionError', () => {
    const f = tf.zeros([2, 3]);
    for (const [k, seed] of [
      [Infinity, 1],
      [0, 1],
      [1.5, 1],
      [1, 0.5],
      [1, NaN],
    ]) {
      expect(thrown(() => sampledOutputHessianSqrt('classification', f, k, seed))).toBeInstanceOf(InvalidOptionError);
    }
    f.dispose();
  });

  it('σ outside the float32 range → InvalidOptionError; a finite loss whose log-likelihood overflows → NonFiniteError', () => {
    const [f, y] = [tf.zeros([2, 3]), tf.ones([2, 3])];
    for (const s of [0, -1, NaN, Infinity, 1e-45, 1e39, '1']) {
      expect(thrown(() => checkSigma(s))).toBeInstanceOf(InvalidOptionError);
      expect(thrown(() => nllGradient('regression', f, y, s as number))).toBeInstanceOf(InvalidOptionError);
    }
    expect(checkSigma(0.1)).toBe(0.1);
    expect(thrown(() => logLikelihoodFromLoss('regression', 1e300, 4, 3, 1e-30))).toBeInstanceOf(NonFiniteError);
    // logLikelihoodFromLoss works in float64: a σ beyond float32 is still a finite answer there.
    expect(Number.isFinite(logLikelihoodFromLoss('regression', 1, 4, 3, 3.5e38))).toBe(true);
    tf.dispose([f, y]);
  });
});

describe('denseTargets with junk', () => {
  it('outDim Infinity / 0, n -1, string labels, unknown likelihood → typed errors', () => {
    const ys = tf.tensor1d([0, 1, 2, 0]);
    const s = tf.tensor1d(['a', 'b', 'c', 'd']);
    const n0 = tf.memory().numTensors;
    const cases: Array<[() => unknown, ErrorClass]> = [
      [() => denseTargets('classification', ys, 4, Infinity), InvalidOptionError],
      [() => denseTargets('classification', ys, 4, 0), InvalidOptionError],
      [() => denseTargets('classification', ys, -1, 3), InvalidOptionError],
      [() => denseTargets('classification', s, 4, 3), InvalidDataError],
      [() => denseTargets('bogus' as never, ys, 4, 3), InvalidOptionError],
    ];
    for (const [fn, cls] of cases) expect(thrown(fn)).toBeInstanceOf(cls);
    expect(tf.memory().numTensors).toBe(n0);
    tf.dispose([ys, s]);
  });
});

describe('isSupportedTfjsVersion and permutation with junk', () => {
  it('isSupportedTfjsVersion(null | [] | 4) is false, not a TypeError', () => {
    for (const v of [null, [], 4, undefined, {}]) expect(isSupportedTfjsVersion(v as never)).toBe(false);
    expect(isSupportedTfjsVersion('4.22.0')).toBe(true);
  });

  it('permutation(Infinity | -1 | 1.5 | NaN, seed) and a non-integer seed → InvalidOptionError', () => {
    for (const [n, seed] of [
      [Infinity, 0],
      [-1, 0],
      [1.5, 0],
      [NaN, 0],
      [3, 0.5],
      [3, Infinity],
    ]) {
      expect(thrown(() => permutation(n, seed))).toBeInstanceOf(InvalidOptionError);
    }
    expect([...permutation(5, 3)].sort()).toEqual([0, 1, 2, 3, 4]);
  });
});
