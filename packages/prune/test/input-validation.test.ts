// Malformed inputs the fuzz suite (test/fuzz/prune*.test.ts, issue 13) found raising raw TypeErrors
// or returning wrong values: each must now give a typed error that names the offending input, and
// leak no tensor.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { InvalidOptionError } from '@spam/core';
import { createPrior, MAX_PRECISION } from '@spam/priors';
import { fitLaplace } from '@spam/laplace';
import { scoredParams } from '../src/scores/scores.js';
import { randomScores } from '../src/scores/random.js';
import { opdScores } from '../src/scores/opd.js';
import { posteriorPrecisionDiagonal } from '../src/scores/precision.js';
import { criterionScores } from '../src/scores/by-criterion.js';
import { graspScores } from '../src/scores/grasp.js';
import { snipScores } from '../src/scores/snip.js';
import { Mask } from '../src/masks/mask.js';
import { pruneCount, scoreMask } from '../src/masks/select.js';
import { formatSparsityReport, sparsityReport } from '../src/masks/report.js';
import { arr, randomLabels, randomTensor, thrown } from '../../../test/helpers/index.js';
import { asModel, convNet, mlp, noLeak, noLeakAsync } from './mask-fixtures.js';

describe('options objects', () => {
  it('randomScores(model, null | string) → InvalidOptionError; omitted options still default to seed 0', () => {
    const model = mlp(61);
    noLeak('randomScores errors', () => {
      for (const bad of [null, 'x', 3]) {
        const e = thrown(() => randomScores(asModel(model), bad as never));
        expect(e, String(bad)).toBeInstanceOf(InvalidOptionError);
        expect(e.message).toMatch(/options/);
      }
    });
    const a = randomScores(asModel(model));
    const b = randomScores(asModel(model), { seed: 0 });
    expect(Array.from(a.flat())).toEqual(Array.from(b.flat()));
    tf.dispose([...a.blocks, ...b.blocks]);
    model.dispose();
  });

  it('criterionScores with a null context or without a model, sparsityReport(null) → InvalidOptionError', async () => {
    await expect(criterionScores('magnitude', null as never)).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(criterionScores('magnitude', { likelihood: 'classification' } as never)).rejects.toBeInstanceOf(InvalidOptionError);
    expect(thrown(() => sparsityReport(null as never))).toBeInstanceOf(InvalidOptionError);
  });
});

describe('Mask construction and access', () => {
  it('keep flags other than 0/1 → InvalidOptionError naming the index and value; non-Uint8Array flags too', () => {
    const model = mlp(62);
    const params = scoredParams(asModel(model));
    const total = params.reduce((a, p) => a + p.size, 0);
    const flags = new Uint8Array(total).fill(1);
    flags[3] = 0;
    flags[7] = 2;
    const e = thrown(() => new Mask(params, flags));
    expect(e).toBeInstanceOf(InvalidOptionError);
    expect(e.message).toMatch(/got 2 at index 7/);
    for (const bad of ['x', Array.from({ length: total }, () => 1), null]) {
      expect(
        thrown(() => new Mask(params, bad as never)),
        String(bad),
      ).toBeInstanceOf(InvalidOptionError);
    }
    flags[7] = 1;
    expect(new Mask(params, flags).numPruned).toBe(1);
    model.dispose();
  });

  it('block(i) with i not an integer in [0, tensors) → InvalidOptionError; valid i gives the view', () => {
    const model = mlp(63);
    const params = scoredParams(asModel(model));
    const mask = Mask.ones(params);
    for (const bad of [0.5, -1, params.length, NaN, '0']) {
      const e = thrown(() => mask.block(bad as number));
      expect(e, String(bad)).toBeInstanceOf(InvalidOptionError);
      expect(e.message).toMatch(/block index/);
    }
    expect(mask.block(1).length).toBe(params[1].size);
    expect(thrown(() => mask.and({ keep: new Uint8Array(mask.numParams) } as never))).toBeInstanceOf(InvalidOptionError);
    model.dispose();
  });

  it('scoreMask with a previous that is not a Mask → InvalidOptionError naming `previous`', () => {
    const model = mlp(64);
    const sc = randomScores(asModel(model));
    noLeak('previous errors', () => {
      for (const bad of [{ keep: 1 }, null, 'mask', { params: sc.params, keep: new Uint8Array(sc.numParams) }]) {
        const e = thrown(() => scoreMask(sc, { sparsity: 0.3, previous: bad as never }));
        expect(e, JSON.stringify(bad)).toBeInstanceOf(InvalidOptionError);
        expect(e.message).toMatch(/previous/);
      }
      expect(thrown(() => scoreMask(sc, null as never))).toBeInstanceOf(InvalidOptionError);
    });
    sc.dispose();
    model.dispose();
  });
});

