import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { buildVit } from '@spam/harness';
import { dependencyGroups, GroupMaskError, groupMasks, groupScores, maskUnits, pruneUnits, randomUnitScores } from '@spam/structured';

const L = tf.layers;
const TOKENS = 4;
const FEATURES = 5;
const DIM = 8;

/**
 * A ViT-like token model built from tfjs layers only: Dense embed → LayerNorm → 2-head
 * self-attention (q/k/v Dense without bias, Dot, Softmax, Dot; Concatenate; Dense out) + residual
 * Add → LayerNorm → Dense 6 GELU → Dense DIM + residual Add → LayerNorm → mean over tokens → Dense 3.
 * Its residual stream (embed, attn_out, mlp_fc2 and the three LayerNorms) carries channels.
 */
function vitLike(seed: number): tf.LayersModel {
  let s = seed * 100;
  const init = () => tf.initializers.randomNormal({ stddev: 0.5, seed: ++s });
  const dense = (name: string, units: number, extra: { activation?: 'gelu'; useBias?: boolean } = {}) =>
    L.dense({ name, units, kernelInitializer: init(), biasInitializer: init(), ...extra });
  const ln = (name: string) => L.layerNormalization({ name, gammaInitializer: init(), betaInitializer: init() });
  const input = tf.input({ shape: [TOKENS, FEATURES], name: 'tokens' });
  let x = dense('embed', DIM).apply(input) as tf.SymbolicTensor;
  x = ln('embed_ln').apply(x) as tf.SymbolicTensor;
  const h = ln('attn_ln').apply(x) as tf.SymbolicTensor;
  const outs: tf.SymbolicTensor[] = [];
  for (let i = 0; i < 2; i++) {
    const q = dense(`head${i}_q`, DIM / 2, { useBias: false }).apply(h) as tf.SymbolicTensor;
    const k = dense(`head${i}_k`, DIM / 2, { useBias: false }).apply(h) as tf.SymbolicTensor;
    const v = dense(`head${i}_v`, DIM / 2, { useBias: false }).apply(h) as tf.SymbolicTensor;
    const sc = L.dot({ name: `head${i}_scores`, axes: [2, 2] }).apply([q, k]) as tf.SymbolicTensor;
    const a = L.softmax({ name: `head${i}_softmax`, axis: -1 }).apply(sc) as tf.SymbolicTensor;
    outs.push(L.dot({ name: `head${i}_attend`, axes: [2, 1] }).apply([a, v]) as tf.SymbolicTensor);
  }
  const merged = L.concatenate({ name: 'heads', axis: -1 }).apply(outs) as tf.SymbolicTensor;
  const attn = dense('attn_out', DIM, { useBias: false }).apply(merged) as tf.SymbolicTensor;
  x = L.add({ name: 'attn_residual' }).apply([x, attn]) as tf.SymbolicTensor;
  let m = ln('mlp_ln').apply(x) as tf.SymbolicTensor;
  m = dense('mlp_fc1', 6, { activation: 'gelu' }).apply(m) as tf.SymbolicTensor;
  m = dense('mlp_fc2', DIM).apply(m) as tf.SymbolicTensor;
  x = L.add({ name: 'mlp_residual' }).apply([x, m]) as tf.SymbolicTensor;
  x = ln('final_ln').apply(x) as tf.SymbolicTensor;
  x = L.globalAveragePooling1d({ name: 'mean_pool' }).apply(x) as tf.SymbolicTensor;
  const logits = dense('head', 3).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: 'VitLike' });
}

const STREAM = ['embed', 'attn_out', 'mlp_fc2'];
const isStream = (g: { units: ReadonlyArray<{ layer: string }> }) => g.units.some((u) => STREAM.includes(u.layer));
const snapshot = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
const kernelUnits = (m: tf.LayersModel, layer: string) => {
  const shape = m.getLayer(layer).getWeights()[0].shape;
  return shape[shape.length - 1];
};

