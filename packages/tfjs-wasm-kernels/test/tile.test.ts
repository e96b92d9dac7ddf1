// Tile on wasm by block copies: bit-exact against the cpu backend over random shapes and reps
// (rank 0–6, reps 0 and 1, float32 and int32), special values, bool through the wasm backend's own
// kernel, no leaks, tile's gradient and LayerNormalization unchanged.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmKernels, unregisterWasmKernels } from '@spam/tfjs-wasm-kernels';
import { expectClose, expectNoLeak, onBackend, randomArray, seeded } from './helpers.js';

/** The raw 32-bit patterns of a float32 / int32 tensor's values. */
function bits(t: tf.Tensor): Uint32Array {
  const v = t.dataSync() as Float32Array | Int32Array;
  return new Uint32Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}

/** `tf.tile(x, reps)` on `backend` from the same host values; returns the result's shape and bit patterns. */
async function tileOn(backend: string, values: Float32Array | Int32Array, shape: number[], reps: number[]) {
  const prev = tf.getBackend();
  await tf.setBackend(backend);
  try {
    const x = tf.tensor(values, shape, values instanceof Int32Array ? 'int32' : 'float32');
    const y = tf.tile(x, reps);
    const result = { shape: y.shape, bits: bits(y), dtype: y.dtype };
    tf.dispose([x, y]);
    return result;
  } finally {
    await tf.setBackend(prev);
  }
}

/** Index of the input element that output element `i` copies (the definition of tile). */
function source(i: number, shape: number[], reps: number[]): number {
  let src = 0;
  let stride = 1;
  let rest = i;
  for (let k = shape.length - 1; k >= 0; k--) {
    const o = shape[k] * reps[k];
    src += ((rest % o) % shape[k]) * stride;
    rest = Math.floor(rest / o);
    stride *= shape[k];
  }
  return src;
}

const isNaNBits = (b: number) => (b & 0x7f800000) === 0x7f800000 && (b & 0x007fffff) !== 0;

