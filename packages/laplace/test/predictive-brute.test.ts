import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { ModelLike } from '@spam/core';
import { parameterwisePrior, scalarPrior, type Prior } from '@spam/priors';
import { fitLaplace, glmPredictiveDistribution, type KronLaplace, type Laplace } from '@spam/laplace';
import { arr, kron, onBackend, randomLabels, randomTensor, relErr, seedWeights } from '../../../test/helpers/index.js';

const L = tf.layers;
const asModel = (m: tf.LayersModel) => m as unknown as ModelLike;
const M = 4;

/** conv (T > 1 locations) → BN (exact diagonal blocks in kron) → pool → dense (one location), 3 classes. */
function net(): tf.LayersModel {
  const m = tf.sequential({
    layers: [
      L.conv2d({ inputShape: [5, 5, 1], filters: 2, kernelSize: 2, activation: 'tanh' }),
      L.batchNormalization(),
      L.maxPooling2d({ poolSize: 2 }),
      L.flatten(),
      L.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  seedWeights(m, 401, 0.7);
  const bn = m.layers[1];
  bn.setWeights(bn.getWeights().map((w, i) => (i === 3 ? tf.add(tf.abs(w), 0.5) : w))); // moving variance > 0
  return m;
}

/** Per-example Jacobians of the logits `[K, P]` (trainable weights in canonical order) by tfjs autodiff on cpu. */
async function jacobians(model: tf.LayersModel, xs: tf.Tensor): Promise<number[][][]> {
  return onBackend('cpu', () => {
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const logits = tf.model({ inputs: model.inputs, outputs: model.layers[model.layers.length - 1].input });
    const out: number[][][] = [];
    for (let i = 0; i < xs.shape[0]; i++) {
      const rows: number[][] = [];
      for (let c = 0; c < 3; c++) {
        rows.push(
          tf.tidy(() => {
            const x = tf.slice(xs, [i], [1]);
            // The last Dense's logits: its input times kernel plus bias (the softmax stripped).
            const { value, grads } = tf.variableGrads(() => {
              const h = logits.apply(x, { training: false }) as tf.Tensor;
              const dense = model.layers[model.layers.length - 1];
              const [k, b] = dense.trainableWeights.map((w) => w.read());
              return tf.sum(tf.slice(tf.add(tf.matMul(h as tf.Tensor2D, k as tf.Tensor2D), b), [0, c], [1, 1])) as tf.Scalar;
            }, vars);
            value.dispose();
            return vars.flatMap((v) => arr(grads[v.name]));
          }),
        );
      }
      out.push(rows);
    }
    return out;
  });
}

/** Dense inverse (Gauss–Jordan, float64) of a row-major n×n matrix. */
function inverse(a: number[], n: number): number[] {
  const m = a.slice();
  const inv = Array.from({ length: n * n }, (_, i): number => (Math.floor(i / n) === i % n ? 1 : 0));
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]) > Math.abs(m[p * n + c])) p = r;
    for (let j = 0; j < n; j++) {
      [m[c * n + j], m[p * n + j]] = [m[p * n + j], m[c * n + j]];
      [inv[c * n + j], inv[p * n + j]] = [inv[p * n + j], inv[c * n + j]];
    }
    const d = m[c * n + c];
    for (let j = 0; j < n; j++) {
      m[c * n + j] /= d;
      inv[c * n + j] /= d;
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r * n + c];
      if (f === 0) continue;
      for (let j = 0; j < n; j++) {
        m[r * n + j] -= f * m[c * n + j];
        inv[r * n + j] -= f * inv[c * n + j];
      }
    }
  }
  return inv;
}

/** The posterior precision of `la` as a dense P×P matrix, written from its public curvature (not the predictive code). */
function densePrecision(la: Laplace, delta: number[], kronPrior: 'exact' | 'projected'): number[] {
  const p = la.numParams;
  const P = new Array<number>(p * p).fill(0);
  const put = (off: number, n: number, blk: ArrayLike<number>) => {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) P[(off + i) * p + off + j] += blk[i * n + j];
  };
  if (la.structure === 'full') {
    const h = la.H.dataSync();
    for (let i = 0; i < p * p; i++) P[i] = h[i];
  } else if (la.structure === 'diag') {
    const h = la.diag.dataSync();
    for (let i = 0; i < p; i++) P[i * p + i] = h[i];
  } else {
    const k = la as KronLaplace;
    k.params.forEach((b, t) => {
      const d = k.diagonalBlocks[t];
      if (d) return d.dataSync().forEach((v, i) => (P[(b.offset + i) * p + b.offset + i] = v));
      const f = k.factors.find((x) => x.layerName === b.layerName)!;
      const na = f.A.shape[0];
      const ng = f.G.shape[0];
      if (kronPrior === 'exact') {
        if (b.role === 'kernel') put(b.offset, na * ng, kron(f.A.dataSync(), na, f.G.dataSync(), ng));
        else put(b.offset, ng, f.G.dataSync());
        return;
      }
      // Projected: Q (λ + E) Qᵀ minus the δ added below; kernel Q = Q_A ⊗ Q_G, λ = λ_A λ_Gᵀ,
      // E = (Q_A∘Q_A)ᵀ D (Q_G∘Q_G); bias Q = Q_G, λ = λ_G, e = (Q_G∘Q_G)ᵀ d.
      const e = k.eigendecomposition()[k.factors.indexOf(f)];
      const kernel = b.role === 'kernel';
      const qa = kernel ? e.A.Q.dataSync() : [1];
      const la_ = kernel ? e.A.values.dataSync() : [1];
      const nA = kernel ? na : 1;
      const qg = e.G.Q.dataSync();
      const lg = e.G.values.dataSync();
      const n = nA * ng;
      const Q = kron(qa, nA, qg, ng);
      const dBlk = delta.slice(b.offset, b.offset + n);
      const lam: number[] = [];
      for (let a = 0; a < nA; a++)
        for (let g = 0; g < ng; g++) {
          let E = 0;
          for (let i = 0; i < nA; i++) for (let o = 0; o < ng; o++) E += qa[i * nA + a] ** 2 * dBlk[i * ng + o] * qg[o * ng + g] ** 2;
          lam.push(la_[a] * lg[g] + E);
        }
      const blk = new Array<number>(n * n).fill(0);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let q = 0; q < n; q++) s += Q[i * n + q] * lam[q] * Q[j * n + q];
          blk[i * n + j] = s - (i === j ? dBlk[i] : 0);
        }
      put(b.offset, n, blk);
    });
  }
  for (let i = 0; i < p; i++) P[i * p + i] += delta[i];
  return P;
}

