import * as tf from '@tensorflow/tfjs';
import { buildModelAdapter, InvalidOptionError, meanNllGradients } from '@spam/core';
import { describe, expect, it } from 'vitest';
import {
  buildArchitecture,
  buildMixer,
  buildResnet,
  buildVit,
  calibrateBatchNorm,
  registerVitLayers,
  ScaleBy,
  SinCosPosition2D,
  sinCosPositions2d,
} from '../src/index.js';

const trainable = (m: tf.LayersModel) => m.trainableWeights.reduce((s, w) => s + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);

describe('architectures: shapes and parameter counts', () => {
  it('resnet, vit and mixer have the hand-counted trainable parameters and give [N, 10] logits', () => {
    const before = tf.memory().numTensors;
    // ResNet [16, 32, 64]: stem 3·3·1·16 + BN 2·16; block1 2·(9·16·16 + 32); block2 9·16·32 + 9·32·32 + 16·32 + 3·64;
    // block3 9·32·64 + 9·64·64 + 32·64 + 3·128; head 64·10 + 10.
    const resnet = 144 + 32 + 2 * (2304 + 32) + (4608 + 9216 + 512 + 192) + (18432 + 36864 + 2048 + 384) + 650;
    // ViT: patch 49·128 + 128; 4 LayerNorms 4·256; q, k, v 8·3·128·16; out 128·128; MLP 128·256 + 256 + 256·128 + 128; head 1290.
    const vit = 6400 + 4 * 256 + 8 * 3 * 128 * 16 + 128 * 128 + (128 * 256 + 256) + (256 * 128 + 128) + 1290;
    // Mixer: 784·256 + 256; 2 × (256·512 + 512 + 512·256 + 256); 256·10 + 10.
    const mixer = 784 * 256 + 256 + 2 * (256 * 512 + 512 + 512 * 256 + 256) + 2570;
    for (const [name, expected, shape] of [
      ['resnet', resnet, [28, 28, 1]],
      ['vit', vit, [28, 28, 1]],
      ['mixer', mixer, [784]],
    ] as const) {
      const model = buildArchitecture(name, [...shape], 10, 3);
      expect(trainable(model), name).toBe(expected);
      const y = tf.tidy(() => model.predict(tf.zeros([2, ...shape])) as tf.Tensor);
      expect(y.shape).toEqual([2, 10]);
      y.dispose();
      model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the same seed gives the same initial weights, another seed other weights', () => {
    const [a, b, c] = [
      buildMixer({ seed: 4, dim: 8, hidden: 8 }),
      buildMixer({ seed: 4, dim: 8, hidden: 8 }),
      buildMixer({ seed: 5, dim: 8, hidden: 8 }),
    ];
    const k = (m: tf.LayersModel) => Array.from(m.getLayer('block2_fc1').getWeights()[0].dataSync());
    expect(k(a)).toEqual(k(b));
    expect(k(a)).not.toEqual(k(c));
    [a, b, c].forEach((m) => m.dispose());
  });

  it('refuses bad options with InvalidOptionError naming them', () => {
    expect(() => buildResnet({ inputShape: [784] })).toThrow(InvalidOptionError);
    expect(() => buildResnet({ widths: [16, 0] })).toThrow(/widths/);
    expect(() => buildVit({ inputShape: [28, 28, 1], patch: 5 })).toThrow(/multiple of the patch 5/);
    expect(() => buildVit({ dim: 100, heads: 8 })).toThrow(/heads 8/);
    expect(() => buildMixer({ seed: -1 })).toThrow(/seed/);
    expect(() => buildArchitecture('lenet' as never, [784], 10, 0)).toThrow(/valid: resnet, vit, mixer/);
  });
});

describe('architectures: the ViT parts', () => {
  it('sin-cos table: token (y, x) row = [sin xω, cos xω, sin yω, cos yω], ω_i = 10000^(−i/(dim/4 − 1))', () => {
    const t = sinCosPositions2d(2, 3, 8); // q = 2, ω = [1, 1e-4]
    const row = Array.from(t.subarray((1 * 3 + 2) * 8, (1 * 3 + 2) * 8 + 8)); // y = 1, x = 2
    const expected = [Math.sin(2), Math.sin(2e-4), Math.cos(2), Math.cos(2e-4), Math.sin(1), Math.sin(1e-4), Math.cos(1), Math.cos(1e-4)];
    row.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    expect(() => sinCosPositions2d(2, 2, 6)).toThrow(InvalidOptionError);
  });

  it('each head attends with softmax(q·kᵀ/√d) over the keys and returns attn·v', () => {
    const model = buildVit({ seed: 2 });
    const before = tf.memory().numTensors;
    const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 7);
    const sub = tf.model({
      inputs: model.inputs,
      outputs: ['head3_q', 'head3_k', 'head3_v', 'head3_softmax', 'head3_attend'].map((n) => model.getLayer(n).output as tf.SymbolicTensor),
    });
    const [q, k, v, a, o] = sub.predict(x) as tf.Tensor[];
    expect(a.shape).toEqual([3, 16, 16]);
    const [errA, errO] = tf.tidy(() => {
      const expectA = tf.softmax(tf.div(tf.matMul(q, k, false, true), 4));
      const expectO = tf.matMul(a, v);
      return [tf.max(tf.abs(tf.sub(a, expectA))).dataSync()[0], tf.max(tf.abs(tf.sub(o, expectO))).dataSync()[0]];
    });
    expect(errA).toBeLessThan(1e-5);
    expect(errO).toBeLessThan(1e-5);
    tf.dispose([x, q, k, v, a, o]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('calibrateBatchNorm', () => {
  it('sets the moving statistics so that each BN normalises its input on the calibration data', () => {
    const model = buildResnet({ seed: 1, widths: [4, 8] });
    const x = tf.randomUniform([40, 28, 28, 1], 0, 1, 'float32', 3);
    const before = tf.memory().numTensors;
    expect(calibrateBatchNorm(model, x, { batchSize: 16 })).toBe(6);
    expect(tf.memory().numTensors).toBe(before);
    for (const name of ['stem_bn', 'block2_bn2', 'block2_short_bn']) {
      const out = tf.model({ inputs: model.inputs, outputs: model.getLayer(name).output });
      const [mean, variance] = tf.tidy(() => {
        const y = out.predict(x) as tf.Tensor;
        const m = tf.moments(y, [0, 1, 2]);
        return [m.mean.dataSync(), m.variance.dataSync()];
      });
      // gamma 1, beta 0: mean 0 and variance v/(v + 1e-3) per channel.
      mean.forEach((m) => expect(Math.abs(m)).toBeLessThan(1e-3));
      variance.forEach((v) => expect(v).toBeGreaterThan(0.9));
      variance.forEach((v) => expect(v).toBeLessThan(1.0001));
    }
    expect(tf.memory().numTensors).toBe(before);
    const mixer = buildMixer({ dim: 4, hidden: 4 });
    expect(calibrateBatchNorm(mixer, tf.zeros([2, 784]))).toBe(0);
    expect(() => calibrateBatchNorm(model, x, { examples: 0 })).toThrow(/examples/);
    tf.dispose(x);
    model.dispose();
    mixer.dispose();
  });
});

describe('the ViT custom layers through the plug-in API', () => {
  it('the adapter forward equals model.predict and meanNllGradients equals tfjs autodiff through SinCosPosition2D and ScaleBy', () => {
    registerVitLayers();
    const input = tf.input({ shape: [4, 8] });
    let x = new SinCosPosition2D({ gridHeight: 2, gridWidth: 2, name: 'pos' }).apply(input) as tf.SymbolicTensor;
    x = tf.layers
      .dense({ units: 6, activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: 11 }), name: 'fc' })
      .apply(x) as tf.SymbolicTensor;
    x = new ScaleBy({ scale: 0.25, name: 'scale' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.globalAveragePooling1d({ name: 'pool' }).apply(x) as tf.SymbolicTensor;
    const model = tf.model({
      inputs: input,
      outputs: tf.layers
        .dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 12 }), name: 'out' })
        .apply(x) as tf.SymbolicTensor,
    });
    const xs = tf.randomNormal([5, 4, 8], 0, 1, 'float32', 5);
    const ys = tf.tensor1d([0, 1, 2, 1, 0], 'int32');
    const before = tf.memory().numTensors;
    const adapter = buildModelAdapter(model, { logits: true });
    const [fwdErr, gradErrs] = tf.tidy(() => {
      const f = adapter.forward(xs).output;
      const fErr = tf.max(tf.abs(tf.sub(f, model.predict(xs) as tf.Tensor))).dataSync()[0];
      const { grads } = meanNllGradients(adapter, 'classification', xs, ys);
      const vars = adapter.params.map((p) => (p.variable as unknown as tf.LayerVariable).read() as tf.Variable);
      const auto = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(tf.oneHot(ys, 3), model.apply(xs) as tf.Tensor) as tf.Scalar, vars);
      const errs = adapter.params.map((p, i) => tf.max(tf.abs(tf.sub(grads[i], auto.grads[vars[i].name]))).dataSync()[0]);
      return [fErr, errs] as const;
    });
    expect(fwdErr).toBeLessThan(1e-5);
    expect(gradErrs).toHaveLength(4);
    gradErrs.forEach((e) => expect(e).toBeLessThan(1e-5));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([xs, ys]);
    model.dispose();
  });
});
