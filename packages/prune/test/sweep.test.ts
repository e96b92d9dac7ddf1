// sparsitySweep: one row per criterion × sparsity, each equal to evaluate() of the model masked by
// scoreMask at that sparsity (recomputed here with applyMask on the restored weights), weights restored bit-exactly.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildModelAdapter, evaluate, InvalidDataError, InvalidOptionError, type LikelihoodName, type ModelLike } from '@spam/core';
import { fitLaplace } from '@spam/laplace';
import { PAPER_SPARSITIES, sparsitySweep, type SweepOptions, type SweepRow } from '../src/sweep.js';
import { opdScores } from '../src/scores/opd.js';
import { magnitudeScores } from '../src/scores/magnitude.js';
import { randomScores } from '../src/scores/random.js';
import type { ParamScores } from '../src/scores/scores.js';
import { scoreMask } from '../src/masks/select.js';
import { applyMask } from '../src/masks/apply.js';
import { arr, randomLabels, randomTensor, seedWeights, thrown } from '../../../test/helpers/index.js';

const L = tf.layers;
const asModel = (m: tf.LayersModel) => m as unknown as ModelLike;

function net(likelihood: LikelihoodName, seed: number): tf.LayersModel {
  const m = tf.sequential({
    layers: [
      L.dense({ inputShape: [6], units: 8, activation: 'tanh' }),
      L.dense({ units: likelihood === 'classification' ? 3 : 2, activation: likelihood === 'classification' ? 'softmax' : 'linear' }),
    ],
  });
  seedWeights(m, seed, 0.6);
  return m;
}

function dataFor(likelihood: LikelihoodName, n: number, seed: number) {
  return {
    xs: randomTensor([n, 6], seed),
    ys: likelihood === 'classification' ? tf.tensor1d(randomLabels(n, 3, seed + 1)) : randomTensor([n, 2], seed + 1),
  };
}

const weightsOf = (m: tf.LayersModel) => m.getWeights().flatMap(arr);

/**
 * The rows recomputed independently: from a clone of the trained weights, applyMask(scoreMask(...))
 * on the model, then core's evaluate(); the clone is written back afterwards.
 */
function expectedRows(
  model: tf.LayersModel,
  sets: ParamScores[],
  o: Pick<SweepOptions, 'likelihood' | 'data' | 'sparsities' | 'scope' | 'includeBias' | 'sigma' | 'batchSize'>,
): SweepRow[] {
  const saved = model.getWeights().map((w) => w.clone());
  const out: SweepRow[] = [];
  try {
    for (const s of sets)
      for (const sparsity of o.sparsities ?? PAPER_SPARSITIES) {
        model.setWeights(saved);
        const mask = scoreMask(s, { sparsity, scope: o.scope, includeBias: o.includeBias });
        applyMask(asModel(model), mask);
        const adapter = buildModelAdapter(asModel(model), { logits: o.likelihood === 'classification' });
        const metrics = evaluate(adapter, o.likelihood, o.data.xs, o.data.ys, { sigma: o.sigma, batchSize: o.batchSize });
        out.push({ criterion: s.criterion, sparsity, pruned: mask.numPruned, ...metrics });
      }
  } finally {
    model.setWeights(saved);
    tf.dispose(saved);
  }
  return out;
}

