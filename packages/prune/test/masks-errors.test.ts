// Typed errors of the mask API, and ParamScores / Mask leak checks.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { InvalidDataError, InvalidOptionError, NonFiniteError, ShapeMismatchError } from '@spam/core';
import { MaskMismatchError } from '../src/errors.js';
import { ParamScores, scoredParams } from '../src/scores/scores.js';
import { randomScores } from '../src/scores/random.js';
import { Mask } from '../src/masks/mask.js';
import { checkSparsity, globalMask, layerMask, scoreMask } from '../src/masks/select.js';
import { nmMask } from '../src/masks/nm.js';
import { applyMask, MaskApplier } from '../src/masks/apply.js';
import { sparsitySweep } from '../src/sweep.js';
import { arr, randomTensor, thrown } from '../../../test/helpers/index.js';
import { L, asModel, mlp, scoresFrom, noLeak } from './mask-fixtures.js';

describe('typed errors', () => {
  it('sparsity −0.1, 1, NaN (and > 1, non-numbers) → InvalidOptionError; bad scope → InvalidOptionError', () => {
    const model = mlp(20);
    const sc = randomScores(asModel(model));
    noLeak('errors', () => {
      for (const s of [-0.1, 1, NaN, 1.5, Infinity, '0.5' as unknown as number]) {
        expect(
          thrown(() => scoreMask(sc, { sparsity: s })),
          String(s),
        ).toBeInstanceOf(InvalidOptionError);
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
        expect(
          thrown(() => nmMask(sc, o)),
          JSON.stringify(o),
        ).toBeInstanceOf(InvalidOptionError);
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
        expect(
          thrown(() => sparsitySweep(asModel(model), sa, { likelihood: 'classification', data: { xs, ys }, sparsities: [0.5] })),
        ).toBeInstanceOf(MaskMismatchError);
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
      const s = new ParamScores(
        'ints',
        params,
        params.map((p) => tf.tensor(flat.slice(p.offset, p.offset + p.size), [...p.shape], 'int32')),
      );
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
    const neg = scoresFrom(
      model,
      flat.map((v) => -v),
    );
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
      expect(
        thrown(() => sparsitySweep(asModel(model), sc, { likelihood: 'regression', data: undefined as never, sparsities: [0.5] })),
      ).toBeInstanceOf(InvalidDataError);
    });
    sc.dispose();
    model.dispose();
  });
});