describe('pruneCount', () => {
  it('refuses a negative or non-integer count and a sparsity outside [0, 1)', () => {
    for (const [n, s] of [
      [10, -0.1],
      [-5, 0.5],
      [10, NaN],
      [2.5, 0.5],
      [10, 1],
      [Infinity, 0.5],
      ['10', 0.5],
    ] as const) {
      expect(
        thrown(() => pruneCount(n as number, s)),
        `${n}, ${s}`,
      ).toBeInstanceOf(InvalidOptionError);
    }
    expect(pruneCount(100, 0.29)).toBe(29);
    expect(pruneCount(0, 0.5)).toBe(0);
    expect(pruneCount(7, 0)).toBe(0);
  });
});

describe('formatSparsityReport', () => {
  it('anything but a sparsityReport result → InvalidOptionError; a real report formats', () => {
    for (const bad of ['x', null, {}, { layers: null, overall: null }, { layers: [{ layer: 'a' }], overall: {} }]) {
      expect(
        thrown(() => formatSparsityReport(bad as never)),
        JSON.stringify(bad),
      ).toBeInstanceOf(InvalidOptionError);
    }
    const model = mlp(65);
    const text = formatSparsityReport(sparsityReport(Mask.ones(scoredParams(asModel(model)))));
    expect(text.split('\n')[0]).toMatch(/^layer\s+kernel\s+bias\s+all$/);
    expect(text).toMatch(/overall\s+0\.00% of 45/);
    model.dispose();
  });
});

describe('constant prior precision δ of OPD and posteriorPrecisionDiagonal', () => {
  it('δ > MAX_PRECISION or non-finite → InvalidOptionError (was Infinity precisions); δ = 0 and δ = MAX_PRECISION stay finite; a non-Prior → InvalidOptionError', async () => {
    const model = mlp(66);
    const data = { xs: randomTensor([12, 6], 67), ys: tf.tensor1d(randomLabels(12, 3, 68)) };
    for (const structure of ['diag', 'kron'] as const) {
      const lap = await fitLaplace(asModel(model), data, { likelihood: 'classification', structure });
      await noLeakAsync(`${structure} δ checks`, async () => {
        for (const bad of [Number.MAX_VALUE, MAX_PRECISION * 1.01, Infinity, NaN, -1e-3]) {
          expect(
            thrown(() => posteriorPrecisionDiagonal(lap, bad)),
            `${structure} δ ${bad}`,
          ).toBeInstanceOf(InvalidOptionError);
          expect(
            thrown(() => opdScores(lap, bad)),
            `${structure} δ ${bad}`,
          ).toBeInstanceOf(InvalidOptionError);
        }
        for (const bad of [[1], null, '1', {}]) {
          const e = thrown(() => opdScores(lap, bad as never));
          expect(e, JSON.stringify(bad)).toBeInstanceOf(InvalidOptionError);
          expect(e.message).toMatch(/Prior/);
        }
        expect(thrown(() => opdScores(lap, 1, null as never))).toBeInstanceOf(InvalidOptionError);
        for (const ok of [0, MAX_PRECISION]) {
          const diag = posteriorPrecisionDiagonal(lap, ok);
          expect(diag.flatMap(arr).every(Number.isFinite), `${structure} δ ${ok}`).toBe(true);
          tf.dispose(diag);
        }
      });
      lap.dispose();
    }
    const prior = createPrior(asModel(model), 'scalar');
    const lap = await fitLaplace(asModel(model), data, { likelihood: 'classification', structure: 'diag' });
    const sc = opdScores(lap, prior);
    expect(Array.from(sc.flat()).every(Number.isFinite)).toBe(true);
    sc.dispose();
    lap.dispose();
    prior.dispose();
    tf.dispose([data.xs, data.ys]);
    model.dispose();
  });
});

describe('integer and boolean inputs', () => {
  it('GraSP (and SNIP) of int32 / bool inputs equal the scores of the same inputs as float32 (GraSP raised a raw tfjs dtype error)', async () => {
    const model = convNet(69); // conv2d refuses non-float inputs (Dense matMul does not)
    const xf = tf.tensor4d(
      Array.from({ length: 4 * 112 }, (_, i) => ((i * 7) % 5) - 2),
      [4, 4, 4, 7],
    );
    const ys = tf.tensor1d([0, 1, 1, 0]);
    const xb = tf.tensor4d(
      Array.from({ length: 2 * 112 }, (_, i) => (i * 3) % 4 === 0),
      [2, 4, 4, 7],
      'bool',
    );
    const yb = tf.tensor1d([1, 0]);
    const opts = { likelihood: 'classification' } as const;
    for (const [what, x, y] of [
      ['int32', xf.cast('int32'), ys],
      ['bool', xb, yb],
    ] as const) {
      await noLeakAsync(`${what} inputs`, async () => {
        const xFloat = x.cast('float32');
        for (const score of [graspScores, snipScores]) {
          const a = await score(asModel(model), { xs: x, ys: y }, opts);
          const b = await score(asModel(model), { xs: xFloat, ys: y }, opts);
          expect(Array.from(a.flat()), `${score.name} ${what}`).toEqual(Array.from(b.flat()));
          expect(Array.from(a.flat()).some((v) => v !== 0)).toBe(true);
          a.dispose();
          b.dispose();
        }
        xFloat.dispose();
      });
      if (what === 'int32') x.dispose();
    }
    tf.dispose([xf, ys, xb, yb]);
    model.dispose();
  });
});
