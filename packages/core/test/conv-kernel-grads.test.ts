import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { convKernelGradSquares } from '../src/adapter/layers/conv-kernel-grads.js';
import { arr, onBackend, randomTensor, relErr } from '../../../test/helpers/index.js';

/** [h, w, in, units, kh, kw, sh, sw, padding]: odd/even/1×1 kernels, strides 1–3, non-square, both paddings. */
const CASES: Array<[number, number, number, number, number, number, number, number, 'valid' | 'same']> = [
  [6, 6, 2, 3, 3, 3, 1, 1, 'same'],
  [7, 6, 2, 3, 3, 3, 2, 2, 'same'],
  [8, 7, 3, 2, 2, 2, 2, 2, 'same'],
  [9, 7, 2, 2, 3, 2, 3, 2, 'valid'],
  [8, 8, 1, 2, 2, 2, 3, 3, 'valid'],
  [6, 6, 3, 2, 1, 1, 2, 2, 'same'],
  [1, 9, 2, 3, 1, 3, 1, 2, 'same'],
];

describe('convKernelGradSquares (depthwise route) = Σ_{k,n} of squared per-example kernel gradients by cpu autodiff', () => {
  it.each(CASES)('x [%i, %i, %i] → %i filters, kernel %i×%i, strides %i×%i, %s', async (h, w, cin, units, kh, kw, sh, sw, padding) => {
    const [k, n] = [2, 3];
    const x = randomTensor([n, h, w, cin], 1) as tf.Tensor4D;
    const kernel = randomTensor([kh, kw, cin, units], 2) as tf.Tensor4D;
    const zShape = tf.tidy(() => tf.conv2d(x, kernel, [sh, sw], padding).shape);
    const gz = randomTensor([k, ...zShape], 3);
    // Reference: each example's kernel gradient of <conv2d(x_n, W), gz_{k,n}> on cpu, squared and summed.
    const expected = await onBackend('cpu', () =>
      tf.tidy(() => {
        let sum: tf.Tensor = tf.zeros(kernel.shape);
        for (let kk = 0; kk < k; kk++) {
          for (let i = 0; i < n; i++) {
            const xn = tf.slice(x, [i, 0, 0, 0], [1, h, w, cin]) as tf.Tensor4D;
            const gn = tf.reshape(tf.slice(gz, [kk, i], [1, 1]), [1, ...zShape.slice(1)]);
            const dW = tf.grad((wi: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xn, wi as tf.Tensor4D, [sh, sw], padding), gn)))(kernel);
            sum = tf.add(sum, tf.square(dW));
          }
        }
        return arr(sum);
      }),
    );
    const before = tf.memory().numTensors;
    const hDiag = convKernelGradSquares(x, gz, [kh, kw], [sh, sw], padding);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(hDiag.shape).toEqual([kh, kw, cin, units]);
    expect(relErr(arr(hDiag), expected)).toBeLessThan(1e-5);
    // All K cotangents in one depthwise call (the default is one per call) give the same sums.
    const chunked = convKernelGradSquares(x, gz, [kh, kw], [sh, sw], padding, k);
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(relErr(arr(chunked), expected)).toBeLessThan(1e-5);
    tf.dispose([x, kernel, gz, hDiag, chunked]);
  });
});
