// DisposedError and assertModelUsable: a disposed model is detected without touching its tensors.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  assertModelUsable,
  assertTensorUsable,
  DisposedError,
  InvalidOptionError,
  isModelDisposed,
  SpamError,
  type ModelLike,
} from '@spam/core';
import { thrown } from '../../../test/helpers/index.js';

const L = tf.layers;
const asModel = (m: tf.LayersModel) => m as unknown as ModelLike;

describe('DisposedError', () => {
  it('is a SpamError with code DISPOSED naming the kind and the object', () => {
    const e = new DisposedError('prior', 'unitwise', 'created for model m');
    expect(e).toBeInstanceOf(SpamError);
    expect(e.name).toBe('DisposedError');
    expect(e.code).toBe('DISPOSED');
    expect(e.kind).toBe('prior');
    expect(e.objectName).toBe('unitwise');
    expect(e.message).toMatch(/^prior 'unitwise' has been disposed/);
    expect(e.message).toContain('created for model m');
  });
});

describe('assertModelUsable / isModelDisposed', () => {
  it('a live sequential and functional model pass', () => {
    const seq = tf.sequential({ layers: [L.dense({ inputShape: [3], units: 2 }), L.dense({ units: 1 })] });
    const inp = tf.input({ shape: [3] });
    const fn = tf.model({ inputs: inp, outputs: L.dense({ units: 2 }).apply(inp) as tf.SymbolicTensor });
    for (const m of [seq, fn]) {
      expect(isModelDisposed(asModel(m))).toBe(false);
      expect(() => assertModelUsable(asModel(m))).not.toThrow();
      m.dispose();
    }
  });

  it('after model.dispose() (sequential, functional, weightless) → DisposedError naming the model', () => {
    const seq = tf.sequential({ name: 'my_seq', layers: [L.dense({ inputShape: [3], units: 2 })] });
    const inp = tf.input({ shape: [3] });
    const fn = tf.model({ name: 'my_fn', inputs: inp, outputs: L.dense({ units: 2 }).apply(inp) as tf.SymbolicTensor });
    const flat = tf.sequential({ name: 'my_flat', layers: [L.flatten({ inputShape: [2, 2] })] });
    for (const m of [seq, fn, flat]) {
      m.dispose();
      const before = tf.memory().numTensors;
      expect(isModelDisposed(asModel(m))).toBe(true);
      const e = thrown(() => assertModelUsable(asModel(m)));
      expect(e).toBeInstanceOf(DisposedError);
      expect((e as DisposedError).kind).toBe('model');
      expect((e as DisposedError).objectName).toBe(m.name);
      expect(e.message).toContain(`'${m.name}'`);
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('one disposed layer variable is enough (the weight is named)', () => {
    const m = tf.sequential({
      name: 'part',
      layers: [L.dense({ inputShape: [3], units: 2, name: 'd1' }), L.dense({ units: 1, name: 'd2' })],
    });
    m.layers[1].weights[1].dispose();
    const e = thrown(() => assertModelUsable(asModel(m)));
    expect(e).toBeInstanceOf(DisposedError);
    expect(e.message).toContain('d2/bias');
    m.layers[0].weights.forEach((w) => w.dispose());
    m.layers[1].weights[0].dispose();
  });

  it('a structural model whose read() throws or returns a disposed tensor counts as disposed', () => {
    const gone = tf.zeros([2]);
    gone.dispose();
    const layer = (read: () => tf.Tensor) => ({
      name: 'l',
      built: true,
      inboundNodes: [],
      getClassName: () => 'Dense',
      getConfig: () => ({}),
      weights: [{ name: 'l/kernel', shape: [2], trainable: true, read, write: () => undefined }],
    });
    const throwing = {
      name: 'throwing',
      layers: [
        layer(() => {
          throw new Error('LayersVariable l/kernel is already disposed.');
        }),
      ],
      predict: () => gone,
    } as unknown as ModelLike;
    const stale = { name: 'stale', layers: [layer(() => gone)], predict: () => gone } as unknown as ModelLike;
    expect(thrown(() => assertModelUsable(throwing))).toBeInstanceOf(DisposedError);
    expect(thrown(() => assertModelUsable(stale))).toBeInstanceOf(DisposedError);
  });

  it('not a model at all → InvalidOptionError', () => {
    for (const bad of [null, undefined, 3, 'model', {}, { layers: 'x' }]) {
      expect(thrown(() => assertModelUsable(bad as unknown as ModelLike))).toBeInstanceOf(InvalidOptionError);
    }
  });

  it('assertTensorUsable names the argument', () => {
    const t = tf.zeros([2]);
    expect(() => assertTensorUsable(t, 'xs')).not.toThrow();
    t.dispose();
    const e = thrown(() => assertTensorUsable(t, 'xs'));
    expect(e).toBeInstanceOf(DisposedError);
    expect((e as DisposedError).kind).toBe('tensor');
    expect(e.message).toContain("'xs'");
  });
});
