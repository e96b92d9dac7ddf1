import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { bridgeLink, mcLink, probitLink } from '@spam/laplace';

interface Pred {
  f_mu: number[][];
  glm: Record<string, Record<string, { f_var: number[][][]; probit?: number[][]; bridge?: number[][] }>>;
  mc_reference?: Record<string, { diag_ggn: number[][] }>;
}

/** expected.predictive of every classification fixture (v1 and v2). */
const cases: Array<[string, Pred]> = [
  ['fixtures', ['cnn_cls_maxpool', 'mlp_cls_tanh', 'mlp_cls_relu_nobias']],
  ['fixtures-graph', ['g_resmlp_cls', 'g_tokens_ln_cls', 'g_cnn_bn_res_cls', 'g_dwconv_gate_cls', 'g_pool_permute_cls']],
].flatMap(([dir, names]) =>
  (names as string[]).map((n): [string, Pred] => {
    const fx = JSON.parse(readFileSync(new URL(`../../../test/${dir as string}/${n}.json`, import.meta.url), 'utf8'));
    return [n, fx.expected.predictive as Pred];
  }),
);

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('link functions on the fixtures’ own f_mu / f_var match probit and bridge to 1e-5', () => {
  for (const [name, pred] of cases) {
    it(name, () => {
      const before = tf.memory().numTensors;
      let checked = 0;
      for (const methods of Object.values(pred.glm)) {
        for (const ref of Object.values(methods)) {
          tf.tidy(() => {
            const mu = tf.tensor2d(pred.f_mu);
            const v = tf.tensor3d(ref.f_var);
            expect(maxAbs(probitLink(mu, v).dataSync(), ref.probit!.flat())).toBeLessThan(1e-5);
            expect(maxAbs(bridgeLink(mu, v).dataSync(), ref.bridge!.flat())).toBeLessThan(1e-5);
          });
          checked++;
        }
      }
      expect(checked).toBeGreaterThanOrEqual(12);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describe('MC link', () => {
  const [, pred] = cases[0];
  const mu = pred.f_mu;
  const fVar = pred.glm.scalar.diag_ggn.f_var;
  const ref = pred.mc_reference!.scalar.diag_ggn.flat();

  it('converges to the quadrature reference at the 1/√S rate (RMS error over 8 seeds)', () => {
    const rms = (s: number) =>
      tf.tidy(() => {
        let sq = 0;
        let count = 0;
        for (let seed = 1; seed <= 8; seed++) {
          const p = mcLink(tf.tensor2d(mu), tf.tensor3d(fVar), s, 1000 * s + seed).dataSync();
          p.forEach((v, i) => {
            sq += (v - ref[i]) ** 2;
            count++;
          });
        }
        return Math.sqrt(sq / count);
      });
    const e1 = rms(250);
    const e2 = rms(16_000); // 64× the draws: the error shrinks ~8×
    const ratio = e1 / e2;
    expect(ratio).toBeGreaterThan(4);
    expect(ratio).toBeLessThan(16);
    // And within the standard-error bound 0.5/√S.
    expect(e2).toBeLessThan(0.5 / Math.sqrt(16_000));
  });

  it('is seeded: the same seed gives the same probabilities, another seed different ones', () => {
    tf.tidy(() => {
      const a = mcLink(tf.tensor2d(mu), tf.tensor3d(fVar), 100, 7).dataSync();
      const b = mcLink(tf.tensor2d(mu), tf.tensor3d(fVar), 100, 7).dataSync();
      const c = mcLink(tf.tensor2d(mu), tf.tensor3d(fVar), 100, 8).dataSync();
      expect(Array.from(a)).toEqual(Array.from(b));
      expect(maxAbs(a, c)).toBeGreaterThan(0);
    });
  });

  it('with zero covariance every link is softmax(f_mu) exactly (the bridge is undefined there: no NaN)', () => {
    tf.tidy(() => {
      const m = tf.tensor2d(mu);
      const zero = tf.zerosLike(tf.tensor3d(fVar));
      const want = tf.softmax(m).dataSync();
      for (const p of [mcLink(m, zero, 10, 3), probitLink(m, zero), bridgeLink(m, zero)])
        expect(maxAbs(p.dataSync(), want)).toBeLessThan(1e-6);
    });
  });
});
