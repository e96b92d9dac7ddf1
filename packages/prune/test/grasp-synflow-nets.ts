// Shared by the graph GraSP / SynFlow tests: small functional nets (residual + BatchNormalization,
// depthwise + gate + PReLU, self-attention + LayerNormalization, Embedding) and references computed
// on the model itself by tfjs autodiff (no library code): SynFlow's |θ̃ ⊙ ∂R/∂θ̃|, and GraSP's θ ⊙ Hg
// from a Richardson-extrapolated difference of autodiff gradients (tfjs 4.22 has no second
// derivative of Conv2DBackpropFilter / DepthwiseConv2dNativeBackpropFilter, and nested
// `tf.variableGrads` silently give a wrong one: measured 1.6 relative on a 2-layer MLP).
import * as tf from '@tensorflow/tfjs';
import { randomTensor, seedWeights } from '../../../test/helpers/index.js';

const L = tf.layers;
type Sym = tf.SymbolicTensor;
const sym = (l: tf.layers.Layer, x: Sym | Sym[]) => l.apply(x) as Sym;

/** Seeded weights, with BatchNormalization moving variances made positive (0.5 + |v|). */
function seed(m: tf.LayersModel, s: number, scale: number): tf.LayersModel {
  seedWeights(m, s, scale);
  const ws = m.weights.map((w) => (w.name.includes('moving_variance') ? tf.add(tf.abs(w.read()), 0.5) : w.read()));
  m.setWeights(ws);
  tf.dispose(ws.filter((t, i) => t !== m.weights[i].read()));
  return m;
}

/** Conv → BN → act, then a residual block [conv → BN] + skip → act → GAP → Dense (3 logits). */
export function resnetModel(s: number, act: 'relu' | 'tanh' = 'relu'): tf.LayersModel {
  const x = tf.input({ shape: [5, 5, 2] });
  const c1 = sym(
    L.activation({ activation: act }),
    sym(L.batchNormalization({ name: 'bn1' }), sym(L.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }), x)),
  );
  const c2 = sym(L.batchNormalization({ name: 'bn2' }), sym(L.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: act }), c1));
  const r = sym(L.activation({ activation: act }), sym(L.add(), [c1, c2]));
  const out = sym(L.dense({ units: 3 }), sym(L.globalAveragePooling2d({}), r));
  return seed(tf.model({ inputs: x, outputs: out, name: 'res' }), s, 0.5);
}

/** Dense residual MLP with BatchNormalization on features: Dense → BN → act, [Dense → BN] + skip → act → Dense. */
export function resMlpModel(s: number, act: 'relu' | 'tanh' = 'tanh'): tf.LayersModel {
  const x = tf.input({ shape: [5] });
  const h1 = sym(L.activation({ activation: act }), sym(L.batchNormalization({ name: 'bn1' }), sym(L.dense({ units: 6 }), x)));
  const h2 = sym(L.batchNormalization({ name: 'bn2' }), sym(L.dense({ units: 6, activation: act }), h1));
  const out = sym(L.dense({ units: 3 }), sym(L.activation({ activation: act }), sym(L.add(), [h1, h2])));
  return seed(tf.model({ inputs: x, outputs: out, name: 'resmlp' }), s, 0.6);
}

/** DepthwiseConv2D (multiplier 2) → 1×1 conv, gated by a sigmoid branch (Multiply), PReLU → Dense. */
export function depthwiseModel(s: number): tf.LayersModel {
  const x = tf.input({ shape: [5, 5, 2] });
  const d = sym(L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'tanh', name: 'dw' }), x);
  const p = sym(L.conv2d({ filters: 3, kernelSize: 1 }), d);
  const gate = sym(L.conv2d({ filters: 3, kernelSize: 1, activation: 'sigmoid' }), d);
  const m = sym(L.prelu({ name: 'prelu' }), sym(L.multiply(), [p, gate]));
  const out = sym(L.dense({ units: 3 }), sym(L.flatten(), m));
  return seed(tf.model({ inputs: x, outputs: out, name: 'dw' }), s, 0.5);
}

/** One self-attention block on [4 tokens, 6]: LN → q, k, v → softmax(q·kᵀ)·v → Dense + skip → GAP1D → Dense. */
export function attentionModel(s: number, classes = 3): tf.LayersModel {
  const x = tf.input({ shape: [4, 6] });
  const h = sym(L.layerNormalization({ name: 'ln' }), x);
  const [q, k, v] = ['q', 'k', 'v'].map((n) => sym(L.dense({ units: 4, name: n }), h));
  const att = sym(L.softmax({ axis: -1 }), sym(L.dot({ axes: -1 }), [q, k]));
  const mixed = sym(L.dense({ units: 6, activation: 'gelu', name: 'proj' }), sym(L.dot({ axes: [2, 1] }), [att, v]));
  const out = sym(L.dense({ units: classes }), sym(L.globalAveragePooling1d({}), sym(L.add(), [x, mixed])));
  return seed(tf.model({ inputs: x, outputs: out, name: 'att' }), s, 0.5);
}

