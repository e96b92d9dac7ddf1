import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { ShapeMismatchError, sumAll, weightedSum } from '@spam/core';

const SHAPES: number[][] = [[7], [5, 3], [2, 3, 4], [1, 1]];

/** Deterministic non-trivial values (no RNG: the same on every backend). */
function values(shape: number[], phase: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Array.from({ length: n }, (_, i) => Math.sin(1.3 * i + phase) * (1 + (i % 3))),
    shape,
  );
}

describe('sumAll', () => {
  it.each(SHAPES)('value and gradient equal tfjs autodiff of tf.sum, shape %j', (...shape) => {
    const x = values(shape, 0.4);
    const dy = tf.scalar(-2.5);
    const [mine, ref] = [sumAll, tf.sum].map((f) => tf.valueAndGrad((t: tf.Tensor) => f(t) as tf.Scalar)(x, dy));
    expect(mine.value.shape).toEqual([]);
    expect(mine.value.dataSync()[0]).toBe(ref.value.dataSync()[0]);
    expect(mine.grad.shape).toEqual(shape);
    expect(Array.from(mine.grad.dataSync())).toEqual(Array.from(ref.grad.dataSync()));
    expect(Array.from(mine.grad.dataSync())).toEqual(new Array(x.size).fill(-2.5));
    tf.dispose([x, dy, mine.value, mine.grad, ref.value, ref.grad]);
  });

  it('leaves no tensors behind, forward or through variableGrads', () => {
    const v = tf.variable(values([4, 3], 1));
    const before = tf.memory().numTensors;
    tf.dispose(sumAll(v));
    const { value, grads } = tf.variableGrads(() => tf.mul(3, sumAll(v)) as tf.Scalar, [v]);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    v.dispose();
  });
});

describe('weightedSum', () => {
  it.each(SHAPES)('value and ∂/∂x equal tfjs autodiff of tf.sum(tf.mul(x, w)), shape %j', (...shape) => {
    const x = values(shape, 0.1);
    const w = values(shape, 2.2);
    const dy = tf.scalar(0.75);
    const mine = tf.valueAndGrad((t: tf.Tensor) => weightedSum(t, w) as tf.Scalar)(x, dy);
    const ref = tf.valueAndGrad((t: tf.Tensor) => tf.sum(tf.mul(t, w)) as tf.Scalar)(x, dy);
    expect(mine.value.dataSync()[0]).toBe(ref.value.dataSync()[0]);
    expect(Array.from(mine.grad.dataSync())).toEqual(Array.from(ref.grad.dataSync()));
    // ∂/∂x = dy·w, checked against the numbers themselves as well.
    const wv = w.dataSync();
    Array.from(mine.grad.dataSync()).forEach((g, i) => expect(g).toBeCloseTo(0.75 * wv[i], 6));
    tf.dispose([x, w, dy, mine.value, mine.grad, ref.value, ref.grad]);
  });

  it('differentiates x only: w, a variable too, gets no gradient; nothing leaks', () => {
    const x = tf.variable(values([6], 0.3));
    const w = tf.variable(values([6], 1.7));
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => weightedSum(x, w) as tf.Scalar, [x, w]);
    expect(Object.keys(grads)).toEqual([x.name]);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w]);
  });

  it('throws ShapeMismatchError naming both shapes, allocating nothing', () => {
    const x = tf.zeros([3, 2]);
    const w = tf.zeros([2, 3]);
    const before = tf.memory().numTensors;
    expect(() => weightedSum(x, w)).toThrow(ShapeMismatchError);
    expect(() => weightedSum(x, w)).toThrow(/\[3,2\].*\[2,3\]/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w]);
  });
});
