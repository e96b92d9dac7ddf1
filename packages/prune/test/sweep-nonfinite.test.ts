// sparsitySweep never reports a row computed from NaN: non-finite evaluation data is refused
// before anything runs (InvalidDataError naming data.xs / data.ys), a masked model with
// non-finite outputs raises NonFiniteError naming the criterion and sparsity; every numeric option
// is checked up front. The model's weights are restored and no tensor leaks on any of these paths.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { InvalidDataError, InvalidOptionError, NonFiniteError, type LikelihoodName, type ModelLike } from '@spam/core';
import { sparsitySweep, type SweepOptions } from '../src/sweep.js';
import { magnitudeScores } from '../src/scores/magnitude.js';
import type { ParamScores } from '../src/scores/scores.js';
import { arr, randomLabels, randomTensor, seedWeights, thrown } from '../../../test/helpers/index.js';

const asModel = (m: tf.LayersModel) => m as unknown as ModelLike;

function net(likelihood: LikelihoodName): tf.Sequential {
  const m = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [4], units: 5, activation: 'tanh' }),
      tf.layers.dense({ units: likelihood === 'classification' ? 3 : 1 }),
    ],
  });
  seedWeights(m, 31, 0.6);
  return m;
}

const weightsOf = (m: tf.LayersModel) => m.getWeights().flatMap(arr);

/** The error of one sweep; checks that the weights are restored and no tensor leaked. */
function sweepError(
  model: tf.LayersModel,
  o: Partial<SweepOptions> & Pick<SweepOptions, 'likelihood' | 'data'>,
  given?: ParamScores,
): Error {
  const scores = given ?? magnitudeScores(asModel(model));
  const w0 = weightsOf(model);
  const before = tf.memory().numTensors;
  const e = thrown(() => sparsitySweep(asModel(model), scores, { sparsities: [0, 0.5], ...o }));
  expect(tf.memory().numTensors).toBe(before);
  expect(weightsOf(model)).toEqual(w0);
  if (!given) scores.dispose();
  return e;
}

describe('sparsitySweep with non-finite data or outputs', () => {
  it('NaN in data.xs (classification) → InvalidDataError naming data.xs, not accuracy 0/1 and ECE 0', () => {
    const m = net('classification');
    const x = arr(randomTensor([6, 4], 32));
    x[9] = NaN;
    const data = { xs: tf.tensor2d(x, [6, 4]), ys: tf.tensor1d(randomLabels(6, 3, 33)) };
    const e = sweepError(m, { likelihood: 'classification', data });
    expect(e).toBeInstanceOf(InvalidDataError);
    expect(e.message).toMatch(/data\.xs contains NaN/);
    tf.dispose([data.xs, data.ys]);
    m.dispose();
  });

  it('Infinity in regression targets → InvalidDataError naming data.ys', () => {
    const m = net('regression');
    const data = { xs: randomTensor([5, 4], 34), ys: tf.tensor2d([1, 2, Infinity, 0, 1], [5, 1]) };
    const e = sweepError(m, { likelihood: 'regression', data });
    expect(e).toBeInstanceOf(InvalidDataError);
    expect(e.message).toMatch(/data\.ys contains NaN or Inf/);
    tf.dispose([data.xs, data.ys]);
    m.dispose();
  });

  it('a model whose weight became NaN after scoring → NonFiniteError naming the criterion and sparsity', () => {
    const m = net('regression');
    const scores = magnitudeScores(asModel(m)); // (scores of a NaN weight are refused by ParamScores itself)
    const [k, b] = m.layers[1].getWeights();
    const kv = arr(k);
    kv[0] = NaN;
    const nk = tf.tensor(kv, k.shape);
    m.layers[1].setWeights([nk, b]);
    nk.dispose();
    const data = { xs: randomTensor([5, 4], 35), ys: randomTensor([5, 1], 36) };
    const e = sweepError(m, { likelihood: 'regression', data, sparsities: [0] }, scores);
    expect(e).toBeInstanceOf(NonFiniteError);
    expect(e.message).toMatch(/'magnitude' scores at sparsity 0: the network's outputs/);
    scores.dispose();
    tf.dispose([data.xs, data.ys]);
    m.dispose();
  });
});

describe('sparsitySweep options', () => {
  it('sigma, batchSize, scope, includeBias, onProgress, sparsities of the wrong value or type → InvalidOptionError before any work', () => {
    const m = net('regression');
    const data = { xs: randomTensor([5, 4], 37), ys: randomTensor([5, 1], 38) };
    const bad: Array<Partial<SweepOptions>> = [
      { sigma: 0 },
      { sigma: -1 },
      { sigma: NaN },
      { sigma: Infinity },
      { sigma: '1' as never },
      { batchSize: 0 },
      { batchSize: -2 },
      { batchSize: NaN },
      { batchSize: Infinity },
      { batchSize: 2.5 },
      { batchSize: '4' as never },
      { scope: 'all' as never },
      { includeBias: 1 as never },
      { onProgress: 'log' as never },
      { sparsities: 0.5 as never },
      { sparsities: [0.5, Infinity] },
      { sparsities: ['0.5' as never] },
    ];
    for (const o of bad) {
      const e = sweepError(m, { likelihood: 'regression', data, ...o });
      expect(e, JSON.stringify(o)).toBeInstanceOf(InvalidOptionError);
    }
    expect(sweepError(m, null as never)).toBeInstanceOf(InvalidOptionError);
    tf.dispose([data.xs, data.ys]);
    m.dispose();
  });
});
