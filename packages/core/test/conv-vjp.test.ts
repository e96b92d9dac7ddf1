import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { convInputVjp } from '../src/adapter/layers/conv-vjp.js';
import { arr, onBackend, randomTensor, relErr } from '../../../test/helpers/index.js';

/** [h, w, in, out, kh, kw, sh, sw, padding]: odd/even/1×1 kernels, strides 1–3, non-square, both paddings. */
const CASES: Array<[number, number, number, number, number, number, number, number, 'valid' | 'same']> = [
  [7, 7, 2, 3, 3, 3, 1, 1, 'same'],
  [7, 6, 2, 3, 3, 3, 2, 2, 'same'],
  [8, 8, 3, 2, 2, 2, 2, 2, 'same'],
  [9, 7, 2, 2, 3, 2, 3, 2, 'valid'],
  [8, 9, 1, 4, 5, 3, 2, 1, 'same'],
  [6, 6, 3, 2, 1, 1, 2, 2, 'same'],
  [5, 5, 2, 2, 1, 1, 1, 1, 'valid'],
  [6, 7, 2, 3, 4, 4, 3, 3, 'same'],
  [1, 9, 2, 3, 1, 3, 1, 2, 'same'],
];

describe('convInputVjp (conv2d with the flipped kernel) = tfjs autodiff of conv2d on cpu', () => {
  it.each(CASES)('x [%i, %i, %i] → %i filters, kernel %i×%i, strides %i×%i, %s', async (h, w, cin, cout, kh, kw, sh, sw, padding) => {
    const m = 3;
    const x = randomTensor([m, h, w, cin], 1) as tf.Tensor4D;
    const kernel = randomTensor([kh, kw, cin, cout], 2) as tf.Tensor4D;
    const z = tf.conv2d(x, kernel, [sh, sw], padding);
    const g = randomTensor(z.shape, 3) as tf.Tensor4D;
    // Reference: the gradient of <conv2d(x, W), g> with respect to x, on the cpu backend.
    const expected = await onBackend('cpu', () =>
      tf.tidy(() => arr(tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xi as tf.Tensor4D, kernel, [sh, sw], padding), g)))(x))),
    );
    const before = tf.memory().numTensors;
    const dx = convInputVjp(g, kernel, [h, w], [sh, sw], padding);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(dx.shape).toEqual([m, h, w, cin]);
    expect(relErr(arr(dx), expected)).toBeLessThan(1e-5);
    tf.dispose([x, kernel, z, g, dx]);
  });
});
