import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { InvalidOptionError, SpamError, type ModelLike } from '@spam/core';
import {
  createPrior,
  layerwisePrior,
  parameterwisePrior,
  priorFromJSON,
  PriorMismatchError,
  PRIOR_STRUCTURES,
  scalarPrior,
  unitwisePrior,
  type PriorJSON,
  type PriorStructure,
} from '@spam/priors';
import { arr, randn, randomTensor } from '../../../test/helpers/index.js';

const L = tf.layers;
const asModel = (m: tf.LayersModel) => m as unknown as ModelLike;

/** dense(3→hidden) → dense(→2), layer names given by `prefix`. */
function mlp(prefix: string, hidden = 4, extraLayer = false): ModelLike {
  const layers = [L.dense({ inputShape: [3], units: hidden, activation: 'relu', name: `${prefix}1` })];
  if (extraLayer) layers.push(L.dense({ units: hidden, activation: 'relu', name: `${prefix}x` }));
  layers.push(L.dense({ units: 2, name: `${prefix}2` }));
  return asModel(tf.sequential({ layers }));
}

const model = mlp('a');

function randomised(structure: PriorStructure, seed: number) {
  const prior = createPrior(model, structure);
  prior.variables.forEach((v, i) =>
    tf.tidy(() =>
      v.assign(
        tf.tensor(
          randn(v.size, seed + i).map((x) => 0.9 * x + 0.1),
          v.shape,
        ),
      ),
    ),
  );
  return prior;
}

function jsonOf(structure: PriorStructure, seed: number): PriorJSON {
  const p = randomised(structure, seed);
  const j = p.toJSON();
  p.dispose();
  return j;
}

