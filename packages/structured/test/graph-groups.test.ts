import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { buildResnet, buildVit } from '@spam/harness';
import { dependencyGroups, GroupMaskError, groupMasks, groupScores, maskUnits, pruneUnits, randomUnitScores } from '@spam/structured';

const L = tf.layers;
const small = (which: 'resnet' | 'vit') =>
  which === 'resnet'
    ? buildResnet({ inputShape: [8, 8, 2], widths: [4, 6], classes: 3, seed: 1 })
    : buildVit({ inputShape: [8, 8, 1], patch: 4, dim: 8, heads: 2, mlp: 6, classes: 3, seed: 1 });

/** Random weights (BN moving variance kept positive), so that removed groups carry non-zero values. */
function randomize(m: tf.LayersModel, seed: number): void {
  let s = seed;
  for (const layer of m.layers) {
    if (layer.weights.length === 0) continue;
    const ws = layer.getWeights().map((w, i) => {
      const r = tf.randomNormal(w.shape, 0, 0.5, 'float32', ++s);
      if (!layer.weights[i].name.includes('moving_variance')) return r;
      const pos = tf.add(tf.abs(r), 0.5);
      r.dispose();
      return pos;
    });
    layer.setWeights(ws);
    tf.dispose(ws);
  }
}

const snapshot = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

describe('structured removal through graphs', () => {
  it('ResNet: residual Add couples the stem and block1_conv2 channels (with their BN), the head stays', () => {
    const m = small('resnet');
    const groups = dependencyGroups(m);
    const g = groups.find((x) => x.name === 'stem_conv:0')!;
    expect(g.units).toEqual([
      { layer: 'stem_conv', index: 0 },
      { layer: 'block1_conv2', index: 0 },
    ]);
    expect(g.members.map((x) => `${x.layer}/${x.weight}`)).toContain('stem_bn/moving_variance');
    expect(g.members.map((x) => `${x.layer}/${x.weight}`)).toContain('block2_short_conv/kernel');
    expect(groups.filter((x) => x.units.some((u) => u.layer === 'head')).every((x) => !x.prunable)).toBe(true);
    m.dispose();
  });

  it('ViT: heads are groups (q/k/v units), the residual stream is not prunable by default', () => {
    const m = small('vit');
    const groups = dependencyGroups(m);
    const heads = groups.filter((g) => g.kind === 'head');
    expect(heads.map((h) => h.name)).toEqual(['heads[0]', 'heads[1]']);
    expect(new Set(heads[1].units.map((u) => u.layer))).toEqual(new Set(['head1_q', 'head1_k', 'head1_v']));
    expect(heads[1].members.some((x) => x.layer === 'attn_out' && x.role === 'input' && x.indices.join() === '4,5,6,7')).toBe(true);
    expect(groups.find((g) => g.units.some((u) => u.layer === 'patch_embed'))!.prunable).toBe(false);
    m.dispose();
  });

  for (const which of ['resnet', 'vit'] as const) {
    for (const seed of [1, 2, 3]) {
      it(`${which} seed ${seed}: pruned == masked at 50 % of groups, input model untouched, no tensors left`, () => {
        const m = small(which);
        randomize(m, seed * 100);
        const before = snapshot(m);
        const n0 = tf.memory().numTensors;
        const masks = groupMasks(groupScores(m, randomUnitScores(m, { seed })), { sparsity: 0.5 });
        const p = pruneUnits(m, masks);
        const q = maskUnits(m, masks);
        expect(p.countParams()).toBeLessThan(m.countParams());
        const x = tf.randomNormal([3, 8, 8, which === 'resnet' ? 2 : 1], 0, 1, 'float32', seed);
        const d = tf.tidy(() => tf.max(tf.abs(tf.sub(p.predict(x) as tf.Tensor, q.predict(x) as tf.Tensor))).dataSync()[0]);
        expect(d).toBeLessThanOrEqual(1e-5);
        x.dispose();
        p.dispose();
        q.dispose();
        expect(tf.memory().numTensors).toBe(n0);
        expect(snapshot(m)).toEqual(before);
        m.dispose();
      });
    }
  }

  it('bad masks: split group, fixed group, all heads, an emptied layer → GroupMaskError naming the group; model untouched', () => {
    const m = small('vit');
    const before = snapshot(m);
    const n0 = tf.memory().numTensors;
    const off = (n: number) => new Array<boolean>(n).fill(false);
    const cases: Array<[Record<string, boolean[]>, string, RegExp]> = [
      [{ head1_q: off(4) }, 'split', /heads\[1\]/],
      [{ patch_embed: [false, ...new Array<boolean>(7).fill(true)] }, 'fixed', /patch_embed/],
      [{ head0_q: off(4), head0_k: off(4), head0_v: off(4), head1_q: off(4), head1_k: off(4), head1_v: off(4) }, 'no-heads', /'heads'/],
      [{ mlp_fc1: off(6) }, 'empty-layer', /mlp_fc1/],
    ];
    for (const [masks, reason, re] of cases) {
      let e: unknown;
      try {
        pruneUnits(m, masks);
      } catch (err) {
        e = err;
      }
      expect(e).toBeInstanceOf(GroupMaskError);
      expect((e as GroupMaskError).reason).toBe(reason);
      expect((e as Error).message).toMatch(re);
    }
    expect(() => maskUnits(m, { nope: [true] })).toThrow(/unknown layer 'nope'/);
    expect(tf.memory().numTensors).toBe(n0);
    expect(snapshot(m)).toEqual(before);
    m.dispose();
  });

  it('BatchNormalization and a depthwise conv in a Sequential chain follow their producer (pruned == masked)', () => {
    const m = tf.sequential({
      layers: [
        L.conv2d({ inputShape: [6, 6, 2], filters: 4, kernelSize: 3, padding: 'same', name: 'c1' }),
        L.batchNormalization({ name: 'bn' }),
        L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, name: 'dw' }),
        L.flatten({ name: 'f' }),
        L.dense({ units: 3, name: 'out' }),
      ],
    });
    randomize(m, 7);
    const masks = { c1: [true, false, true, false] };
    const p = pruneUnits(m, masks);
    const q = maskUnits(m, masks);
    expect((p.getLayer('dw').getWeights()[0].shape as number[])[2]).toBe(2);
    const x = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 3);
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(p.predict(x) as tf.Tensor, q.predict(x) as tf.Tensor))).dataSync()[0]);
    expect(d).toBeLessThanOrEqual(1e-5);
    tf.dispose([x]);
    p.dispose();
    q.dispose();
    m.dispose();
  });
});