describe('dependencyGroups(model, {residualStream: true}) on a ViT-like graph', () => {
  it('by default the LayerNorm-ed residual stream is fixed; with residualStream it is one family of prunable groups', () => {
    const m = vitLike(1);
    const fixed = dependencyGroups(m).filter(isStream);
    expect(fixed).toHaveLength(DIM);
    for (const g of fixed) {
      expect(g.prunable).toBe(false);
      expect(g.reason).toMatch(/residual stream/);
    }
    const open = dependencyGroups(m, { residualStream: true }).filter(isStream);
    expect(open).toHaveLength(DIM);
    for (const [c, g] of open.entries()) {
      expect(g.prunable).toBe(true);
      // Channel c of the stream: the unit c of embed, attn_out and mlp_fc2 together.
      expect(g.units.map((u) => `${u.layer}:${u.index}`).sort()).toEqual(STREAM.map((l) => `${l}:${c}`).sort());
      const members = g.members.map((x) => `${x.layer}/${x.weight}`);
      for (const lnName of ['embed_ln', 'attn_ln', 'mlp_ln', 'final_ln']) expect(members).toContain(`${lnName}/gamma`);
      // Consumers lose their input rows: every head's q/k/v, mlp_fc1 and the classifier.
      for (const consumer of ['head0_q', 'head1_v', 'mlp_fc1', 'head']) expect(members).toContain(`${consumer}/kernel`);
    }
    expect(new Set(open.map((g) => g.family)).size).toBe(1);
    // Heads and MLP units stay prunable either way; the model output never is.
    const all = dependencyGroups(m, { residualStream: true });
    expect(all.filter((g) => g.kind === 'head' && g.prunable)).toHaveLength(2);
    expect(all.filter((g) => g.units.every((u) => u.layer === 'head')).every((g) => !g.prunable)).toBe(true);
    m.dispose();
  });

  it('pruneUnits with residualStream removes stream channels: fewer channels, the same output shape, pruned ≠ masked (LN renormalises), no leaks, input untouched', () => {
    const m = vitLike(2);
    const before = snapshot(m);
    const n0 = tf.memory().numTensors;
    const remove = [1, 4, 6];
    const masks: Record<string, boolean[]> = {};
    for (const l of STREAM) masks[l] = Array.from({ length: DIM }, (_, c) => !remove.includes(c));
    // Without the option the same masks remove a fixed group.
    expect(() => pruneUnits(m, masks)).toThrow(GroupMaskError);
    const p = pruneUnits(m, masks, { residualStream: true });
    const q = maskUnits(m, masks, { residualStream: true });
    for (const l of STREAM) expect(kernelUnits(p, l)).toBe(DIM - remove.length);
    expect(p.getLayer('final_ln').getWeights()[0].shape).toEqual([DIM - remove.length]);
    expect(p.getLayer('head').getWeights()[0].shape).toEqual([DIM - remove.length, 3]);
    expect(p.countParams()).toBeLessThan(m.countParams());
    const x = tf.randomNormal([3, TOKENS, FEATURES], 0, 1, 'float32', 5);
    const yp = p.predict(x) as tf.Tensor;
    const ym = m.predict(x) as tf.Tensor;
    const yq = q.predict(x) as tf.Tensor;
    expect(yp.shape).toEqual(ym.shape);
    expect(yp.shape).toEqual([3, 3]);
    expect(Array.from(yp.dataSync()).every(Number.isFinite)).toBe(true);
    // The docs: LayerNormalization then normalises over fewer channels, so pruned differs from masked.
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(yp, yq))).dataSync()[0]);
    expect(d).toBeGreaterThan(1e-4);
    tf.dispose([x, yp, ym, yq]);
    p.dispose();
    q.dispose();
    expect(tf.memory().numTensors).toBe(n0);
    expect(snapshot(m)).toEqual(before);
    m.dispose();
  });

  it('groupScores/groupMasks with residualStream rank the stream channels too, and the pruned model runs', () => {
    const m = vitLike(3);
    const n0 = tf.memory().numTensors;
    const scores = groupScores(m, randomUnitScores(m, { seed: 3 }), { residualStream: true });
    expect(scores.groups.some(isStream)).toBe(true);
    const masks = groupMasks(scores, { sparsity: 0.5 });
    expect(masks.embed.filter((k) => !k)).toHaveLength(DIM / 2);
    expect(masks.attn_out).toEqual(masks.embed);
    expect(masks.mlp_fc2).toEqual(masks.embed);
    const p = pruneUnits(m, masks, { residualStream: true });
    expect(kernelUnits(p, 'embed')).toBe(DIM / 2);
    const x = tf.randomNormal([2, TOKENS, FEATURES], 0, 1, 'float32', 6);
    const y = p.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([2, 3]);
    tf.dispose([x, y]);
    p.dispose();
    expect(tf.memory().numTensors).toBe(n0);
    m.dispose();
  });

  it('the harness SimpleViT: its sin-cos position embedding does not carry channels, so residualStream alone does not open its stream', () => {
    const m = buildVit({ inputShape: [8, 8, 1], patch: 4, dim: 8, heads: 2, mlp: 6, classes: 3, seed: 1 });
    const stream = dependencyGroups(m, { residualStream: true }).filter((g) => g.units.some((u) => u.layer === 'attn_out'));
    expect(stream).toHaveLength(8);
    for (const g of stream) {
      expect(g.prunable).toBe(false);
      expect(g.reason).toMatch(/pos_embed/);
    }
    m.dispose();
  });
});
