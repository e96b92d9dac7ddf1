// MaskApplier and applyMask after dispose: DisposedError naming the model, isDisposed, idempotent dispose.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { DisposedError } from '@spam/core';
import { randomScores } from '../src/scores/random.js';
import { scoreMask } from '../src/masks/select.js';
import { applyMask, MaskApplier } from '../src/masks/apply.js';
import { thrown } from '../../../test/helpers/index.js';
import { asModel, mlp } from './mask-fixtures.js';

function maskFor(model: tf.LayersModel) {
  const sc = randomScores(asModel(model), { seed: 8 });
  const mask = scoreMask(sc, { sparsity: 0.5, includeBias: true });
  sc.dispose();
  return mask;
}

describe('a disposed MaskApplier', () => {
  it('isDisposed flips, dispose() twice is fine, apply/callback/hooks throw DisposedError naming the model; weights untouched', async () => {
    const model = mlp(21);
    const mask = maskFor(model);
    const applier = new MaskApplier(asModel(model), mask);
    expect(applier.isDisposed).toBe(false);
    const before = tf.memory().numTensors;
    applier.dispose();
    expect(applier.isDisposed).toBe(true);
    expect(tf.memory().numTensors).toBe(before - 4); // one 0/1 tensor per parameter tensor
    applier.dispose();
    expect(tf.memory().numTensors).toBe(before - 4);
    const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
    const calls: Array<[string, () => unknown]> = [
      ['apply', () => applier.apply()],
      ['hooks().afterBatch', () => applier.hooks().afterBatch()],
    ];
    for (const [name, call] of calls) {
      const e = thrown(call);
      expect(e, name).toBeInstanceOf(DisposedError);
      expect((e as DisposedError).kind).toBe('MaskApplier of model');
      expect(e.message).toContain(`'${model.name}'`);
    }
    await expect(applier.callback().onBatchEnd()).rejects.toBeInstanceOf(DisposedError);
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(weights);
    model.dispose();
  });
});

describe('a disposed model', () => {
  it('applyMask, new MaskApplier and a live applier of it → DisposedError naming the model, nothing leaked', () => {
    const model = mlp(22);
    const mask = maskFor(model);
    const applier = new MaskApplier(asModel(model), mask);
    model.dispose();
    const before = tf.memory().numTensors;
    for (const call of [() => applyMask(asModel(model), mask), () => new MaskApplier(asModel(model), mask), () => applier.apply()]) {
      const e = thrown(call);
      expect(e, e.message).toBeInstanceOf(DisposedError);
      expect((e as DisposedError).kind).toBe('model');
      expect(e.message).toContain(`'${model.name}'`);
    }
    expect(tf.memory().numTensors).toBe(before);
    applier.dispose();
  });
});