/** Token ids [5] (vocabulary 7) → Embedding(4) → LayerNormalization → Dense(tanh) + skip → GAP1D → Dense. */
export function embeddingModel(s: number): tf.LayersModel {
  const x = tf.input({ shape: [5], dtype: 'int32' });
  const e = sym(L.embedding({ inputDim: 7, outputDim: 4, name: 'emb' }), x);
  const h = sym(L.dense({ units: 4, activation: 'tanh' }), sym(L.layerNormalization({ name: 'ln' }), e));
  const out = sym(L.dense({ units: 3 }), sym(L.globalAveragePooling1d({}), sym(L.add(), [e, h])));
  return seed(tf.model({ inputs: x, outputs: out, name: 'emb' }), s, 0.5);
}

/** Flat host copy of every trainable weight (model.trainableWeights order = the canonical order here). */
export function trainable(model: tf.LayersModel): Float32Array[] {
  return model.trainableWeights.map((w) => Float32Array.from(w.read().dataSync()));
}

/** Seeded float inputs for `model` and integer labels in [0, 3). */
export function batch(model: tf.LayersModel, n: number, s: number): { xs: tf.Tensor; ys: tf.Tensor } {
  const shape = [n, ...(model.inputs[0].shape.slice(1) as number[])];
  const xs = randomTensor(shape, s);
  const ys = tf.tensor1d(
    Array.from({ length: n }, (_, i) => (i * 7 + s) % 3),
    'int32',
  );
  return { xs, ys };
}

/** SynFlow by tfjs autodiff: weights set to |θ| (trainable only), ∂ Σ f(𝟙) / ∂θ ⊙ |θ|, weights put back. */
export function autodiffSynflow(model: tf.LayersModel): number[] {
  const orig = model.getWeights().map((w) => tf.clone(w));
  const trainableNames = new Set(model.trainableWeights.map((w) => w.name));
  const abs = model.weights.map((w, i) => (trainableNames.has(w.name) ? tf.abs(orig[i]) : tf.clone(orig[i])));
  model.setWeights(abs);
  try {
    return tf.tidy(() => {
      const ones = tf.ones([1, ...(model.inputs[0].shape.slice(1) as number[])]);
      const { grads } = tf.variableGrads(() => tf.sum(model.apply(ones, { training: false }) as tf.Tensor) as tf.Scalar);
      return model.trainableWeights.flatMap((w) =>
        Array.from(tf.abs(tf.mul(grads[(w.read() as tf.Variable).name], tf.abs(w.read()))).dataSync()),
      );
    });
  } finally {
    model.setWeights(orig);
    tf.dispose([...orig, ...abs]);
  }
}

/** ∇θ of the mean cross-entropy by tfjs autodiff (first order), flat in model.trainableWeights order. */
function autodiffGradient(model: tf.LayersModel, xs: tf.Tensor, y: tf.Tensor): number[] {
  return tf.tidy(() => {
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const loss = () => tf.losses.softmaxCrossEntropy(y, model.apply(xs, { training: false }) as tf.Tensor) as tf.Scalar;
    const { grads } = tf.variableGrads(loss, vars);
    return vars.flatMap((v) => Array.from(grads[v.name].dataSync()));
  });
}

/**
 * GraSP θ ⊙ Hg of the mean cross-entropy (3 classes) from tfjs autodiff gradients only: a central difference of the autodiff gradient along g, Richardson-extrapolated (error O(ε⁴)),
 * ε = `rel`·‖θ‖/‖g‖. Weights restored afterwards. Run it on `cpu`.
 */
export function autodiffGrasp(model: tf.LayersModel, xs: tf.Tensor, ys: tf.Tensor, rel = 1e-2): number[] {
  const y = tf.oneHot(ys as tf.Tensor1D, 3);
  const orig = model.getWeights().map((w) => tf.clone(w));
  const trainableNames = new Set(model.trainableWeights.map((w) => w.name));
  const theta = orig.filter((_, i) => trainableNames.has(model.weights[i].name)).flatMap((t) => Array.from(t.dataSync()));
  const g = autodiffGradient(model, xs, y);
  const norm = (a: number[]) => Math.sqrt(a.reduce((s, x) => s + x * x, 0));
  const eps = (rel * norm(theta)) / norm(g);
  const at = (t: number) => {
    let o = 0;
    const ws = orig.map((w, i) =>
      trainableNames.has(model.weights[i].name)
        ? tf.tensor(
            Array.from(w.dataSync()).map((x) => x + t * g[o++]),
            w.shape,
          )
        : tf.clone(w),
    );
    model.setWeights(ws);
    tf.dispose(ws);
    return autodiffGradient(model, xs, y);
  };
  const central = (e: number) => {
    const [p, m] = [at(e), at(-e)];
    return p.map((x, i) => (x - m[i]) / (2 * e));
  };
  try {
    const [d1, d2] = [central(eps), central(eps / 2)];
    return d2.map((x, i) => ((4 * x - d1[i]) / 3) * theta[i]);
  } finally {
    model.setWeights(orig);
    tf.dispose([...orig, y]);
  }
}
