// DepthwiseConv2dNativeBackpropFilter / …BackpropInput on wasm (tfjs-backend-wasm 4.22 has neither):
// tfjs autodiff on wasm against cpu, and, for dilations (which tfjs's depthwise gradient refuses),
// the adjoint identities ⟨dW, V⟩ = ⟨dy, conv(x, V)⟩ and ⟨dx, U⟩ = ⟨dy, conv(U, W)⟩ with the forward on cpu.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmKernels, unregisterWasmKernels } from '@spam/tfjs-wasm-kernels';
import { expectClose, expectNoLeak, onBackend, randomArray } from './helpers.js';

type Pad = 'valid' | 'same' | number;
interface Case {
  x: [number, number, number, number];
  k: [number, number];
  mult: number;
  strides: [number, number];
  pad: Pad;
  dilations?: [number, number];
}

const CASES: Case[] = [
  { x: [2, 7, 7, 3], k: [3, 3], mult: 1, strides: [1, 1], pad: 'valid' },
  { x: [3, 8, 9, 2], k: [3, 2], mult: 2, strides: [2, 2], pad: 'same' },
  { x: [1, 9, 7, 4], k: [5, 5], mult: 3, strides: [2, 1], pad: 'valid' },
  { x: [2, 10, 11, 1], k: [2, 3], mult: 2, strides: [3, 2], pad: 'same' },
  { x: [2, 6, 5, 2], k: [3, 3], mult: 1, strides: [1, 1], pad: 1 },
  { x: [4, 5, 5, 3], k: [1, 1], mult: 2, strides: [2, 2], pad: 'valid' },
];

const DILATED: Case[] = [
  { x: [2, 9, 8, 2], k: [3, 3], mult: 2, strides: [1, 1], pad: 'valid', dilations: [2, 2] },
  { x: [1, 10, 9, 3], k: [3, 2], mult: 1, strides: [1, 1], pad: 'same', dilations: [2, 3] },
];

const label = (c: Case) =>
  `x ${c.x.join('×')}, k ${c.k.join('×')}×${c.mult}, s ${c.strides.join(',')}, pad ${c.pad}` + (c.dilations ? `, d ${c.dilations}` : '');
const filterShape = (c: Case): [number, number, number, number] => [c.k[0], c.k[1], c.x[3], c.mult];
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

function grads(c: Case, seed: number) {
  return () => {
    const x = tf.tensor4d(randomArray(size(c.x), seed), c.x);
    const w = tf.tensor4d(randomArray(size(filterShape(c)), seed + 1), filterShape(c));
    const y = tf.depthwiseConv2d(x, w, c.strides, c.pad);
    const r = tf.tensor(randomArray(y.size, seed + 2), y.shape);
    return tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad as 'valid'), r)),
    )([x, w]);
  };
}

describe('depthwise backprop kernels (wasm)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerWasmKernels();
  });

  it('are missing from tfjs-backend-wasm 4.22 itself', () => {
    unregisterWasmKernels();
    try {
      expect(tf.getKernel('DepthwiseConv2dNativeBackpropFilter', 'wasm')).toBeUndefined();
      expect(tf.getKernel('DepthwiseConv2dNativeBackpropInput', 'wasm')).toBeUndefined();
    } finally {
      registerWasmKernels();
    }
  });

  it.each(CASES.map((c, i) => [label(c), c, i] as const))('autodiff matches cpu: %s', async (_, c, i) => {
    const want = await onBackend('cpu', grads(c, 10 * i));
    let got: Float32Array[] = [];
    await expectNoLeak(async () => {
      got = await onBackend('wasm', grads(c, 10 * i));
    });
    expectClose(got, want, 1e-5, label(c));
  });

  it.each([...DILATED, ...CASES].map((c, i) => [label(c), c, i] as const))('adjoint identities hold: %s', async (_, c, i) => {
    const fs = filterShape(c);
    const xs = () => tf.tensor4d(randomArray(size(c.x), i), c.x);
    const ws = () => tf.tensor4d(randomArray(size(fs), i + 1), fs);
    const conv = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.depthwiseConv2d(a, b, c.strides, c.pad, 'NHWC', c.dilations ?? 1);
    const outShape = (await onBackend('cpu', () => conv(xs(), ws())))[0].length;
    const yShape = tf.tidy(() => conv(xs(), ws()).shape);
    expect(size(yShape)).toBe(outShape);
    const dys = () => tf.tensor(randomArray(outShape, i + 2), yShape);
    const vs = () => tf.tensor4d(randomArray(size(fs), i + 3), fs);
    const us = () => tf.tensor4d(randomArray(size(c.x), i + 4), c.x);
    const attrs = { strides: c.strides, pad: c.pad, dilations: c.dilations ?? [1, 1], dimRoundingMode: undefined };
    // Right-hand sides on cpu: ⟨dy, conv(x, V)⟩ and ⟨dy, conv(U, W)⟩.
    const [rhsW, rhsX] = await onBackend('cpu', () => [tf.sum(tf.mul(dys(), conv(xs(), vs()))), tf.sum(tf.mul(dys(), conv(us(), ws())))]);
    let lhs: Float32Array[] = [];
    await expectNoLeak(async () => {
      lhs = await onBackend('wasm', () => {
        const dw = tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x: xs(), dy: dys() }, {
          ...attrs,
          filterShape: fs,
        } as unknown as tf.NamedAttrMap) as tf.Tensor;
        const dx = tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: dys(), filter: ws() }, {
          ...attrs,
          inputShape: c.x,
        } as unknown as tf.NamedAttrMap) as tf.Tensor;
        expect(dw.shape).toEqual(fs);
        expect(dx.shape).toEqual(c.x);
        return [tf.sum(tf.mul(dw, vs())), tf.sum(tf.mul(dx, us()))];
      });
    });
    expectClose(lhs, [rhsW, rhsX], 1e-4, label(c));
  });
});