describe('sparsitySweep, classification', () => {
  it('one row per criterion × sparsity in order; metrics = evaluate() of the masked model; weights restored bit-exactly; no leak', async () => {
    const model = net('classification', 1);
    const train = dataFor('classification', 40, 10);
    const test = dataFor('classification', 30, 20);
    const lap = await fitLaplace(asModel(model), train, { likelihood: 'classification', structure: 'diag' });
    const sets = [opdScores(lap, 1), magnitudeScores(asModel(model)), randomScores(asModel(model), { seed: 3 })];
    lap.dispose();
    const w0 = weightsOf(model);
    const sparsities = [0, 0.3, 0.75, 0.95];
    const progress: Array<{ done: number; total: number; row: SweepRow }> = [];
    const before = tf.memory().numTensors;
    const rows = sparsitySweep(asModel(model), sets, {
      likelihood: 'classification',
      data: test,
      sparsities,
      batchSize: 7,
      onProgress: (p) => progress.push(p),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(weightsOf(model)).toEqual(w0);
    expect(rows.map((r) => [r.criterion, r.sparsity])).toEqual(
      ['opd', 'magnitude', 'random'].flatMap((c) => sparsities.map((s) => [c, s])),
    );
    expect(rows.map((r) => r.pruned)).toEqual([0, 1, 2].flatMap(() => sparsities.map((s) => Math.floor(72 * s + 1e-9)))); // 72 kernel entries
    expect(rows).toEqual(expectedRows(model, sets, { likelihood: 'classification', data: test, sparsities, batchSize: 7 }));
    for (const r of rows) expect(Object.keys(r).sort()).toEqual(['accuracy', 'brier', 'criterion', 'ece', 'nll', 'pruned', 'sparsity']);
    // pruning changes the predictions (the comparison is not vacuous)
    expect(rows[3].nll).not.toBe(rows[0].nll);
    expect(progress.map((p) => [p.done, p.total])).toEqual(rows.map((_, i) => [i + 1, rows.length]));
    expect(progress.map((p) => p.row)).toEqual(rows);
    // the model still gives the unpruned metrics
    const adapter = buildModelAdapter(asModel(model), { logits: true });
    expect(rows[0]).toMatchObject(evaluate(adapter, 'classification', test.xs, test.ys, { batchSize: 7 }));
    sets.forEach((s) => s.dispose());
    tf.dispose([train.xs, train.ys, test.xs, test.ys]);
    model.dispose();
  });

  it("scope 'layer' and includeBias reach the masks; a single score set; default grid = PAPER_SPARSITIES", () => {
    const model = net('classification', 3);
    const test = dataFor('classification', 25, 30);
    const sc = magnitudeScores(asModel(model));
    const o = { likelihood: 'classification' as const, data: test, sparsities: [0.4, 0.85], scope: 'layer' as const, includeBias: true };
    const rows = sparsitySweep(asModel(model), sc, o);
    expect(rows).toEqual(expectedRows(model, [sc], o));
    expect(rows.map((r) => r.pruned)).toEqual([Math.floor(56 * 0.4) + Math.floor(27 * 0.4), Math.floor(56 * 0.85) + Math.floor(27 * 0.85)]);
    expect(PAPER_SPARSITIES).toEqual([0.2, 0.4, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99]);
    const all = sparsitySweep(asModel(model), sc, { likelihood: 'classification', data: test });
    expect(all.map((r) => r.sparsity)).toEqual([...PAPER_SPARSITIES]);
    expect(all.map((r) => r.pruned)).toEqual(PAPER_SPARSITIES.map((s) => Math.floor(72 * s + 1e-9)));
    expect(all).toEqual(expectedRows(model, [sc], { likelihood: 'classification', data: test }));
    sc.dispose();
    tf.dispose([test.xs, test.ys]);
    model.dispose();
  });

  it('weights are restored when onProgress throws (the error propagates, nothing leaks)', () => {
    const model = net('classification', 5);
    const test = dataFor('classification', 20, 40);
    const sc = randomScores(asModel(model), { seed: 8 });
    const w0 = weightsOf(model);
    const before = tf.memory().numTensors;
    let calls = 0;
    const e = thrown(() =>
      sparsitySweep(asModel(model), sc, {
        likelihood: 'classification',
        data: test,
        sparsities: [0.5, 0.9],
        onProgress: () => {
          calls++;
          throw new Error('stop here');
        },
      }),
    );
    expect(e.message).toBe('stop here');
    expect(calls).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    expect(weightsOf(model)).toEqual(w0);
    sc.dispose();
    tf.dispose([test.xs, test.ys]);
    model.dispose();
  });
});

describe('sparsitySweep, regression', () => {
  it('rows have mse and nll (with σ), equal to evaluate() of the masked model', () => {
    const model = net('regression', 6);
    const test = dataFor('regression', 30, 50);
    const sc = magnitudeScores(asModel(model));
    const w0 = weightsOf(model);
    const before = tf.memory().numTensors;
    for (const sigma of [undefined, 0.4]) {
      const o = { likelihood: 'regression' as const, data: test, sparsities: [0.2, 0.6, 0.99], sigma };
      const rows = sparsitySweep(asModel(model), sc, o);
      for (const r of rows) expect(Object.keys(r).sort()).toEqual(['criterion', 'mse', 'nll', 'pruned', 'sparsity']);
      expect(rows).toEqual(expectedRows(model, [sc], o));
      expect(rows.map((r) => r.pruned)).toEqual([Math.floor(64 * 0.2), Math.floor(64 * 0.6), Math.floor(64 * 0.99)]);
    }
    // σ enters the NLL only
    const a = sparsitySweep(asModel(model), sc, { likelihood: 'regression', data: test, sparsities: [0.5] })[0] as SweepRow & {
      mse: number;
    };
    const b = sparsitySweep(asModel(model), sc, { likelihood: 'regression', data: test, sparsities: [0.5], sigma: 0.4 })[0] as SweepRow & {
      mse: number;
    };
    expect(b.mse).toBe(a.mse);
    expect(b.nll).not.toBe(a.nll);
    expect(tf.memory().numTensors).toBe(before);
    expect(weightsOf(model)).toEqual(w0);
    sc.dispose();
    tf.dispose([test.xs, test.ys]);
    model.dispose();
  });
});

describe('sparsitySweep errors', () => {
  it('empty sparsities, sparsity 1 or < 0, no data, no score sets, bad likelihood → typed errors; weights untouched; no leak', () => {
    const model = net('classification', 8);
    const test = dataFor('classification', 10, 60);
    const sc = randomScores(asModel(model));
    const w0 = weightsOf(model);
    const before = tf.memory().numTensors;
    const run = (o: Partial<SweepOptions>, scores: ParamScores | ParamScores[] = sc) =>
      thrown(() => sparsitySweep(asModel(model), scores, { likelihood: 'classification', data: test, ...o }));
    expect(run({ sparsities: [] })).toBeInstanceOf(InvalidOptionError);
    expect(run({ sparsities: [0.5, 1] })).toBeInstanceOf(InvalidOptionError);
    expect(run({ sparsities: [-0.1] })).toBeInstanceOf(InvalidOptionError);
    expect(run({ sparsities: [NaN] })).toBeInstanceOf(InvalidOptionError);
    expect(run({}, [])).toBeInstanceOf(InvalidOptionError);
    expect(run({ likelihood: 'poisson' as LikelihoodName })).toBeInstanceOf(InvalidOptionError);
    expect(run({ data: undefined })).toBeInstanceOf(InvalidDataError);
    expect(run({ data: { xs: test.xs } as never })).toBeInstanceOf(InvalidDataError);
    const empty = { xs: tf.zeros([0, 6]), ys: tf.zeros([0]) };
    expect(run({ data: empty })).toBeInstanceOf(InvalidDataError);
    tf.dispose([empty.xs, empty.ys]);
    expect(tf.memory().numTensors).toBe(before);
    expect(weightsOf(model)).toEqual(w0);
    sc.dispose();
    tf.dispose([test.xs, test.ys]);
    model.dispose();
  });
});