describe('toJSON → priorFromJSON', () => {
  for (const structure of PRIOR_STRUCTURES) {
    it(`${structure}: a round trip through JSON text reproduces δ and the variables bit for bit`, () => {
      const prior = randomised(structure, 40);
      const json = prior.toJSON();
      expect(json.format).toBe('spam-prior');
      expect(json.structure).toBe(structure);
      expect(json.params.map((p) => p.name)).toEqual(['a1/kernel', 'a1/bias', 'a2/kernel', 'a2/bias']);
      expect(json.params.map((p) => p.shape)).toEqual([[3, 4], [4], [4, 2], [2]]);
      const back = priorFromJSON(model, JSON.parse(JSON.stringify(json)) as PriorJSON);
      expect(back.structure).toBe(structure);
      expect(back.variables.map((v) => v.shape)).toEqual(prior.variables.map((v) => v.shape));
      expect(back.variables.map((v) => arr(v))).toEqual(prior.variables.map((v) => arr(v)));
      expect(arr(back.precision())).toEqual(arr(prior.precision()));
      // independent variables: changing the copy leaves the original alone
      back.variables[0].assign(tf.zerosLike(back.variables[0]));
      expect(arr(prior.variables[0])).toEqual(json.logPrecisions[0].map((x) => Math.fround(x)));
      back.dispose();
      prior.dispose();
    });
  }

  it('a model with different shapes → PriorMismatchError (also with ignoreNames)', () => {
    const json = jsonOf('unitwise', 1);
    const other = mlp('a', 5);
    expect(() => priorFromJSON(other, json)).toThrow(PriorMismatchError);
    expect(() => priorFromJSON(other, json, { ignoreNames: true })).toThrow(PriorMismatchError);
  });

  it('a model with a different number of layers → PriorMismatchError', () => {
    const json = jsonOf('layerwise', 2);
    expect(() => priorFromJSON(mlp('a', 4, true), json)).toThrow(PriorMismatchError);
    expect(() => priorFromJSON(mlp('a', 4, true), json, { ignoreNames: true })).toThrow(PriorMismatchError);
  });

  it('different layer names → PriorMismatchError; ignoreNames: true accepts the same shapes and copies the values', () => {
    const prior = randomised('parameterwise', 3);
    const json = prior.toJSON();
    const renamed = mlp('b');
    expect(() => priorFromJSON(renamed, json)).toThrow(PriorMismatchError);
    const back = priorFromJSON(renamed, json, { ignoreNames: true });
    expect(back.params.map((p) => p.name)).toEqual(['b1/kernel', 'b1/bias', 'b2/kernel', 'b2/bias']);
    expect(arr(back.precision())).toEqual(arr(prior.precision()));
    back.dispose();
    prior.dispose();
  });

  it('malformed JSON → PriorMismatchError: wrong format, wrong value counts, non-finite values, wrong variable count, unknown structure', () => {
    const json = jsonOf('unitwise', 4);
    const before = tf.memory().numTensors;
    const bad: PriorJSON[] = [
      { ...json, format: 'other' as 'spam-prior' },
      { ...json, logPrecisions: json.logPrecisions.map((v, i) => (i === 1 ? v.slice(1) : v)) },
      { ...json, logPrecisions: json.logPrecisions.map((v, i) => (i === 2 ? v.map(() => NaN) : v)) },
      { ...json, logPrecisions: json.logPrecisions.slice(1) },
      { ...json, structure: 'scalar' }, // 1 variable, the JSON has 6
      { ...json, structure: 'kron' as PriorStructure }, // documented: unknown structure → PriorMismatchError
    ];
    for (const j of bad) expect(() => priorFromJSON(model, j)).toThrow(PriorMismatchError);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('PriorMismatchError is a SpamError with code PRIOR_MISMATCH', () => {
    const json = jsonOf('scalar', 5);
    try {
      priorFromJSON(mlp('z'), json);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SpamError);
      expect((e as SpamError).code).toBe('PRIOR_MISMATCH');
    }
  });
});

describe('invalid options', () => {
  const factories = [scalarPrior, layerwisePrior, unitwisePrior, parameterwisePrior];
  for (const precision of [0, -1, NaN, Infinity, -Infinity]) {
    it(`precision ${precision} → InvalidOptionError for every factory and createPrior`, () => {
      const before = tf.memory().numTensors;
      for (const f of factories) expect(() => f(model, { precision })).toThrow(InvalidOptionError);
      for (const s of PRIOR_STRUCTURES) expect(() => createPrior(model, s, { precision })).toThrow(InvalidOptionError);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('createPrior with an unknown structure → InvalidOptionError', () => {
    expect(() => createPrior(model, 'kron' as PriorStructure)).toThrow(InvalidOptionError);
    expect(() => createPrior(model, undefined as unknown as PriorStructure)).toThrow(InvalidOptionError);
  });
});

describe('tensor memory', () => {
  const theta = [[3, 4], [4], [4, 2], [2]].map((s, i) => randomTensor(s, 70 + i));
  const counts: Record<PriorStructure, number> = { scalar: 1, layerwise: 1, unitwise: 6, parameterwise: 4 };

  for (const structure of PRIOR_STRUCTURES) {
    it(`${structure}: a live prior holds exactly its ${counts[structure]} variables until dispose(); every call leaves the count unchanged`, () => {
      const before = tf.memory().numTensors;
      const prior = createPrior(model, structure, { precision: 0.5 });
      expect(prior.variables.length).toBe(counts[structure]);
      expect(tf.memory().numTensors).toBe(before + counts[structure]);
      const held = tf.memory().numTensors;
      const check = (what: string, fn: () => tf.Tensor | tf.Tensor[] | unknown) => {
        const out = fn();
        if (out instanceof tf.Tensor || Array.isArray(out)) tf.dispose(out as tf.Tensor[]);
        expect(tf.memory().numTensors, what).toBe(held);
      };
      check('precision', () => prior.precision());
      check('precisionBlocks', () => prior.precisionBlocks());
      check('logPrecisionBlocks', () => prior.logPrecisionBlocks());
      check('logDet', () => prior.logDet());
      check('penalty', () => prior.penalty(theta));
      check('penaltyGradients', () => prior.penaltyGradients(theta));
      check('summary', () => prior.summary());
      check('toJSON', () => prior.toJSON());
      check('snapshot', () => prior.snapshot());
      check('assignLogPrecisions', () => {
        const s = prior.snapshot();
        prior.assignLogPrecisions(s);
        tf.dispose(s);
      });
      check('variableGrads of penalty + logDet', () => {
        const { value, grads } = tf.variableGrads(
          () => tf.add(prior.penalty(theta), prior.logDet()) as tf.Scalar,
          prior.variables as tf.Variable[],
        );
        return [value, ...Object.values(grads)];
      });
      check('fromJSON + dispose', () => priorFromJSON(model, prior.toJSON()).dispose());
      const vars = prior.variables;
      prior.dispose();
      expect(tf.memory().numTensors).toBe(before);
      expect(vars.every((v) => v.isDisposed)).toBe(true);
    });
  }
});
