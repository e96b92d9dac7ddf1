/**
 * Shared checks of the graph tests (graph-*.test.ts): per-example weight gradients of ⟨v_k, f(x_n)⟩
 * from the adapter's backward sweep, and the same by tfjs autodiff of the model itself on the cpu
 * backend (independent of the adapter: it calls `model.apply` and `tf.variableGrads` only).
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { buildModelAdapter, type ModelAdapter } from '@spam/core';
import { arr, onBackend, randomTensor, relErr, seedWeights } from '../../../test/helpers/index.js';

/** Per trainable weight (by variable name): gradients `[K, N, ...weightShape]`, flattened. */
export type WeightGrads = Map<string, Float32Array>;

/**
 * The adapter's per-example weight gradients J_θᵀ v_k for every parameter layer, from one
 * forward and one backward sweep: an affine layer's kernel gradient is Σ_t a_tᵀ g_t over its
 * expanded input rows, its bias gradient Σ_t g_t; a weighted layer's come from `weightVjp`.
 */
export function adapterWeightGrads(adapter: ModelAdapter, x: tf.Tensor, v: tf.Tensor): WeightGrads {
  const out: WeightGrads = new Map();
  tf.tidy(() => {
    const trace = adapter.forward(x);
    const gs = adapter.backward(trace, v);
    const [k, n] = v.shape;
    adapter.paramLayers.forEach((layer, i) => {
      const cap = trace.captures[i];
      if (layer.kind === 'weighted') {
        layer
          .weightVjp(gs[i], cap.input, cap.preactivation)
          .forEach((g, j) => out.set(layer.weights[j].variable.name, g.dataSync() as Float32Array));
        return;
      }
      const a = layer.expandInput(cap.input); // [N, T, fanIn]
      const t = a.shape[1] as number;
      const g = tf.reshape(gs[i], [k * n, t, layer.units]);
      const aT = tf.transpose(a, [0, 2, 1]);
      const aTk = tf.reshape(tf.tile(tf.expandDims(aT, 0), [k, 1, 1, 1]), [k * n, layer.fanIn, t]);
      out.set(layer.kernel.name, tf.matMul(aTk as tf.Tensor3D, g as tf.Tensor3D).dataSync() as Float32Array);
      if (layer.bias) out.set(layer.bias.name, tf.sum(g, 1).dataSync() as Float32Array);
    });
  });
  return out;
}

/**
 * Per-example weight gradients of ⟨v_k[n], f(x_n)⟩ by tfjs autodiff of the model on the cpu
 * backend, one `tf.variableGrads` call per (k, n), in the `[K, N, ...weightShape]` layout.
 */
export async function autodiffWeightGrads(model: tf.LayersModel, x: tf.Tensor, v: tf.Tensor): Promise<WeightGrads> {
  return onBackend('cpu', () => {
    const weights = model.trainableWeights;
    const vars = weights.map((w) => w.read() as tf.Variable);
    const [k, n] = v.shape;
    const per: number[][] = weights.map(() => []);
    for (let kk = 0; kk < k; kk++) {
      for (let nn = 0; nn < n; nn++) {
        tf.tidy(() => {
          const xn = tf.slice(x, [nn], [1]);
          const vkn = tf.reshape(tf.slice(v, [kk, nn], [1, 1]), [1, ...v.shape.slice(2)]);
          const { value, grads } = tf.variableGrads(
            () => tf.sum<tf.Scalar>(tf.mul(model.apply(xn, { training: false }) as tf.Tensor, vkn)),
            vars,
          );
          value.dispose();
          vars.forEach((vr, i) => per[i].push(...arr(grads[vr.name] ?? tf.zerosLike(vr))));
        });
      }
    }
    const out: WeightGrads = new Map();
    weights.forEach((w, i) => out.set(w.name, Float32Array.from(per[i])));
    return out;
  });
}

const dot = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(a, b)).dataSync()[0];

/**
 * The second-order facts the op and merge nodes declare, checked at the node inputs of a forward
 * pass with random directions u and cotangents w (`[1, N, ...]`): `'linear'` — ⟨w, f(u)⟩ = ⟨Jᵀw, u⟩
 * (the VJP is the adjoint of the forward); `'bilinear'` (two inputs) — J(x₁, x₂)(u₁, u₂) =
 * f(u₁, x₂) + f(x₁, u₂), tested against the VJP; `'piecewise-linear'` — f(x) = J(x) x for the
 * (positively homogeneous) max poolings. Returns how many nodes were checked.
 */
