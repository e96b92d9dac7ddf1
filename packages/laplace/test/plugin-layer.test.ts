// The plug-in API end to end: a custom tfjs layer class registered from user code gets exact
// curvature (diag, full, and a diagonal block inside kron), checked against brute-force Jacobians.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildModelAdapter, registerLayerAdapter, UnsupportedLayerError, type ModelLike, type WeightedLayer } from '@spam/core';
import { fitLaplace, type KronLaplace } from '@spam/laplace';
import { onBackend, randomTensor, rejection, relErr, seedWeights } from '../../../test/helpers/index.js';

/** y = x ⊙ s with one learnable s per feature (a Fixup-style scale, per channel). */
class ChannelScale extends tf.layers.Layer {
  static className = 'ChannelScale';
  private s!: tf.LayerVariable;
  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = inputShape as tf.Shape;
    this.s = this.addWeight('scale', [shape[shape.length - 1]], 'float32', tf.initializers.ones());
    this.built = true;
  }
  override call(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.mul(Array.isArray(x) ? x[0] : x, this.s.read()));
  }
}
tf.serialization.registerClass(ChannelScale);

function register(): void {
  registerLayerAdapter('ChannelScale', (layer, inputShape): WeightedLayer => {
    const s = layer.weights[0];
    const c = inputShape[inputShape.length - 1];
    const sumAxes = inputShape.slice(0, -1).map((_, i) => i + 2);
    return {
      kind: 'weighted',
      name: layer.name,
      className: 'ChannelScale',
      inputShape,
      outputShape: inputShape,
      weights: [{ weight: 'scale', role: 'scale', variable: s, units: { window: 1, inUnits: null, outUnits: c } }],
      forward: (x) => tf.mul(x, s.read()),
      vjp: (dy) => tf.mul(dy, s.read()),
      weightVjp: (dy, x) => [tf.tidy(() => (sumAxes.length ? tf.sum(tf.mul(dy, x), sumAxes) : tf.mul(dy, x)))],
    };
  });
}

function model(): tf.LayersModel {
  const m = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [3], units: 4, activation: 'tanh' }),
      new ChannelScale({ name: 'scale' }),
      tf.layers.dense({ units: 3 }),
    ],
  });
  seedWeights(m, 5);
  return m;
}

/** Brute-force GGN Σ_n J_nᵀ Λ_n J_n (softmax Λ) over the flattened trainable weights, on cpu. */
function bruteGgn(m: tf.LayersModel, xs: tf.Tensor): number[][] {
  const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
  const sizes = vars.map((v) => v.size);
  const P = sizes.reduce((a, b) => a + b, 0);
  const H = Array.from({ length: P }, () => new Array<number>(P).fill(0));
  const n = xs.shape[0];
  for (let i = 0; i < n; i++) {
    const xi = tf.slice(xs, [i, 0], [1, -1]);
    const f = (m.predict(xi) as tf.Tensor).dataSync();
    const p = tf.tidy(() => tf.softmax(tf.tensor1d(f)).dataSync());
    const J: number[][] = [];
    for (let c = 0; c < f.length; c++) {
      const { grads } = tf.variableGrads(() => tf.sum(tf.slice(m.predict(xi) as tf.Tensor, [0, c], [1, 1])) as tf.Scalar, vars);
      J.push(vars.flatMap((v) => Array.from(grads[v.name].dataSync())));
      tf.dispose(Object.values(grads));
    }
    xi.dispose();
    for (let a = 0; a < P; a++) {
      for (let b = 0; b < P; b++) {
        let s = 0;
        for (let c = 0; c < f.length; c++) for (let d = 0; d < f.length; d++) s += J[c][a] * ((c === d ? p[c] : 0) - p[c] * p[d]) * J[d][b];
        H[a][b] += s;
      }
    }
  }
  return H;
}

describe('plug-in API: a custom layer registered from user code', () => {
  it('without an adapter: UnsupportedLayerError explains registerLayerAdapter, not a source folder', async () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 }), new ChannelScale({ name: 'unregistered' })] });
    const e = await rejection(
      fitLaplace(m as unknown as ModelLike, { xs: tf.zeros([2, 3]), ys: tf.zeros([2, 2]) }, { likelihood: 'regression' }),
    );
    expect(e).toBeInstanceOf(UnsupportedLayerError);
    expect(e.message).toContain("registerLayerAdapter('ChannelScale'");
    expect(e.message).not.toMatch(/src\/adapter/);
    m.dispose();
  });

  it('diag, full and kron match the brute-force GGN, the custom weight as a diagonal block inside kron', async () => {
    register();
    const m = model();
    const xs = randomTensor([6, 3], 7);
    const ys = tf.tensor1d([0, 1, 2, 2, 1, 0], 'int32');
    const H = await onBackend('cpu', () => bruteGgn(m, xs));
    const adapter = buildModelAdapter(m);
    expect(adapter.params[2]).toMatchObject({ name: 'scale/scale', role: 'scale', kron: false, size: 4 });
    const before = tf.memory().numTensors;
    const diagRef = H.map((row, i) => row[i]);
    const diag = await fitLaplace(m as unknown as ModelLike, { xs, ys, batchSize: 4 }, { likelihood: 'classification', structure: 'diag' });
    expect(relErr(Array.from(diag.diag.dataSync()), diagRef)).toBeLessThan(1e-4);
    const full = await fitLaplace(m as unknown as ModelLike, { xs, ys }, { likelihood: 'classification', structure: 'full' });
    expect(relErr(Array.from(full.H.dataSync()), H.flat())).toBeLessThan(1e-4);
    const kron = (await fitLaplace(
      m as unknown as ModelLike,
      { xs, ys },
      { likelihood: 'classification', structure: 'kron' },
    )) as KronLaplace;
    const s = adapter.params[2];
    expect(kron.factors).toHaveLength(2);
    expect(relErr(Array.from(kron.diagonalBlocks[2]!.dataSync()), diagRef.slice(s.offset, s.offset + s.size))).toBeLessThan(1e-4);
    [diag, full, kron].forEach((l) => l.dispose());
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([xs, ys]);
    m.dispose();
  });
});
