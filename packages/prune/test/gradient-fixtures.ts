// Shared by the gradient-score tests: small nets for the exact Hessian-vector product, its
// finite-difference reference, and ParamScores → flat host vector.
import * as tf from '@tensorflow/tfjs';
import { buildModelAdapter, type ModelLike } from '@spam/core';
import { meanCriterionGradient, resolveGradientOptions } from '../src/scores/gradients.js';
import type { ParamScores } from '../src/scores/scores.js';
import { seedWeights } from '../../../test/helpers/index.js';

const L = tf.layers;
export const asModel = (m: tf.LayersModel) => m as unknown as ModelLike;

/** Flat scores, disposing the ParamScores. */
export function take(s: ParamScores): Float32Array {
  const f = s.flat();
  s.dispose();
  return f;
}

/** A small CNN with every layer kind the R-operator handles differently (classification, final softmax). */
export function cnnModel(seed: number): tf.LayersModel {
  const m = tf.sequential();
  m.add(L.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, padding: 'same', activation: 'sigmoid' }));
  m.add(L.maxPooling2d({ poolSize: 2 }));
  m.add(L.conv2d({ filters: 4, kernelSize: 2, activation: 'elu' }));
  m.add(L.averagePooling2d({ poolSize: 2, strides: 1 }));
  m.add(L.flatten());
  m.add(L.dense({ units: 6, activation: 'tanh' }));
  m.add(L.dropout({ rate: 0.3 }));
  m.add(L.dense({ units: 3, activation: 'softmax' }));
  seedWeights(m, seed, 0.6);
  return m;
}

/** An MLP with a hidden (non-element-wise) softmax layer and smooth activations (regression). */
export function mlpModel(seed: number): tf.LayersModel {
  const m = tf.sequential();
  m.add(L.dense({ inputShape: [4], units: 5, activation: 'softplus' }));
  m.add(L.dense({ units: 5, activation: 'swish' }));
  m.add(L.activation({ activation: 'softmax' }));
  m.add(L.dense({ units: 4, activation: 'selu' }));
  m.add(L.dense({ units: 2 }));
  seedWeights(m, seed, 0.8);
  return m;
}

/** Activations whose second derivative comes from autodiff of their VJP (mish, gelu_new, logSoftmax). */
export function mlp2Model(seed: number): tf.LayersModel {
  const m = tf.sequential();
  m.add(L.dense({ inputShape: [4], units: 5, activation: 'mish' }));
  m.add(L.dense({ units: 5, activation: 'gelu_new' }));
  m.add(L.dense({ units: 4, activation: 'softsign' }));
  m.add(L.activation({ activation: 'logSoftmax' as never }));
  m.add(L.dense({ units: 4, activation: 'sigmoid' }));
  m.add(L.dense({ units: 2 }));
  seedWeights(m, seed, 0.6);
  return m;
}

/** A strided 'same' conv with tanh, ReLU(maxValue) and global average pooling (regression). */
export function gapModel(seed: number): tf.LayersModel {
  const m = tf.sequential();
  m.add(L.conv2d({ inputShape: [5, 5, 2], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' }));
  m.add(L.reLU({ maxValue: 0.5 }));
  m.add(L.conv2d({ filters: 3, kernelSize: 2, activation: 'gelu' }));
  m.add(L.globalAveragePooling2d({}));
  m.add(L.dense({ units: 2 }));
  seedWeights(m, seed, 0.7);
  return m;
}

/** Overlapping max-pool windows with 'same' padding (classification). */
export function poolModel(seed: number): tf.LayersModel {
  const m = tf.sequential();
  m.add(L.conv2d({ inputShape: [7, 7, 2], filters: 3, kernelSize: 2, activation: 'sigmoid' }));
  m.add(L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }));
  m.add(L.flatten());
  m.add(L.dense({ units: 3, activation: 'tanh' }));
  m.add(L.dense({ units: 3 }));
  seedWeights(m, seed, 0.6);
  return m;
}

/** ∇θ of the mean criterion at the model's current weights, flat canonical order. */
export async function gradAt(
  model: tf.LayersModel,
  xs: tf.Tensor,
  ys: tf.Tensor,
  likelihood: 'classification' | 'regression',
): Promise<number[]> {
  const adapter = buildModelAdapter(asModel(model), { logits: likelihood === 'classification' });
  const { grads } = await meanCriterionGradient(adapter, { xs, ys }, resolveGradientOptions({ likelihood }));
  const out = grads.flatMap((g) => Array.from(g.dataSync()));
  tf.dispose(grads);
  return out;
}

/** (g(θ + εv) − g(θ − εv)) / 2ε with one Richardson step (error O(ε⁴)); model.weights order = canonical order. */
export async function fdHessianVector(
  model: tf.LayersModel,
  xs: tf.Tensor,
  ys: tf.Tensor,
  likelihood: 'classification' | 'regression',
  v: number[],
  eps: number,
): Promise<number[]> {
  const theta = model.getWeights().map((w) => Array.from(w.dataSync()));
  const shapes = model.weights.map((w) => w.shape as number[]);
  const at = async (t: number) => {
    let o = 0;
    const ws = theta.map((th, i) =>
      tf.tensor(
        th.map((x) => x + t * v[o++]),
        shapes[i],
      ),
    );
    model.setWeights(ws);
    tf.dispose(ws);
    return gradAt(model, xs, ys, likelihood);
  };
  const central = async (e: number) => {
    const [p, m] = [await at(e), await at(-e)];
    return p.map((x, i) => (x - m[i]) / (2 * e));
  };
  const [d1, d2] = [await central(eps), await central(eps / 2)];
  const ws = theta.map((th, i) => tf.tensor(th, shapes[i]));
  model.setWeights(ws);
  tf.dispose(ws);
  return d2.map((x, i) => (4 * x - d1[i]) / 3);
}
