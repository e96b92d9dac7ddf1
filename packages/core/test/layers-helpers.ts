/**
 * Helpers for the layers-*.test.ts files: per-example parameter gradients two ways — the
 * adapter's (backward sweep + expandInput / weightVjp) and tfjs autodiff of ⟨v_{k,n}, f(x_n)⟩ —
 * laid out identically ([K][N][P] in model.trainableWeights order), and a few model builders.
 */
import * as tf from '@tensorflow/tfjs';
import { buildModelAdapter, type ModelAdapter } from '@spam/core';
import { arr, onBackend, randn, rng } from '../../../test/helpers/index.js';

/** Per-example gradients `[K][N][P]` of ⟨v_{k,n}, f(x_n)⟩ from the adapter, canonical order. */
export function adapterPerExample(adapter: ModelAdapter, x: tf.Tensor, v: tf.Tensor): number[][][] {
  const blocks = tf.tidy(() => {
    const trace = adapter.forward(x);
    const grads = adapter.backward(trace, v);
    const out: tf.Tensor[] = [];
    trace.captures.forEach((cap, i) => {
      const layer = cap.layer;
      const g = grads[i];
      const [k, n] = g.shape as number[];
      if (layer.kind === 'weighted') {
        for (const w of layer.weightVjp(g, cap.input, cap.preactivation)) out.push(tf.reshape(w, [k, n, -1]));
        return;
      }
      const a = layer.expandInput(cap.input); // [N, T, fanIn]
      const gz = tf.reshape(g, [k * n, layer.locations, layer.units]);
      const aT = tf.reshape(tf.tile(tf.expandDims(tf.transpose(a, [0, 2, 1]), 0), [k, 1, 1, 1]), [k * n, layer.fanIn, layer.locations]);
      out.push(tf.reshape(tf.matMul(aT as tf.Tensor3D, gz as tf.Tensor3D), [k, n, -1]));
      if (layer.bias) out.push(tf.reshape(tf.sum(gz, 1), [k, n, -1]));
    });
    return tf.concat(out, 2);
  });
  const [k, n, p] = blocks.shape;
  const data = blocks.dataSync();
  blocks.dispose();
  return Array.from({ length: k }, (_, a) =>
    Array.from({ length: n }, (_, b) => Array.from(data.subarray((a * n + b) * p, (a * n + b + 1) * p))),
  );
}

/**
 * Reference per-example gradients `[K][N][P]` by tfjs autodiff on the current backend (call it on
 * `cpu`): ∇_θ ⟨v_{k,n}, model.apply(x_n)⟩ over model.trainableWeights, inference mode.
 */
export function autodiffPerExample(model: tf.LayersModel, x: tf.Tensor, v: tf.Tensor): number[][][] {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const [k, n] = v.shape;
  const out: number[][][] = [];
  for (let a = 0; a < k; a++) {
    const row: number[][] = [];
    for (let b = 0; b < n; b++) {
      const { value, grads } = tf.variableGrads(() => {
        const xn = tf.slice(x, [b], [1]);
        const f = model.apply(xn, { training: false }) as tf.Tensor;
        return tf.sum<tf.Scalar>(tf.mul(f, tf.reshape(tf.slice(v, [a, b], [1, 1]), f.shape)));
      }, vars);
      row.push(vars.flatMap((w) => arr(grads[w.name])));
      tf.dispose([value, ...Object.values(grads)]);
    }
    out.push(row);
  }
  return out;
}

const NORMS = new Set(['BatchNormalization', 'LayerNormalization']);
type Cfg = Record<string, unknown>;
const originalName = (w: tf.LayerVariable) => (w as unknown as { originalName: string }).originalName;

/**
 * tfjs 4.22 autodiff through `tf.batchNorm` fails when its offset or scale is null (a
 * Batch/LayerNormalization with `center` or `scale` false). The twin of such a model has every
 * normalisation layer with both, set to the identity values (γ = 1, β = 0): the same function,
 * with extra parameters that {@link referencePerExample} leaves out.
 */