/** J Σ Jᵀ per example with Σ the inverse of P restricted to the kept entries (zero elsewhere). */
function bruteFVar(js: number[][][], P: number[], p: number, keep: Uint8Array | null, temperature = 1): number[] {
  const idx = [...Array(p).keys()].filter((i) => !keep || keep[i]);
  const n = idx.length;
  const sub = idx.flatMap((i) => idx.map((j) => P[i * p + j]));
  const S = inverse(sub, n);
  const out: number[] = [];
  for (const J of js)
    for (const a of J)
      for (const b of J) {
        let s = 0;
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s += a[idx[i]] * S[i * n + j] * b[idx[j]];
        out.push(temperature * s);
      }
  return out;
}

describe('GLM f_var equals J Σ Jᵀ with J by tfjs autodiff and Σ a dense float64 inverse', async () => {
  const model = net();
  const xs = randomTensor([10, 5, 5, 1], 402);
  const ys = tf.tensor1d(randomLabels(10, 3, 403));
  const xTest = randomTensor([M, 5, 5, 1], 404);
  const js = await jacobians(model, xTest);
  const prior: Prior = parameterwisePrior(asModel(model));
  prior.assignLogPrecisions(prior.variables.map((v, i) => tf.tidy(() => tf.add(tf.mul(randomTensor(v.shape, 405 + i), 0.8), 0.5))));
  const delta = Array.from(prior.precision().dataSync());
  const P = delta.length;
  const keep = Uint8Array.from({ length: P }, (_, i) => ((i * 7919) % 5 === 0 ? 0 : 1));

  const cases = [
    { structure: 'diag', kronPrior: 'exact' },
    { structure: 'full', kronPrior: 'exact' },
    { structure: 'kron', kronPrior: 'exact' },
    { structure: 'kron', kronPrior: 'projected' },
  ] as const;
  for (const { structure, kronPrior } of cases) {
    for (const pruned of [false, true]) {
      it(`${structure}${structure === 'kron' ? ` (${kronPrior})` : ''}${pruned ? ', pruned' : ''}`, async () => {
        const before = tf.memory().numTensors;
        const la = await fitLaplace(asModel(model), { xs, ys, batchSize: 4 }, { likelihood: 'classification', structure });
        const { fMu, fVar } = await glmPredictiveDistribution(la, asModel(model), xTest, {
          prior,
          kronPrior,
          mask: pruned ? keep : undefined,
          batchSize: 3,
        });
        const Pm = densePrecision(la, delta, kronPrior);
        // Projected kron keeps its eigenbasis when pruned: the Jacobian is masked (marginal covariance of the kept entries).
        const marginal = pruned && structure === 'kron' && kronPrior === 'projected';
        const want = marginal
          ? bruteFVar(
              js.map((J) => J.map((r) => r.map((v, i) => v * keep[i]))),
              Pm,
              P,
              null,
            )
          : bruteFVar(js, Pm, P, pruned ? keep : null);
        expect(relErr(fVar.dataSync(), want)).toBeLessThan(1e-4);
        const [probs, want2] = tf.tidy(() => [tf.softmax(fMu).dataSync(), (model.predict(xTest) as tf.Tensor).dataSync()]);
        expect(relErr(probs, want2)).toBeLessThan(1e-5);
        tf.dispose([fMu, fVar]);
        la.dispose(); // also frees the eigendecompositions the projected kron cached on it
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }

  it('temperature T scales f_var by T; a scalar priorPrecision equals a scalar prior of that value', async () => {
    const la = await fitLaplace(asModel(model), { xs, ys, batchSize: 4 }, { likelihood: 'classification', structure: 'kron' });
    const sp = scalarPrior(asModel(model), { precision: 2.5 });
    const a = await glmPredictiveDistribution(la, asModel(model), xTest, { prior: sp });
    const b = await glmPredictiveDistribution(la, asModel(model), xTest, { priorPrecision: 2.5, temperature: 3 });
    const want = bruteFVar(js, densePrecision(la, new Array<number>(P).fill(2.5), 'exact'), P, null, 3);
    expect(relErr(b.fVar.dataSync(), want)).toBeLessThan(1e-4);
    expect(
      relErr(
        b.fVar.dataSync(),
        Array.from(a.fVar.dataSync(), (v) => 3 * v),
      ),
    ).toBeLessThan(1e-5);
    tf.dispose([a.fMu, a.fVar, b.fMu, b.fVar]);
    sp.dispose();
    la.dispose();
  });
});
