// FusedBatchNorm on wasm as y = x·a + b (one 1×1 depthwise pass): against the cpu backend over
// random shapes (rank 2–4, C 1–64, with and without offset / scale, several ε), which calls take the
// fast path and which go to the wasm backend's own kernel, gradients and the BatchNormalization
// layer unchanged, no leaked tensors or backend buffers, unregister restores the original.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmKernels, unregisterWasmKernels, UnsupportedKernelOptionError } from '@spam/tfjs-wasm-kernels';
import { MIN_SIZE } from '../src/fused-batch-norm.js';
import { expectClose, expectNoLeak, onBackend, randomArray, seeded } from './helpers.js';

/** One batchNorm problem as host arrays (parameters of `pshape`), so both backends see the same data. */
interface Problem {
  shape: number[];
  pshape: number[];
  x: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  offset: Float32Array | null;
  scale: Float32Array | null;
  eps: number | undefined;
}

function problem(seed: number, shape: number[], pshape: number[], withOffset: boolean, withScale: boolean, eps?: number): Problem {
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const n = size(pshape);
  return {
    shape,
    pshape,
    x: randomArray(size(shape), seed),
    mean: randomArray(n, seed + 1),
    // Variances in (0.05, 2.05).
    variance: Float32Array.from(randomArray(n, seed + 2), (v) => 1.05 + v),
    offset: withOffset ? randomArray(n, seed + 3) : null,
    scale: withScale ? randomArray(n, seed + 4) : null,
    eps,
  };
}

const run = (p: Problem) => () => {
  const t = (v: Float32Array | null) => (v ? tf.tensor(v, p.pshape) : undefined);
  return tf.batchNorm(tf.tensor(p.x, p.shape), t(p.mean)!, t(p.variance)!, t(p.offset), t(p.scale), p.eps);
};

/** Replaces the wasm backend's own FusedBatchNorm by a recorder around it (re-registering this package on top); returns the log and an undo. */
function recordOriginal(): { calls: string[]; restore: () => void } {
  unregisterWasmKernels();
  const original = tf.getKernel('FusedBatchNorm', 'wasm');
  const calls: string[] = [];
  tf.unregisterKernel('FusedBatchNorm', 'wasm');
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => {
      calls.push(`${(args.inputs.x as tf.TensorInfo).dtype} [${(args.inputs.mean as tf.TensorInfo).shape.join(',')}]`);
      return original.kernelFunc(args);
    },
  });
  registerWasmKernels();
  return {
    calls,
    restore: () => {
      unregisterWasmKernels();
      tf.unregisterKernel('FusedBatchNorm', 'wasm');
      tf.registerKernel(original);
      registerWasmKernels();
    },
  };
}

/** Buffers the wasm backend holds (tensors and kernel intermediates). */
const wasmBuffers = () => tf.engine().findBackend('wasm').numDataIds();

