// Dense float64 host references for OPD/OBD (full GGN, Kronecker factors, eigen-projected
// diagonals) and the small nets and fits the OPD tests share.
import * as tf from '@tensorflow/tfjs';
import type { ModelLike } from '@spam/core';
import type { Prior } from '@spam/priors';
import { eigh, fitLaplace, type FullLaplace, type KronLaplace, type Laplace } from '@spam/laplace';
import type { ParamScores } from '../src/scores/scores.js';
import { arr, rng, seedWeights } from '../../../test/helpers/index.js';

const L = tf.layers;
export const asModel = (m: tf.LayersModel) => m as unknown as ModelLike;

export function mlp(seed: number): tf.LayersModel {
  const m = tf.sequential({ layers: [L.dense({ inputShape: [4], units: 5, activation: 'tanh' }), L.dense({ units: 3 })] });
  seedWeights(m, seed, 0.7);
  return m;
}

function cnn(seed: number): tf.LayersModel {
  const m = tf.sequential({
    layers: [
      L.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, activation: 'tanh' }),
      L.maxPooling2d({ poolSize: 2 }),
      L.flatten(),
      L.dense({ units: 3 }),
    ],
  });
  seedWeights(m, seed, 0.5);
  return m;
}

type Net = { name: string; make: () => tf.LayersModel; xShape: number[] };
export const NETS: Net[] = [
  { name: 'MLP 4-5-3', make: () => mlp(3), xShape: [4] },
  { name: 'Conv2D+MaxPooling2D+Flatten+Dense', make: () => cnn(5), xShape: [6, 6, 2] },
];

/** θ in canonical order (kernel then bias per layer = tfjs weight order for Dense/Conv2D). */
export function thetaOf(model: tf.LayersModel): number[] {
  return model.getWeights().flatMap(arr);
}

/** Diagonal of a flat [n, n] matrix. */
export function diagOf(h: ArrayLike<number>, n: number): number[] {
  return Array.from({ length: n }, (_, i) => h[i * n + i]);
}

/** Dense row-major product of [n, k] and [k, m] (float64). */
function matmul(a: ArrayLike<number>, b: ArrayLike<number>, n: number, k: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < k; j++) {
      const v = a[i * k + j];
      if (v === 0) continue;
      for (let c = 0; c < m; c++) out[i * m + c] += v * b[j * m + c];
    }
  return out;
}

function transpose(a: ArrayLike<number>, n: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[j * n + i] = a[i * m + j];
  return out;
}

/** Eigenvector matrix Q (eigenvectors as columns) and eigenvalues (clamped at 0) of a symmetric factor. */
function eigQ(f: tf.Tensor): { Q: Float64Array; values: Float64Array; n: number } {
  const n = f.shape[0];
  const e = eigh(f.dataSync(), n, { clampNegative: true });
  return { Q: transpose(e.vectors, n, n), values: e.values, n }; // vectors are rows = Qᵀ
}

/** Dense Kronecker product of [m, m] and [k, k] (row-major, float64). */
function kronDense(a: ArrayLike<number>, m: number, b: ArrayLike<number>, k: number): Float64Array {
  const n = m * k;
  const out = new Float64Array(n * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < m; j++)
      for (let o = 0; o < k; o++) for (let p = 0; p < k; p++) out[(i * k + o) * n + j * k + p] = a[i * m + j] * b[o * k + p];
  return out;
}

/**
 * diag(Q diag(sΛ + E) Qᵀ) with E = diag(Qᵀ diag(δ) Q), all matrices dense n×n in float64.
 */
function eigenProjectedDiagonal(Q: Float64Array, lam: ArrayLike<number>, delta: ArrayLike<number>, s: number, n: number): number[] {
  const QT = transpose(Q, n, n);
  const DQ = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) DQ[i * n + j] = delta[i] * Q[i * n + j];
  const E = diagOf(matmul(QT, DQ, n, n, n), n);
  const QM = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) QM[i * n + k] = Q[i * n + k] * (s * lam[k] + E[k]);
  return diagOf(matmul(QM, QT, n, n, n), n);
}

/** Reference diag(P) of a kron Laplace from its factors, 'exact' or 'projected'. */
export function kronReference(lap: KronLaplace, delta: number[], mode: 'exact' | 'projected'): number[] {
  const s = 1 / (lap.sigma * lap.sigma);
  const out: number[] = [];
  let off = 0;
  for (const f of lap.factors) {
    const fanIn = f.A.shape[0];
    const units = f.G.shape[0];
    const A = f.A.dataSync();
    const G = f.G.dataSync();
    const dk = delta.slice(off, off + fanIn * units);
    off += fanIn * units;
    const db = f.hasBias ? delta.slice(off, off + units) : [];
    off += f.hasBias ? units : 0;
    if (mode === 'exact') {
      for (let i = 0; i < fanIn; i++) for (let o = 0; o < units; o++) out.push(s * A[i * fanIn + i] * G[o * units + o] + dk[i * units + o]);
      if (f.hasBias) for (let o = 0; o < units; o++) out.push(s * G[o * units + o] + db[o]);
    } else {
      const ea = eigQ(f.A);
      const eg = eigQ(f.G);
      const Q = kronDense(ea.Q, fanIn, eg.Q, units);
      const lam = Array.from({ length: fanIn * units }, (_, k) => ea.values[Math.floor(k / units)] * eg.values[k % units]);
      out.push(...eigenProjectedDiagonal(Q, lam, dk, s, fanIn * units));
      if (f.hasBias) out.push(...eigenProjectedDiagonal(eg.Q, eg.values, db, s, units));
    }
  }
  return out;
}

export function scoresFlat(sc: ParamScores): number[] {
  return Array.from(sc.flat());
}

/** Sets every prior log-precision to seeded U(−2, 2) values (so δ varies per unit). */
export function randomizePrior(prior: Prior, seed: number): void {
  const u = rng(seed);
  const vals = prior.variables.map((v) =>
    tf.tensor(
      Array.from({ length: v.size }, () => 4 * u() - 2),
      v.shape,
    ),
  );
  prior.assignLogPrecisions(vals);
  tf.dispose(vals);
}

export const opdRef = (theta: number[], diagP: number[]) => theta.map((t, i) => t * t * diagP[i]);

export async function fitAll(
  model: tf.LayersModel,
  data: { xs: tf.Tensor; ys: tf.Tensor },
  likelihood: 'classification' | 'regression',
  sigma = 1,
) {
  const opts = { likelihood, sigma } as const;
  const full = (await fitLaplace(asModel(model), data, { ...opts, structure: 'full' })) as FullLaplace;
  const diag = await fitLaplace(asModel(model), data, { ...opts, structure: 'diag' });
  const kron = (await fitLaplace(asModel(model), data, { ...opts, structure: 'kron' })) as KronLaplace;
  return { full, diag, kron, all: [full, diag, kron] as Laplace[] };
}