async function fullNormTwin(model: tf.LayersModel): Promise<tf.LayersModel> {
  const config = JSON.parse(JSON.stringify(model.getConfig())) as Cfg;
  // getConfig() writes camelCase keys (className), a saved model.json snake_case ones.
  for (const l of config.layers as Array<{ className?: string; class_name?: string; config: Cfg }>) {
    if (NORMS.has(l.className ?? l.class_name ?? '')) Object.assign(l.config, { center: true, scale: true });
  }
  const twin = await tf.models.modelFromJSON({ modelTopology: { class_name: model.getClassName(), config } } as never);
  twin.layers.forEach((layer, i) => {
    const src = model.layers[i];
    const byName = new Map(src.weights.map((w) => [originalName(w).split('/').pop(), w.read()]));
    const created: tf.Tensor[] = [];
    const values = layer.weights.map((w) => {
      const known = byName.get(originalName(w).split('/').pop());
      if (known) return known;
      const t = originalName(w).endsWith('gamma') ? tf.ones(w.shape as number[]) : tf.zeros(w.shape as number[]);
      created.push(t);
      return t;
    });
    if (values.length) layer.setWeights(values);
    tf.dispose(created);
  });
  return twin;
}

/**
 * Reference per-example gradients `[K][N][P]` over model.trainableWeights by tfjs autodiff on
 * `cpu` (through a {@link fullNormTwin} when a normalisation layer lacks γ or β).
 */
export async function referencePerExample(model: tf.LayersModel, x: tf.Tensor, v: tf.Tensor): Promise<number[][][]> {
  const needsTwin = model.layers.some(
    (l) => NORMS.has(l.getClassName()) && (l.getConfig().center === false || l.getConfig().scale === false),
  );
  if (!needsTwin) return onBackend('cpu', () => autodiffPerExample(model, x, v));
  const twin = await fullNormTwin(model);
  try {
    const rows = await onBackend('cpu', () => autodiffPerExample(twin, x, v));
    const sizes = twin.trainableWeights.map((w) => (w.shape as number[]).reduce((a, b) => a * b, 1));
    const offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
    const index = new Map(twin.trainableWeights.map((w, i) => [originalName(w), i]));
    const keep = model.trainableWeights.map((w) => index.get(originalName(w))!);
    return rows.map((r) => r.map((row) => keep.flatMap((i) => row.slice(offsets[i], offsets[i] + sizes[i]))));
  } finally {
    twin.dispose();
  }
}

/** The adapter of a model (tfjs type cast). */
export function adapterOf(model: tf.LayersModel, logits = false): ModelAdapter {
  return buildModelAdapter(model, { logits });
}

/** Seeded int32 token ids `[N, ...shape]` in [0, vocab). */
export function randomIds(shape: number[], vocab: number, seed: number): tf.Tensor {
  const u = rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Array.from({ length: size }, () => Math.floor(u() * vocab)),
    shape,
    'int32',
  );
}

/**
 * Sets every BatchNormalization layer's moving statistics to seeded non-trivial values (mean
 * N(0, 0.5²), variance in [0.3, 2.3)), keeping its other weights.
 */
export function randomizeBatchNorm(model: tf.LayersModel, seed: number): void {
  model.layers.forEach((layer, li) => {
    if (layer.getClassName() !== 'BatchNormalization') return;
    const ws = layer.getWeights();
    const c = ws[ws.length - 1].shape[0];
    const u = rng(seed + li);
    const mean = tf.tensor1d(randn(c, seed * 31 + li).map((z) => 0.5 * z));
    const variance = tf.tensor1d(Array.from({ length: c }, () => 0.3 + 2 * u()));
    layer.setWeights([...ws.slice(0, -2), mean, variance]);
    tf.dispose([mean, variance]);
  });
}

/** Max over k, n of the relative error of per-example gradient rows. */
export function worstRelErr(ours: number[][][], ref: number[][][]): number {
  let worst = 0;
  ours.forEach((rows, a) =>
    rows.forEach((row, b) => {
      const r = ref[a][b];
      let d = 0;
      let s = 0;
      for (let i = 0; i < r.length; i++) {
        d += (row[i] - r[i]) ** 2;
        s += r[i] ** 2;
      }
      const e = row.length !== r.length ? Infinity : s === 0 ? Math.sqrt(d) : Math.sqrt(d / s);
      worst = Math.max(worst, Number.isNaN(e) ? Infinity : e);
    }),
  );
  return worst;
}
