import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { buildResnet, buildVit } from '@spam/harness';
import { countMacs, countParams, groupMasks, groupScores, layerCosts, pruneUnits, randomUnitScores } from '@spam/structured';

const L = tf.layers;
const sym = (l: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) => l.apply(x) as tf.SymbolicTensor;
/** Kernel's last axis (units) of a layer in a (pruned) model. */
const width = (m: tf.LayersModel, name: string) => {
  const s = m.getLayer(name).getWeights()[0].shape;
  return s[s.length - 1];
};

/** ResNet MACs on 8×8×2 (stem stride 1, block2 stride 2 → 4×4) from its widths, by hand. */
function resnetMacs(m: tf.LayersModel): number {
  const c0 = width(m, 'stem_conv');
  expect(width(m, 'block1_conv2')).toBe(c0); // the residual Add couples them
  const a1 = width(m, 'block1_conv1');
  const a2 = width(m, 'block2_conv1');
  const c2 = width(m, 'block2_conv2');
  expect(width(m, 'block2_short_conv')).toBe(c2);
  return (
    9 * 2 * c0 * 64 + // stem 3×3 on 8×8
    9 * c0 * a1 * 64 +
    9 * a1 * c0 * 64 + // block1 at 8×8
    9 * c0 * a2 * 16 +
    9 * a2 * c2 * 16 + // block2 at 4×4
    c0 * c2 * 16 + // 1×1 shortcut
    c2 * 3 // head
  );
}

/** ViT MACs (8×8×1, patch 4 → T = 4 tokens, dim 8) from the kept heads' q/v widths and the MLP width, by hand. */
function vitMacs(m: tf.LayersModel): number {
  const T = 4;
  const dim = 8;
  let macs = 16 * 1 * dim * T; // patch embedding: 4×4×1 → 8 at 2×2 positions
  let concat = 0;
  for (let i = 0; i < 8; i++) {
    if (!m.layers.some((l) => l.name === `head${i}_q`)) continue;
    const dq = width(m, `head${i}_q`);
    const dv = width(m, `head${i}_v`);
    expect(width(m, `head${i}_k`)).toBe(dq);
    macs += T * dim * (2 * dq + dv) + T * dq * T + T * T * dv; // q, k, v; the two Dots
    concat += dv;
  }
  const hidden = width(m, 'mlp_fc1');
  return macs + T * concat * dim + 2 * T * dim * hidden + dim * 3;
}

