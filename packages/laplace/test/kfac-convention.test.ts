import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '@spam/core';
import { fitLaplace, type KronLaplace } from '@spam/laplace';

describe('kfac convention', () => {
  it("'backpack' equals 'asdl' on Dense-only nets, differs on Conv2D, and rejects unknown values", async () => {
    const dense = tf.sequential({
      layers: [tf.layers.dense({ units: 3, inputShape: [4], activation: 'tanh' }), tf.layers.dense({ units: 2 })],
    });
    const conv = tf.sequential({
      layers: [tf.layers.conv2d({ filters: 2, kernelSize: 2, inputShape: [3, 3, 1] }), tf.layers.flatten(), tf.layers.dense({ units: 2 })],
    });
    const xd = tf.randomNormal([6, 4], 0, 1, 'float32', 1);
    const xc = tf.randomNormal([6, 3, 3, 1], 0, 1, 'float32', 2);
    const ys = tf.tensor1d([0, 1, 0, 1, 1, 0], 'int32');
    const fit = (m: tf.Sequential, xs: tf.Tensor, kfac: 'asdl' | 'backpack') =>
      fitLaplace(m, { xs, ys }, { likelihood: 'classification', structure: 'kron', kfac }) as Promise<KronLaplace>;
    const [da, db] = [await fit(dense, xd, 'asdl'), await fit(dense, xd, 'backpack')];
    da.factors.forEach((f, i) => {
      expect(Array.from(db.factors[i].A.dataSync())).toEqual(Array.from(f.A.dataSync()));
      expect(Array.from(db.factors[i].G.dataSync())).toEqual(Array.from(f.G.dataSync()));
    });
    const [ca, cb] = [await fit(conv, xc, 'asdl'), await fit(conv, xc, 'backpack')];
    // Conv A differs by the factor T = 4 locations; G by summing locations before the outer product.
    const aa = ca.factors[0].A.dataSync();
    const ab = cb.factors[0].A.dataSync();
    aa.forEach((v, i) => expect(Math.abs(ab[i] - 4 * v)).toBeLessThan(1e-5 * Math.max(1, Math.abs(ab[i]))));
    expect(Array.from(cb.factors[0].G.dataSync())).not.toEqual(Array.from(ca.factors[0].G.dataSync()));
    await expect(fitLaplace(dense, { xs: xd, ys }, { likelihood: 'classification', kfac: 'reduce' as never })).rejects.toThrow(
      InvalidOptionError,
    );
    [da, db, ca, cb].forEach((l) => l.dispose());
    tf.dispose([xd, xc, ys]);
  });
});
