// Conv2DBackpropFilter on wasm (tfjs-backend-wasm 4.22 has none) against the cpu backend.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmKernels, UnsupportedKernelOptionError, unregisterWasmKernels } from '@spam/tfjs-wasm-kernels';
import { expectClose, expectNoLeak, onBackend, randomArray } from './helpers.js';

type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];
interface Case {
  x: [number, number, number, number];
  k: [number, number];
  out: number;
  strides: [number, number];
  pad: Pad;
}

const CASES: Case[] = [
  { x: [2, 7, 7, 3], k: [3, 3], out: 4, strides: [1, 1], pad: 'valid' },
  { x: [3, 8, 9, 2], k: [3, 2], out: 5, strides: [2, 2], pad: 'same' },
  { x: [1, 9, 7, 1], k: [5, 5], out: 6, strides: [2, 1], pad: 'valid' },
  { x: [2, 10, 11, 4], k: [2, 3], out: 3, strides: [3, 2], pad: 'same' },
  { x: [2, 6, 5, 2], k: [3, 3], out: 2, strides: [1, 2], pad: 1 },
  {
    x: [1, 7, 8, 3],
    k: [3, 4],
    out: 2,
    strides: [2, 3],
    pad: [
      [0, 0],
      [2, 0],
      [1, 3],
      [0, 0],
    ],
  },
  { x: [4, 5, 5, 1], k: [1, 1], out: 7, strides: [2, 2], pad: 'valid' },
  { x: [1, 5, 6, 2], k: [5, 6], out: 3, strides: [1, 1], pad: 'valid' },
];

const label = (c: Case) => `x ${c.x.join('×')}, k ${c.k.join('×')}→${c.out}, s ${c.strides.join(',')}, pad ${JSON.stringify(c.pad)}`;

/** d/dx and d/dW of Σ conv2d(x, W)·R for fixed random R. */
function grads(c: Case, seed: number) {
  return () => {
    const x = tf.tensor4d(
      randomArray(
        c.x.reduce((a, b) => a * b),
        seed,
      ),
      c.x,
    );
    const w = tf.tensor4d(randomArray(c.k[0] * c.k[1] * c.x[3] * c.out, seed + 1), [c.k[0], c.k[1], c.x[3], c.out]);
    const y = tf.conv2d(x, w, c.strides, c.pad);
    const r = tf.tensor(randomArray(y.size, seed + 2), y.shape);
    const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad as 'valid'), r));
    return tf.grads(f)([x, w]);
  };
}

describe('Conv2DBackpropFilter (wasm)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerWasmKernels();
  });

  it('is missing from tfjs-backend-wasm 4.22 itself (what this package fixes)', async () => {
    unregisterWasmKernels();
    try {
      expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
      const c = CASES[0];
      expect(() => tf.tidy(() => grads(c, 1)())).toThrow(/Conv2DBackpropFilter/);
    } finally {
      registerWasmKernels();
    }
  });

  it.each(CASES.map((c, i) => [label(c), c, i] as const))('matches cpu: %s', async (_, c, i) => {
    const want = await onBackend('cpu', grads(c, 10 * i));
    let got: Float32Array[] = [];
    await expectNoLeak(async () => {
      got = await onBackend('wasm', grads(c, 10 * i));
    });
    expectClose(got, want, 1e-5, label(c));
  });

  it('NCHW through runKernel matches cpu', async () => {
    const attrs = { strides: [2, 1], pad: 'same', dataFormat: 'NCHW', dimRoundingMode: undefined, filterShape: [3, 2, 3, 4] };
    const run = () => {
      const x = tf.tensor4d(randomArray(2 * 3 * 7 * 6, 5), [2, 3, 7, 6]);
      const dy = tf.tensor4d(randomArray(2 * 4 * 4 * 6, 6), [2, 4, 4, 6]);
      return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    };
    const want = await onBackend('cpu', run);
    const got = await onBackend('wasm', run);
    expect(want[0].length).toBe(3 * 2 * 3 * 4);
    expectClose(got, want, 1e-5, 'NCHW');
  });

  it('an unknown dataFormat is a typed error naming the kernel and option, and leaks nothing', async () => {
    await expectNoLeak(() => {
      const x = tf.zeros([1, 4, 4, 1]);
      const dy = tf.zeros([1, 2, 2, 1]);
      try {
        expect(() =>
          tf.engine().runKernel(
            'Conv2DBackpropFilter',
            { x, dy },
            {
              strides: 1,
              pad: 'valid',
              dataFormat: 'NDHWC',
              filterShape: [3, 3, 1, 1],
            },
          ),
        ).toThrow(UnsupportedKernelOptionError);
        expect(() =>
          tf.engine().runKernel(
            'Conv2DBackpropFilter',
            { x, dy },
            {
              strides: 1,
              pad: 'valid',
              dataFormat: 'NDHWC',
              filterShape: [3, 3, 1, 1],
            },
          ),
        ).toThrow(/Conv2DBackpropFilter.*dataFormat/);
      } finally {
        tf.dispose([x, dy]);
      }
    });
  });
});