describe('countMacs / layerCosts on graph models', () => {
  it('ResNet-style block (residual Add, BN, 1×1 shortcut): hand formula; Σ params = countParams; no tensors left', () => {
    const m = buildResnet({ inputShape: [8, 8, 2], widths: [4, 6], classes: 3, seed: 1 });
    const n0 = tf.memory().numTensors;
    // stem 9·2·4·64 = 4608, block1 2 × 9·4·4·64 = 18432, block2 9·4·6·16 + 9·6·6·16 = 8640, shortcut 4·6·16 = 384, head 18.
    expect(countMacs(m)).toBe(4608 + 18432 + 8640 + 384 + 18);
    expect(resnetMacs(m)).toBe(countMacs(m));
    const costs = layerCosts(m);
    expect(costs.find((c) => c.name === 'stem_bn')).toEqual({
      name: 'stem_bn',
      className: 'BatchNormalization',
      units: 4,
      params: 16,
      macs: 0,
    });
    expect(costs.reduce((a, c) => a + c.params, 0)).toBe(countParams(m));
    expect(tf.memory().numTensors).toBe(n0);
    m.dispose();
  });

  it('depthwise-separable block: DepthwiseConv2D C·mult·kh·kw·H·W, SeparableConv2D depthwise + pointwise', () => {
    const m = tf.sequential({
      layers: [
        L.depthwiseConv2d({ inputShape: [6, 6, 3], kernelSize: 3, depthMultiplier: 2, padding: 'same', name: 'dw' }), // → 6×6×6
        L.batchNormalization({ name: 'bn' }),
        L.separableConv2d({ filters: 5, kernelSize: 3, name: 'sep' }), // valid → 4×4×5
        L.globalAveragePooling2d({ name: 'gap' }),
        L.dense({ units: 2, name: 'out' }),
      ],
    });
    expect(layerCosts(m)).toEqual([
      { name: 'dw', className: 'DepthwiseConv2D', units: 6, params: 9 * 3 * 2 + 6, macs: 3 * 2 * 9 * 36 },
      { name: 'bn', className: 'BatchNormalization', units: 6, params: 4 * 6, macs: 0 },
      { name: 'sep', className: 'SeparableConv2D', units: 5, params: 9 * 6 + 6 * 5 + 5, macs: 6 * 9 * 16 + 6 * 5 * 16 },
      { name: 'out', className: 'Dense', units: 2, params: 12, macs: 10 },
    ]);
    expect(countMacs(m)).toBe(1944 + 864 + 480 + 10);
    m.dispose();
  });

  it('attention block: q, k, v Dense on tokens, q·kᵀ T·d·T and attn·v T·T·d, residual Add; Concatenate and Embedding cost 0', () => {
    const x = tf.input({ shape: [3, 4] });
    const q = sym(L.dense({ units: 2, useBias: false, name: 'q' }), x);
    const k = sym(L.dense({ units: 2, useBias: false, name: 'k' }), x);
    const v = sym(L.dense({ units: 5, useBias: false, name: 'v' }), x);
    const s = sym(L.softmax({ axis: -1 }), sym(L.dot({ axes: [2, 2], name: 'scores' }), [q, k])); // [3, 3]
    const a = sym(L.dot({ axes: [2, 1], name: 'attend' }), [s, v]); // [3, 5]
    const o = sym(L.dense({ units: 4, useBias: false, name: 'o' }), a);
    const r = sym(L.add({}), [x, o]);
    const c = sym(L.concatenate({ axis: -1 }), [r, x]); // [3, 8]
    const y = sym(L.dense({ units: 2, name: 'out' }), sym(L.flatten({}), c));
    const m = tf.model({ inputs: x, outputs: y });
    const byName = Object.fromEntries(layerCosts(m).map((l) => [l.name, l.macs]));
    expect(byName).toEqual({ q: 24, k: 24, v: 60, scores: 3 * 2 * 3, attend: 3 * 3 * 5, o: 3 * 5 * 4, out: 24 * 2 });
    expect(countMacs(m)).toBe(24 + 24 + 60 + 18 + 45 + 60 + 48);
    m.dispose();

    const ids = tf.input({ shape: [5], dtype: 'int32' });
    const e = sym(L.embedding({ inputDim: 10, outputDim: 4, name: 'emb' }), ids);
    const em = tf.model({ inputs: ids, outputs: sym(L.dense({ units: 3, name: 'fc' }), sym(L.flatten({}), e)) });
    expect(layerCosts(em)[0]).toEqual({ name: 'emb', className: 'Embedding', units: 4, params: 40, macs: 0 });
    expect(countMacs(em)).toBe(20 * 3);
    em.dispose();
  });

  it('ViT: hand formula over heads, MLP and patch embedding', () => {
    const m = buildVit({ inputShape: [8, 8, 1], patch: 4, dim: 8, heads: 2, mlp: 6, classes: 3, seed: 1 });
    // patch 512; per head q, k, v 3·4·8·4 = 384 + Dots 2·64; attn_out 4·8·8 = 256; MLP 2·4·8·6 = 384; head 24.
    expect(countMacs(m)).toBe(512 + 2 * (384 + 128) + 256 + 384 + 24);
    expect(vitMacs(m)).toBe(countMacs(m));
    m.dispose();
  });

  for (const which of ['resnet', 'vit'] as const) {
    for (const seed of [1, 2]) {
      it(`${which} seed ${seed}: a pruned model's count equals the hand formula on its new widths`, () => {
        const m =
          which === 'resnet'
            ? buildResnet({ inputShape: [8, 8, 2], widths: [4, 6], classes: 3, seed })
            : buildVit({ inputShape: [8, 8, 1], patch: 4, dim: 8, heads: 2, mlp: 6, classes: 3, seed });
        const masks = groupMasks(groupScores(m, randomUnitScores(m, { seed })), { sparsity: 0.5 });
        const p = pruneUnits(m, masks);
        const macs = countMacs(p);
        expect(Number.isFinite(macs)).toBe(true);
        expect(macs).toBeLessThan(countMacs(m));
        expect(macs).toBe(which === 'resnet' ? resnetMacs(p) : vitMacs(p));
        p.dispose();
        m.dispose();
      });
    }
  }

  it('default-size ResNet and ViT from @spam/harness give finite positive counts', () => {
    for (const m of [buildResnet(), buildVit()]) {
      const macs = countMacs(m);
      expect(Number.isFinite(macs) && macs > 0).toBe(true);
      expect(layerCosts(m).reduce((a, c) => a + c.params, 0)).toBeLessThanOrEqual(countParams(m));
      m.dispose();
    }
  });
});