export function checkLinearityFacts(adapter: ModelAdapter, x: tf.Tensor, seed: number): number {
  let checked = 0;
  tf.tidy(() => {
    const trace = adapter.forward(x);
    const n = x.shape[0];
    adapter.layers.forEach((layer, i) => {
      if (layer.kind !== 'op' && layer.kind !== 'merge') return;
      const fact = layer.linearity;
      if (!fact || (layer.kind === 'op' && layer.activation)) return;
      const xs = trace.nodeInputs[i];
      const y = trace.layerOutputs[i];
      const w = randomTensor([1, n, ...layer.outputShape], seed + 11 * i);
      const us = xs.map((xi, j) => randomTensor(xi.shape as number[], seed + 11 * i + j + 1));
      const vjps = layer.kind === 'op' ? [layer.vjp(w, xs[0], y)] : layer.vjp(w, xs, y);
      const rhs = vjps.reduce((acc, g, j) => acc + dot(tf.squeeze(g, [0]), fact === 'piecewise-linear' ? xs[j] : us[j]), 0);
      let lhs: number;
      if (fact === 'linear') lhs = dot(tf.squeeze(w, [0]), layer.kind === 'op' ? layer.forward(us[0]) : layer.forward(us));
      else if (fact === 'piecewise-linear') lhs = dot(tf.squeeze(w, [0]), y);
      else {
        expect(layer.kind === 'merge' && xs.length === 2, `${layer.name}: bilinear with two inputs`).toBe(true);
        const f = (layer as { forward(a: tf.Tensor[]): tf.Tensor }).forward;
        lhs = dot(tf.squeeze(w, [0]), tf.add(f([us[0], xs[1]]), f([xs[0], us[1]])));
      }
      expect(Math.abs(lhs - rhs), `${layer.name} (${layer.className}): '${fact}' fact`).toBeLessThan(1e-4 * (1 + Math.abs(lhs)));
      checked++;
    });
  });
  return checked;
}

/** Options of {@link checkGraphModel}. */
export interface CheckOptions {
  /** Batch size (default 3). */
  n?: number;
  /** Output vectors (default 2). */
  k?: number;
  /** Weight scale of `seedWeights` (default 0.6). */
  scale?: number;
  /** Relative tolerance of the gradients (default 1e-4, the fixtures' float32 tolerance). */
  tol?: number;
  /** Accept an all-zero reference gradient (then ours must be zero to `tol` absolute). Default false. */
  allowZero?: boolean;
}

/**
 * The standard check of one graph model: the adapter's predict equals `model.predict`; its
 * per-example weight gradients for K random output vectors equal tfjs autodiff on cpu; the
 * backward of two half batches equals that of the full batch; no tensor is leaked.
 */
export async function checkGraphModel(
  model: tf.LayersModel,
  inShape: number[],
  seed: number,
  opts: CheckOptions = {},
): Promise<ModelAdapter> {
  const { n = 3, k = 2, scale = 0.6, tol = 1e-4, allowZero = false } = opts;
  seedWeights(model, seed, scale);
  const before = tf.memory().numTensors;
  const x = randomTensor([n, ...inShape], seed + 1);
  const adapter = buildModelAdapter(model);
  const v = randomTensor([k, n, adapter.outputDim], seed + 2);

  // Forward: equal to model.predict.
  const ours = adapter.predict(x);
  const theirs = model.predict(x) as tf.Tensor;
  expect(ours.shape).toEqual(theirs.shape);
  expect(relErr(arr(ours), arr(theirs)), `${model.name}: forward`).toBeLessThan(1e-5);
  tf.dispose([ours, theirs]);

  // Backward: per-example weight gradients equal tfjs autodiff.
  const got = adapterWeightGrads(adapter, x, v);
  const ref = await autodiffWeightGrads(model, x, v);
  expect([...got.keys()].sort()).toEqual([...ref.keys()].sort());
  for (const [name, r] of ref) {
    const scaleRef = Math.max(...Array.from(r, Math.abs));
    if (!allowZero) expect(scaleRef, `${name}: reference gradient is not all zero`).toBeGreaterThan(1e-6);
    expect(relErr(got.get(name)!, r), `${model.name}: ${name}`).toBeLessThan(tol);
  }

  checkLinearityFacts(adapter, x, seed + 3);

  // Batch-split invariance: two half batches give the full batch's cotangents.
  if (n >= 2) {
    const h = Math.floor(n / 2);
    tf.tidy(() => {
      const full = adapter.backward(adapter.forward(x), v);
      const x1 = tf.slice(x, [0], [h]);
      const x2 = tf.slice(x, [h], [n - h]);
      const g1 = adapter.backward(adapter.forward(x1), tf.slice(v, [0, 0], [k, h]));
      const g2 = adapter.backward(adapter.forward(x2), tf.slice(v, [0, h], [k, n - h]));
      full.forEach((g, i) => {
        expect(relErr(arr(tf.concat([g1[i], g2[i]], 1)), arr(g)), `${model.name}: batch split, layer ${i}`).toBeLessThan(1e-5);
      });
    });
  }
  tf.dispose([x, v]);
  expect(tf.memory().numTensors, `${model.name}: leaked tensors`).toBe(before);
  return adapter;
}