describe('FusedBatchNorm (wasm, x·a + b)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerWasmKernels();
  });

  it('matches cpu to 1e-6 on random shapes (rank 2–4, C 1–64, offset / scale present or not, ε variants), on the fast path, without leaks', async () => {
    const rand = seeded(21);
    const int = (lo: number, hi: number) => lo + Math.floor(((rand() + 1) / 2) * (hi - lo + 1));
    const rec = recordOriginal();
    try {
      for (let c = 0; c < 48; c++) {
        const rank = 2 + (c % 3);
        const channels = c % 7 === 0 ? 1 : int(1, 64);
        const shape = [...Array.from({ length: rank - 1 }, () => int(1, 6)), channels];
        // At least MIN_ROWS rows and MIN_SIZE elements.
        shape[0] = Math.max(shape[0], 4, Math.ceil(MIN_SIZE / shape.slice(1).reduce((a, b) => a * b, 1)));
        const eps = [undefined, 1e-3, 1e-5, 0.1, 0][c % 5];
        const p = problem(100 + c, shape, [channels], c % 2 === 0, c % 4 < 2, eps);
        const what = `[${shape.join(',')}] C ${channels} offset ${p.offset != null} scale ${p.scale != null} eps ${eps}`;
        const want = await onBackend('cpu', run(p));
        let got: Float32Array[] = [];
        const buffers = wasmBuffers();
        await expectNoLeak(async () => {
          got = await onBackend('wasm', run(p));
        });
        expect(wasmBuffers(), what).toBe(buffers);
        expectClose(got, want, 1e-6, what);
      }
      expect(rec.calls).toEqual([]);
    } finally {
      rec.restore();
    }
  });

  it('goes to the original kernel for full-size (LayerNormalization) parameters, too few rows or elements, mixed lengths, non-finite factors, int32; results match cpu', async () => {
    const rec = recordOriginal();
    try {
      // Parameters tiled to the input's shape (LayerNormalization), 2 rows of [C], 256 elements: the original.
      for (const [shape, pshape] of [
        [
          [16, 16, 8],
          [16, 16, 8],
        ],
        [[2, 1024], [1024]],
        [[4, 4, 4, 4], [4]],
      ]) {
        const p = problem(7, shape, pshape, true, true);
        expectClose(await onBackend('wasm', run(p)), await onBackend('cpu', run(p)), 1e-6, `[${shape.join(',')}] by [${pshape.join(',')}]`);
      }
      expect(rec.calls).toEqual(['float32 [16,16,8]', 'float32 [1024]', 'float32 [4]']);
      // Mean of 4 entries, scale of 2: tfjs's flat-modulo semantics, through the original.
      const mixed = () =>
        tf.engine().runKernel(
          'FusedBatchNorm',
          {
            x: tf.tensor4d(randomArray(2048, 3), [8, 16, 4, 4]),
            mean: tf.tensor1d([0.1, 0.2, 0.3, 0.4]),
            variance: tf.ones([4]),
            scale: tf.tensor1d([2, 3]),
          },
          { varianceEpsilon: 1e-3 },
        ) as tf.Tensor;
      expectClose(await onBackend('wasm', mixed), await onBackend('cpu', mixed), 1e-6, 'mixed lengths');
      expect(rec.calls.length).toBe(4);
      // Zero variance and ε: a = ∞, so x·a + b would be ∞ − ∞; the original gives ±∞ (and NaN at x = mean), like cpu.
      const zero = () =>
        tf.batchNorm(
          tf.tile(tf.tensor2d([1, 0.5, -1, 0.5, 0, 2, 0.5, 0.5], [4, 2]), [512, 1]),
          tf.tensor1d([0.5, 0.5]),
          tf.zeros([2]),
          undefined,
          undefined,
          0,
        );
      const [z] = await onBackend('wasm', zero);
      expect(Array.from(z)).toEqual(Array.from((await onBackend('cpu', zero))[0]));
      expect(Array.from(z.subarray(4088))).toEqual([Infinity, NaN, -Infinity, NaN, -Infinity, Infinity, NaN, NaN]);
      expect(rec.calls.length).toBe(5);
      tf.tidy(() => tf.batchNorm(tf.ones([1024, 2], 'int32'), tf.zeros([2], 'int32'), tf.ones([2], 'int32')).dataSync());
      expect(rec.calls[5]).toBe('int32 [2]');
    } finally {
      rec.restore();
    }
  });

  it('a missing input is a typed error naming it', () => {
    const call = () =>
      tf.tidy(() => tf.engine().runKernel('FusedBatchNorm', { x: tf.ones([4, 2]), variance: tf.ones([2]) }, { varianceEpsilon: 1e-3 }));
    const before = tf.memory().numTensors;
    expect(call).toThrow(UnsupportedKernelOptionError);
    expect(call).toThrow(/FusedBatchNorm.*inputs\.mean/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("batchNorm's gradients (x, mean, variance, offset, scale) match cpu and do not call FusedBatchNorm", async () => {
    const p = problem(31, [16, 8, 4, 5], [5], true, true, 1e-3);
    const dy = randomArray(16 * 8 * 4 * 5, 37);
    const grads = () => {
      const t = (v: Float32Array | null, s: number[]) => tf.tensor(v!, s);
      const f = (x: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor) =>
        tf.sum(tf.mul(tf.batchNorm(x, m, v, o, s, p.eps), tf.tensor(dy, p.shape)));
      return tf.grads(f)([t(p.x, p.shape), t(p.mean, [5]), t(p.variance, [5]), t(p.offset, [5]), t(p.scale, [5])]);
    };
    const want = await onBackend('cpu', grads);
    const calls: string[] = [];
    const fast = tf.getKernel('FusedBatchNorm', 'wasm');
    tf.unregisterKernel('FusedBatchNorm', 'wasm');
    tf.registerKernel({ ...fast, kernelFunc: (args) => (calls.push('call'), fast.kernelFunc(args)) });
    let got: Float32Array[] = [];
    try {
      await expectNoLeak(async () => {
        got = await onBackend('wasm', grads);
      });
    } finally {
      tf.unregisterKernel('FusedBatchNorm', 'wasm');
      tf.registerKernel(fast);
    }
    expect(calls).toEqual(['call']); // the forward pass only
    expectClose(got, want, 1e-5, 'batchNorm gradients');
  });

  it('a BatchNormalization layer: predict (moving statistics) and a training-mode forward (batch statistics) match cpu', async () => {
    const build = () => {
      const m = tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [6], units: 8, kernelInitializer: 'ones' }),
          tf.layers.batchNormalization({ momentum: 0.5 }),
        ],
      });
      m.setWeights(m.getWeights().map((w, i) => tf.tensor(randomArray(w.size, 50 + i), w.shape).add(i >= 3 ? 1.5 : 0)));
      return m;
    };
    const x = randomArray(256 * 6, 60);
    const step = () => {
      const m = build();
      const xs = tf.tensor2d(x, [256, 6]);
      const predicted = m.predict(xs, { batchSize: 256 }) as tf.Tensor;
      const trained = m.apply(xs, { training: true }) as tf.Tensor;
      const out = [predicted, trained];
      m.dispose();
      return out;
    };
    const want = await onBackend('cpu', step);
    let got: Float32Array[] = [];
    const rec = recordOriginal();
    try {
      await expectNoLeak(async () => {
        got = await onBackend('wasm', step);
      });
    } finally {
      rec.restore();
    }
    expect(rec.calls).toEqual([]); // both on the fast path ([256, 8] by [8])
    expectClose(got, want, 1e-5, 'BatchNormalization predict / training');
  });

  it('unregisterWasmKernels restores the wasm backend’s own FusedBatchNorm', () => {
    const fast = tf.getKernel('FusedBatchNorm', 'wasm');
    unregisterWasmKernels();
    const original = tf.getKernel('FusedBatchNorm', 'wasm');
    registerWasmKernels();
    expect(original).toBeDefined();
    expect(original).not.toBe(fast);
    expect(tf.getKernel('FusedBatchNorm', 'wasm')).not.toBe(original);
    expect(tf.getKernel('FusedBatchNorm', 'wasm').kernelName).toBe('FusedBatchNorm');
  });
});
