import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { InvalidDataError, iterateBatches } from '@spam/core';
import { rejection } from '../../../test/helpers/index.js';

describe('iterateBatches over a tf.data.Dataset whose own pipeline fails', () => {
  it('an error inside tfjs batching becomes InvalidDataError naming the element', async () => {
    // Elements with different ys shapes: tfjs's .batch() cannot stack them.
    const xs = [tf.ones([3]), tf.ones([3])];
    const ys = [tf.ones([2]), tf.ones([3])];
    const ds = tf.data.zip({ xs: tf.data.array(xs), ys: tf.data.array(ys) }).batch(2);
    const e = await rejection(
      (async () => {
        for await (const b of iterateBatches(ds)) b.release();
      })(),
    );
    expect(e).toBeInstanceOf(InvalidDataError);
    expect(e.message).toMatch(/element 0/);
    tf.dispose([...xs, ...ys]);
  });
});