describe('Tile (wasm, block copies)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerWasmKernels();
  });

  it('matches cpu bit for bit on random shapes and reps (rank 0–6, float32 and int32, reps 0 and 1)', async () => {
    const rand = seeded(11);
    const int = (lo: number, hi: number) => lo + Math.floor(((rand() + 1) / 2) * (hi - lo + 1));
    let nonTrivial = 0;
    for (let c = 0; c < 120; c++) {
      const rank = c % 7;
      const shape = Array.from({ length: rank }, () => (int(0, 9) === 0 ? 1 : int(1, 4)));
      const reps = Array.from({ length: rank }, () => [0, 1, 1, 2, 3, 5][int(0, 5)]);
      if (c % 17 === 5 && rank > 0) shape[int(0, rank - 1)] = 0;
      const size = shape.reduce((a, b) => a * b, 1);
      const values = c % 2 === 0 ? randomArray(size, c) : Int32Array.from(randomArray(size, c), (v) => Math.round(v * 2 ** 31));
      const what = `${values instanceof Int32Array ? 'int32' : 'float32'} [${shape.join(',')}] × [${reps.join(',')}]`;
      const want = await tileOn('cpu', values, shape, reps);
      let got = want;
      await expectNoLeak(async () => {
        got = await tileOn('wasm', values, shape, reps);
      });
      expect(got.shape, what).toEqual(want.shape);
      expect(got.dtype, what).toBe(want.dtype);
      expect(Array.from(got.bits), what).toEqual(Array.from(want.bits));
      if (got.bits.length > size) nonTrivial++;
    }
    expect(nonTrivial).toBeGreaterThan(40);
  });

  it('the shapes of LayerNormalization and broadcastTo: [256,16,1] × [1,1,128], [1,1,128] × [256,16,1], mixed', async () => {
    const cases: Array<[number[], number[]]> = [
      [
        [64, 16, 1],
        [1, 1, 128],
      ],
      [
        [1, 1, 128],
        [64, 16, 1],
      ],
      [
        [3, 1, 5, 1, 2],
        [2, 4, 1, 3, 2],
      ],
      [
        [2, 33],
        [3, 2],
      ],
      [[7], [1]],
    ];
    for (const [shape, reps] of cases) {
      const values = randomArray(
        shape.reduce((a, b) => a * b, 1),
        3,
      );
      const want = await tileOn('cpu', values, shape, reps);
      const got = await tileOn('wasm', values, shape, reps);
      expect(Array.from(got.bits), `[${shape.join(',')}] × [${reps.join(',')}]`).toEqual(Array.from(want.bits));
    }
  });

  it('copies −0, NaN (with its payload), ±∞ and the int32 extremes exactly', async () => {
    const f = new Float32Array([-0, NaN, Infinity, -Infinity, 1e-45, -3.4e38]);
    new Uint32Array(f.buffer)[1] = 0x7fc01234; // a NaN with a payload
    const i = new Int32Array([2 ** 31 - 1, -(2 ** 31), 0, -1, 123456789, -7]);
    for (const values of [f, i]) {
      const shape = [2, 3];
      const reps = [3, 2];
      const input = new Uint32Array(values.buffer);
      const got = await tileOn('wasm', values, shape, reps);
      expect(got.shape).toEqual([6, 6]);
      const want = Array.from({ length: 36 }, (_, k) => input[source(k, shape, reps)]);
      expect(Array.from(got.bits)).toEqual(want);
      // The cpu backend agrees, NaNs compared as NaNs (its per-element copy goes through JS numbers).
      const cpu = await tileOn('cpu', values, shape, reps);
      expect(Array.from(got.bits, (b) => (isNaNBits(b) ? -1 : b))).toEqual(Array.from(cpu.bits, (b) => (isNaNBits(b) ? -1 : b)));
    }
  });

  it("bool goes to the wasm backend's own Tile; float32 and int32 do not", async () => {
    unregisterWasmKernels();
    const original = tf.getKernel('Tile', 'wasm');
    const calls: string[] = [];
    tf.unregisterKernel('Tile', 'wasm');
    tf.registerKernel({
      ...original,
      kernelFunc: (args) => {
        calls.push((args.inputs.x as tf.TensorInfo).dtype);
        return original.kernelFunc(args);
      },
    });
    registerWasmKernels();
    try {
      const out = await tf.tidy(() => tf.tile(tf.tensor2d([true, false, false, true], [2, 2], 'bool'), [2, 3])).data();
      expect(Array.from(out)).toEqual([1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1]);
      expect(calls).toEqual(['bool']);
      tf.tidy(() => [tf.tile(tf.ones([2, 2]), [2, 1]).dataSync(), tf.tile(tf.ones([2], 'int32'), [3]).dataSync()]);
      expect(calls).toEqual(['bool']);
    } finally {
      unregisterWasmKernels();
      tf.unregisterKernel('Tile', 'wasm');
      tf.registerKernel(original);
      registerWasmKernels();
    }
  });

  it("tile's gradient and tfjs-layers' LayerNormalization match cpu, without leaks", async () => {
    const x = randomArray(4 * 6 * 8, 5);
    const dy = randomArray(4 * 6 * 8 * 6, 6);
    const grad = () => {
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.tile(t, [1, 3, 1, 2]), tf.tensor(dy, [4, 18, 8, 2]))));
      return g(tf.tensor(x, [4, 6, 8, 1]));
    };
    const ln = tf.sequential({ layers: [tf.layers.layerNormalization({ inputShape: [6, 8], axis: -1 })] });
    const weights = [tf.tensor1d(randomArray(8, 7)), tf.tensor1d(randomArray(8, 8))];
    ln.setWeights(weights);
    tf.dispose(weights);
    const norm = () => ln.predict(tf.tensor(x, [4, 6, 8])) as tf.Tensor;
    for (const [what, fn, tol] of [
      ['tile gradient', grad, 1e-6],
      ['LayerNormalization', norm, 1e-5],
    ] as const) {
      const want = await onBackend('cpu', fn);
      let got: Float32Array[] = [];
      await expectNoLeak(async () => {
        got = await onBackend('wasm', fn);
      });
      expectClose(got, want, tol, what);
    }
    ln.dispose();
  });
});
