import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { InvalidDataError, InvalidOptionError, ShapeMismatchError } from '@spam/core';
import { CoupledUnitsError, magnitudeUnitScores, randomUnitScores, structuredProtocol, type StructuredProtocolRow } from '@spam/structured';
import { randomizeWeights } from './random-graph-nets.js';
import { arr, randomLabels, randomTensor, rejection } from '../../../test/helpers/index.js';

const L = tf.layers;
type Sym = tf.SymbolicTensor;
const apply = (l: tf.layers.Layer, x: Sym | Sym[]) => l.apply(x) as Sym;

/**
 * A residual block on 6×6×2 images: stem Conv 4 → BN → ReLU, then Conv 6 (block_conv1) → BN →
 * ReLU → Conv 4 (block_conv2) → BN, Add with the stem (identity shortcut) → ReLU → global average
 * pooling → Dense 3. Groups: the 4 channels of the stream stem/block_conv2 (one family) and the 6
 * channels of block_conv1; the logits are fixed.
 */
function residualNet(seed: number): tf.LayersModel {
  const input = tf.input({ shape: [6, 6, 2], name: 'image' });
  const conv = (x: Sym, filters: number, name: string) => apply(L.conv2d({ filters, kernelSize: 3, padding: 'same', name }), x);
  const bnRelu = (x: Sym, name: string, relu = true) => {
    const y = apply(L.batchNormalization({ name: `${name}_bn` }), x);
    return relu ? apply(L.activation({ activation: 'relu', name: `${name}_relu` }), y) : y;
  };
  const stem = bnRelu(conv(input, 4, 'stem'), 'stem');
  const y = bnRelu(conv(bnRelu(conv(stem, 6, 'block_conv1'), 'block1'), 4, 'block_conv2'), 'block2', false);
  const sum = apply(L.activation({ activation: 'relu', name: 'add_relu' }), apply(L.add({ name: 'add' }), [stem, y]));
  const out = apply(L.dense({ units: 3, name: 'logits' }), apply(L.globalAveragePooling2d({ name: 'gap' }), sum));
  const model = tf.model({ inputs: input, outputs: out, name: 'residual' });
  randomizeWeights(model, seed);
  return model;
}

/**
 * A one-block transformer on 5 tokens of 4 features: Dense embed 6, two heads (q/k of 2, v of 2:
 * q·kᵀ Dot, Softmax, Dot with v), Concatenate, Dense attn_out 6, residual Add with the embedding,
 * LayerNormalization, Dense mlp 5 (ReLU), global average pooling, Dense 3. Groups: 2 heads and 5
 * MLP units; the 6 channels of the LayerNorm-ed stream only with `residualStream`.
 */
function attentionNet(seed: number): tf.LayersModel {
  const input = tf.input({ shape: [5, 4], name: 'tokens' });
  const x = apply(L.dense({ units: 6, name: 'embed' }), input);
  const heads = [0, 1].map((h) => {
    const q = apply(L.dense({ units: 2, useBias: false, name: `head${h}_q` }), x);
    const k = apply(L.dense({ units: 2, useBias: false, name: `head${h}_k` }), x);
    const v = apply(L.dense({ units: 2, useBias: false, name: `head${h}_v` }), x);
    const s = apply(L.softmax({ axis: -1, name: `head${h}_softmax` }), apply(L.dot({ axes: [2, 2], name: `head${h}_scores` }), [q, k]));
    return apply(L.dot({ axes: [2, 1], name: `head${h}_attend` }), [s, v]);
  });
  const o = apply(L.dense({ units: 6, name: 'attn_out' }), apply(L.concatenate({ axis: -1, name: 'heads' }), heads));
  const r = apply(L.layerNormalization({ name: 'ln' }), apply(L.add({ name: 'attn_res' }), [x, o]));
  const m = apply(L.dense({ units: 5, activation: 'relu', name: 'mlp' }), r);
  const out = apply(L.dense({ units: 3, name: 'logits' }), apply(L.globalAveragePooling1d({ name: 'pool' }), m));
  const model = tf.model({ inputs: input, outputs: out, name: 'attention' });
  randomizeWeights(model, seed);
  return model;
}

