// BatchMatMul / _FusedMatMul with transpose flags on wasm: explicit transposes + the wasm backend's
// own (saved) kernel; results against cpu, the original kernel still used and restorable.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmKernels, UnsupportedKernelOptionError, unregisterWasmKernels } from '@spam/tfjs-wasm-kernels';
import { expectClose, expectNoLeak, onBackend, randomArray } from './helpers.js';

interface Case {
  a: number[];
  b: number[];
  ta: boolean;
  tb: boolean;
}
const CASES: Case[] = [
  { a: [5, 7], b: [5, 3], ta: true, tb: false },
  { a: [4, 6], b: [9, 6], ta: false, tb: true },
  { a: [6, 4], b: [9, 6], ta: true, tb: true },
  { a: [3, 5, 7], b: [3, 5, 2], ta: true, tb: false },
  { a: [2, 3, 4, 5], b: [2, 3, 6, 5], ta: false, tb: true },
  { a: [4, 5, 2], b: [5, 3], ta: true, tb: false },
  { a: [1, 8], b: [1, 8], ta: true, tb: false },
  { a: [3, 7, 1], b: [1, 7, 2], ta: true, tb: false },
  { a: [33, 65], b: [17, 65], ta: false, tb: true },
];
const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
const label = (c: Case) => `${c.a.join('×')}${c.ta ? 'ᵀ' : ''} · ${c.b.join('×')}${c.tb ? 'ᵀ' : ''}`;

describe('BatchMatMul / _FusedMatMul with transposes (wasm)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerWasmKernels();
  });

  it.each(CASES.map((c, i) => [label(c), c, i] as const))('matches cpu: %s', async (_, c, i) => {
    const f = () => tf.matMul(tf.tensor(randomArray(size(c.a), i), c.a), tf.tensor(randomArray(size(c.b), i + 1), c.b), c.ta, c.tb);
    const want = await onBackend('cpu', f);
    let got: Float32Array[] = [];
    await expectNoLeak(async () => {
      got = await onBackend('wasm', f);
    });
    expectClose(got, want, 1e-5, label(c));
  });

  it('fused matMul with bias and relu, transposed operands, matches cpu', async () => {
    const f = () =>
      tf.fused.matMul({
        a: tf.tensor2d(randomArray(6 * 4, 1), [6, 4]),
        b: tf.tensor2d(randomArray(5 * 6, 2), [5, 6]),
        transposeA: true,
        transposeB: true,
        bias: tf.tensor1d(randomArray(5, 3)),
        activation: 'relu',
      });
    const want = await onBackend('cpu', f);
    expect(want[0].some((v) => v === 0) && want[0].some((v) => v > 0)).toBe(true);
    let got: Float32Array[] = [];
    await expectNoLeak(async () => {
      got = await onBackend('wasm', f);
    });
    expectClose(got, want, 1e-5, 'fused');
  });

  it("calls the wasm backend's own kernel with the flags off; unregistering restores it", async () => {
    unregisterWasmKernels();
    const original = tf.getKernel('BatchMatMul', 'wasm');
    registerWasmKernels();
    expect(tf.getKernel('BatchMatMul', 'wasm')).not.toBe(original);
    unregisterWasmKernels();
    expect(tf.getKernel('BatchMatMul', 'wasm')).toBe(original);
    // Put a spy where the wasm backend's kernel was: the replacement must delegate to it, untransposed.
    const seen: unknown[] = [];
    const spy: tf.KernelFunc = (args) => {
      seen.push({ ...args.attrs });
      return original.kernelFunc(args);
    };
    tf.unregisterKernel('BatchMatMul', 'wasm');
    tf.registerKernel({ ...original, kernelFunc: spy });
    registerWasmKernels();
    try {
      const out = tf.tidy(() => Array.from(tf.matMul(tf.ones([3, 2]), tf.ones([3, 4]), true, false).dataSync()));
      expect(out).toEqual(new Array(8).fill(3));
      expect(seen).toEqual([{ transposeA: false, transposeB: false }]);
    } finally {
      unregisterWasmKernels();
      tf.unregisterKernel('BatchMatMul', 'wasm');
      tf.registerKernel(original);
      registerWasmKernels();
    }
  });

  it('int32 operands are a typed error naming BatchMatMul and dtype, without leaks', async () => {
    await expectNoLeak(() => {
      const a = tf.ones([2, 3], 'int32');
      const b = tf.ones([2, 3], 'int32');
      try {
        expect(() => tf.matMul(a, b, true, false)).toThrow(UnsupportedKernelOptionError);
        expect(() => tf.matMul(a, b, true, false)).toThrow(/BatchMatMul.*dtype/);
      } finally {
        tf.dispose([a, b]);
      }
    });
  });
});
