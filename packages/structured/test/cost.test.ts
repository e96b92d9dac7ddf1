import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { countMacs, countParams, layerCosts, pruneUnits } from '@spam/structured';

const L = tf.layers;

/** LeNet-like on 8×8×1: conv 3×3 ×4 → pool → conv 2×2 ×6 (same) → flatten → dense 10 → dense 3. */
function lenet(): tf.Sequential {
  return tf.sequential({
    layers: [
      L.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, activation: 'relu', name: 'conv1' }), // → 6×6×4
      L.maxPooling2d({ poolSize: 2 }), // → 3×3×4
      L.conv2d({ filters: 6, kernelSize: 2, padding: 'same', activation: 'relu', name: 'conv2' }), // → 3×3×6
      L.flatten(), // → 54
      L.dense({ units: 10, activation: 'relu', name: 'fc1' }),
      L.dropout({ rate: 0.1 }),
      L.dense({ units: 3, activation: 'softmax', name: 'fc2' }),
    ],
  });
}

describe('countParams / countMacs', () => {
  it('hand-computed values for a LeNet-like net, before and after pruning', () => {
    const m = lenet();
    // params: conv1 3·3·1·4 + 4 = 40; conv2 2·2·4·6 + 6 = 102; fc1 54·10 + 10 = 550; fc2 10·3 + 3 = 33.
    expect(countParams(m)).toBe(40 + 102 + 550 + 33);
    expect(countParams(m)).toBe(m.countParams());
    // MACs: conv1 C_out·C_in·kh·kw·H_out·W_out = 4·1·3·3·6·6 = 1296; conv2 6·4·2·2·3·3 = 864;
    // fc1 54·10 = 540; fc2 10·3 = 30; pooling, flatten, dropout, activations 0.
    expect(countMacs(m)).toBe(1296 + 864 + 540 + 30);
    expect(layerCosts(m)).toEqual([
      { name: 'conv1', className: 'Conv2D', units: 4, params: 40, macs: 1296 },
      { name: 'conv2', className: 'Conv2D', units: 6, params: 102, macs: 864 },
      { name: 'fc1', className: 'Dense', units: 10, params: 550, macs: 540 },
      { name: 'fc2', className: 'Dense', units: 3, params: 33, macs: 30 },
    ]);
    // Keep 2 of 4, 3 of 6, 5 of 10: conv1 2·9·36 = 648; conv2 3·2·4·9 = 216; fc1 (3·3·3 = 27)·5 = 135; fc2 5·3 = 15.
    const p = pruneUnits(m, {
      conv1: [true, false, true, false],
      conv2: [false, true, true, false, true, false],
      fc1: [true, true, false, false, true, false, true, false, true, false],
    });
    expect(countMacs(p)).toBe(648 + 216 + 135 + 15);
    expect(countParams(p)).toBe(2 * 9 + 2 + (2 * 2 * 2 * 3 + 3) + (27 * 5 + 5) + (5 * 3 + 3));
    p.dispose();
    m.dispose();
  });

  it('strided valid conv and a dense chain', () => {
    const m = tf.sequential({
      layers: [
        L.conv2d({ inputShape: [7, 7, 2], filters: 3, kernelSize: 3, strides: 2, useBias: false }), // → 3×3×3
        L.globalAveragePooling2d({}),
        L.dense({ units: 4 }),
      ],
    });
    expect(countMacs(m)).toBe(3 * 2 * 3 * 3 * 3 * 3 + 3 * 4);
    expect(countParams(m)).toBe(3 * 3 * 2 * 3 + 3 * 4 + 4);
    const before = tf.memory().numTensors;
    countMacs(m);
    countParams(m);
    layerCosts(m);
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });
});