/** Seeded inputs with random labels of 3 classes. */
function data(shape: number[], seed: number): { xs: tf.Tensor; ys: tf.Tensor } {
  return { xs: randomTensor(shape, seed), ys: tf.tensor1d(randomLabels(shape[0], 3, seed + 1), 'int32') };
}

const snapshot = (m: tf.LayersModel) => m.getWeights().map(arr);
const free = (...ds: Array<{ xs: tf.Tensor; ys: tf.Tensor }>) => tf.dispose(ds.flatMap((d) => [d.xs, d.ys]));

/** Rows of one criterion by increasing fraction. */
const of = (rows: StructuredProtocolRow[], criterion: string) =>
  rows.filter((r) => r.criterion === criterion).sort((a, b) => a.fraction - b.fraction);

const FRACTIONS = [0.25, 0.5, 0.75];

describe('structuredProtocol on graph models (selection by dependency groups)', () => {
  it('residual graph (Add + BN): group selection by default, rows per criterion × fraction, hand-counted groups and MACs, smaller models, input untouched, no leaks', async () => {
    const m = residualNet(3);
    const train = data([24, 6, 6, 2], 11);
    const test = data([16, 6, 6, 2], 12);
    const scores = { magnitude: magnitudeUnitScores(m), random: randomUnitScores(m, { seed: 4 }) };
    const w0 = snapshot(m);
    const before = tf.memory().numTensors;
    const stages: string[] = [];
    const rows = await structuredProtocol(m, {
      scores,
      fractions: FRACTIONS,
      train,
      test,
      fineTune: { epochs: 1, batchSize: 8 },
      latencyRepeats: 1,
      latencyExamples: 8,
      onProgress: (p) => void stages.push(p.stage),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(snapshot(m)).toEqual(w0);
    expect(rows).toHaveLength(2 * FRACTIONS.length);
    expect(stages.filter((s) => s === 'done')).toHaveLength(6);
    expect(stages.filter((s) => s === 'epoch')).toHaveLength(6);
    // MACs at c stream channels and k block channels, 6×6 'same' convolutions: 36·9·(2c + ck + kc) + 3c.
    const macs = (c: number, k: number) => 36 * 9 * (2 * c + c * k + k * c) + 3 * c;
    for (const criterion of ['magnitude', 'random']) {
      const mine = of(rows, criterion);
      expect(mine.map((r) => r.fraction)).toEqual(FRACTIONS);
      for (const r of mine) {
        const c = 4 - Math.floor(4 * r.fraction);
        const k = 6 - Math.floor(6 * r.fraction);
        expect(r.selection).toBe('group');
        expect(r.groupsTotal).toBe(4 + 6);
        expect(r.groupsRemoved).toBe(10 - c - k);
        // The Add couples the stem and block_conv2: the same channels go from both.
        expect(r.units).toEqual({ stem: c, block_conv1: k, block_conv2: c, logits: 3 });
        expect(r.macsBefore).toBe(macs(4, 6));
        expect(r.macs).toBe(macs(c, k));
        expect(r.params).toBeLessThan(r.paramsBefore);
        expect(r.bytes).toBe(4 * r.params);
        expect(r.fineTuneLosses).toHaveLength(1);
        expect(r.latencyMs).toBeGreaterThan(0);
        expect(Number.isFinite(r.nll)).toBe(true);
      }
      for (let i = 1; i < mine.length; i++) {
        expect(mine[i].macs).toBeLessThan(mine[i - 1].macs);
        expect(mine[i].params).toBeLessThan(mine[i - 1].params);
      }
    }
    m.dispose();
    free(train, test);
  });

  it('attention graph: heads and MLP units are groups, the LayerNorm-ed stream stays unless residualStream passes through', async () => {
    const m = attentionNet(5);
    const test = data([12, 5, 4], 21);
    const scores = { magnitude: magnitudeUnitScores(m) };
    const w0 = snapshot(m);
    const before = tf.memory().numTensors;
    const rows = await structuredProtocol(m, { scores, fractions: FRACTIONS, test, fineTune: { epochs: 0 }, latencyRepeats: 0 });
    expect(tf.memory().numTensors).toBe(before);
    expect(snapshot(m)).toEqual(w0);
    expect(rows).toHaveLength(3);
    for (const r of rows) {
      const heads = 2 - Math.floor(2 * r.fraction);
      const mlp = 5 - Math.floor(5 * r.fraction);
      expect(r.selection).toBe('group');
      expect(r.groupsTotal).toBe(2 + 5);
      expect(r.groupsRemoved).toBe(7 - heads - mlp);
      expect(r.units.mlp).toBe(mlp);
      expect([0, 1].filter((h) => r.units[`head${h}_q`] === 2)).toHaveLength(heads);
      expect([0, 1].filter((h) => r.units[`head${h}_v`] === 2)).toHaveLength(heads);
      expect(r.units.embed).toBe(6); // the residual stream stays
      expect(r.units.attn_out).toBe(6);
      expect(r.units.logits).toBe(3);
      expect(r.macs).toBeLessThan(r.macsBefore);
      expect(r.params).toBeLessThan(r.paramsBefore);
      expect(r.fineTuneLosses).toEqual([]);
      expect(r.nll).toBeCloseTo(r.oneShot!.nll, 6); // no fine-tuning
    }
    for (let i = 1; i < rows.length; i++) expect(rows[i].macs).toBeLessThan(rows[i - 1].macs);
    // residualStream: the 6 stream channels become one more family of groups.
    const [wide] = await structuredProtocol(m, {
      scores,
      fractions: [0.5],
      test,
      fineTune: { epochs: 0 },
      latencyRepeats: 0,
      residualStream: true,
    });
    expect(wide.groupsTotal).toBe(2 + 5 + 6);
    expect(wide.groupsRemoved).toBe(1 + 2 + 3);
    expect(wide.units.embed).toBe(3);
    expect(wide.units.attn_out).toBe(3);
    expect(wide.macs).toBeLessThan(rows[1].macs);
    expect(tf.memory().numTensors).toBe(before);
    expect(snapshot(m)).toEqual(w0);
    m.dispose();
    free(test);
  });

  it("a chain with selection 'group' keeps the same units as the per-layer rule; rows say which selection ran", async () => {
    const m = tf.sequential({
      layers: [
        L.dense({ inputShape: [5], units: 8, activation: 'relu', name: 'h1' }),
        L.dense({ units: 6, activation: 'tanh', name: 'h2' }),
        L.dense({ units: 3, name: 'out' }),
      ],
    });
    randomizeWeights(m, 8);
    const test = data([10, 5], 31);
    const options = {
      scores: { magnitude: magnitudeUnitScores(m) },
      fractions: FRACTIONS,
      test,
      fineTune: { epochs: 0 },
      latencyRepeats: 0,
    };
    const byLayer = await structuredProtocol(m, options);
    const byGroup = await structuredProtocol(m, { ...options, selection: 'group' });
    expect(byLayer.map((r) => r.selection)).toEqual(['layer', 'layer', 'layer']);
    expect(byLayer.every((r) => r.groupsTotal === undefined)).toBe(true);
    expect(byGroup.map((r) => r.selection)).toEqual(['group', 'group', 'group']);
    expect(byGroup.map((r) => r.groupsTotal)).toEqual([14, 14, 14]);
    expect(byGroup.map((r) => r.units)).toEqual(byLayer.map((r) => r.units));
    expect(byGroup.map((r) => r.nll)).toEqual(byLayer.map((r) => r.nll));
    m.dispose();
    free(test);
  });

  it("a chain with BatchNormalization: group selection by default (BN scores join their producer's), 'layer' selection removes units of the Dense layers only", async () => {
    const m = tf.sequential({
      layers: [
        L.dense({ inputShape: [5], units: 8, name: 'h1' }),
        L.batchNormalization({ name: 'bn' }),
        L.activation({ activation: 'relu', name: 'act' }),
        L.dense({ units: 3, name: 'out' }),
      ],
    });
    randomizeWeights(m, 9);
    const test = data([10, 5], 33);
    const scores = magnitudeUnitScores(m);
    expect(scores.layers).toContain('bn'); // BN channels are listed: the per-layer rule must not take 'bn' for the output layer
    const before = tf.memory().numTensors;
    const options = { scores: { magnitude: scores }, fractions: [0.5], test, fineTune: { epochs: 0 }, latencyRepeats: 0 };
    const [byDefault] = await structuredProtocol(m, options);
    const [byLayer] = await structuredProtocol(m, { ...options, selection: 'layer' });
    expect(byDefault.selection).toBe('group');
    expect(byDefault.groupsTotal).toBe(8);
    expect(byDefault.groupsRemoved).toBe(4);
    expect(byLayer.selection).toBe('layer');
    for (const r of [byDefault, byLayer]) {
      expect(r.units).toEqual({ h1: 4, out: 3 });
      expect(r.macs).toBe(5 * 4 + 4 * 3);
    }
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
    free(test);
  });

  it('typed errors before any model is built: bad selection, layer selection on a merge, bad residualStream, scores of another model; nothing leaks', async () => {
    const m = residualNet(6);
    const test = data([8, 6, 6, 2], 41);
    const w0 = snapshot(m);
    const base = { scores: { magnitude: magnitudeUnitScores(m) }, fractions: [0.5], test, fineTune: { epochs: 0 }, latencyRepeats: 0 };
    const before = tf.memory().numTensors;
    const bad = await rejection(structuredProtocol(m, { ...base, selection: 'channels' as never }));
    expect(bad).toBeInstanceOf(InvalidOptionError);
    expect(bad.message).toMatch(/selection must be 'layer' .* or 'group' .*, got 'channels'/);
    const layer = await rejection(structuredProtocol(m, { ...base, selection: 'layer' }));
    expect(layer).toBeInstanceOf(CoupledUnitsError);
    expect((layer as CoupledUnitsError).mergeLayer).toBe('add');
    expect(layer.message).toMatch(/Layer 'add' \(Add\)/);
    expect(layer.message).toMatch(/selection: 'group'/);
    const stream = await rejection(structuredProtocol(m, { ...base, residualStream: 'yes' as never }));
    expect(stream).toBeInstanceOf(InvalidOptionError);
    expect(stream.message).toMatch(/residualStream must be a boolean/);
    const fraction = await rejection(structuredProtocol(m, { ...base, fractions: [0.5, 1] }));
    expect(fraction).toBeInstanceOf(InvalidOptionError);
    expect(fraction.message).toMatch(/fractions\[1\]/);
    const train = await rejection(structuredProtocol(m, { ...base, fineTune: { epochs: 1 } }));
    expect(train).toBeInstanceOf(InvalidDataError);
    // Scores of another model: groupScores alone would score every group 0; the protocol refuses, naming the layer.
    const other = attentionNet(1);
    const foreign = await rejection(structuredProtocol(m, { ...base, scores: { mag: magnitudeUnitScores(other) } }));
    expect(foreign).toBeInstanceOf(InvalidOptionError);
    expect(foreign.message).toMatch(/scores 'mag': unit scores for layers \[embed, .*\] that model 'residual' does not have/);
    other.dispose();
    const s = magnitudeUnitScores(m);
    const short = { ...s, scores: { ...s.scores, block_conv1: s.scores.block_conv1.slice(0, 5) } };
    const shape = await rejection(structuredProtocol(m, { ...base, scores: { short } }));
    expect(shape).toBeInstanceOf(ShapeMismatchError);
    expect(shape.message).toMatch(/scores 'short': unit scores of layer 'block_conv1' have 5 entries; the layer has 6 units/);
    expect(tf.memory().numTensors).toBe(before);
    expect(snapshot(m)).toEqual(w0);
    m.dispose();
    free(test);
  });
});
