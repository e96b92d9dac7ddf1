/**
 * Σ of the `kron` structure ("kron where it exists, diagonal elsewhere") for the GLM predictive:
 * per Kronecker layer, in the factors' eigenbases Q = Q_A⊗Q_G, kernel Q diag(T/(s·λ_A λ_Gᵀ + E)) Qᵀ
 * with E = (Q_A∘Q_A)ᵀ D (Q_G∘Q_G) the projected prior (= δ when δ is constant on the tensor) and
 * bias Q_G diag(T/(s·λ_G + (Q_G∘Q_G)ᵀ d)) Q_Gᵀ; with `kronPrior: 'exact'` and a non-constant δ
 * (or a pruned layer), the exact dense inverse of s·A⊗G + diag δ per block (at most
 * `MAX_EXACT_BLOCK` entries); diagonal blocks exact.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidOptionError } from '@spam/core';
import { MAX_EXACT_BLOCK, type KronLaplace } from '../curvature/kron.js';
import { kronDense } from '../linalg/logdet-op.js';
import { PosteriorCovariance, type LayerCov, type TensorCov } from './covariance.js';
import { denseBlock, diagBlock, isPruned, keepTensor, tensorsByLayer, type CovarianceSpec } from './covariance-build.js';

/**
 * Pruned layers with the projected prior keep the eigenbasis and mask the Jacobian: the marginal
 * covariance of the kept entries (an upper bound on the conditional one, which has no eigenbasis form).
 */
export function kronCovariance(la: KronLaplace, spec: CovarianceSpec): PosteriorCovariance {
  const s = la.hFactor;
  const layers: LayerCov[] = [];
  try {
    for (const ts of tensorsByLayer(la.params)) {
      const t0 = ts[0];
      if (la.diagonalBlocks[t0] !== null) {
        layers.push({ kind: 'tensors', tensors: ts.map((t) => diagBlock(spec, la.params[t], t, la.diagonalBlocks[t]!, s)) });
        continue;
      }
      const l = la.factors.findIndex((f) => f.layerName === la.params[t0].layerName);
      const tb = ts.length > 1 ? ts[1] : null;
      const constant = ts.every((t) => spec.constant[t]);
      const pruned = ts.some((t) => isPruned(spec, la.params[t]));
      const exact = spec.kronPrior === 'exact' && (!constant || pruned);
      layers.push(exact ? denseLayer(la, spec, l, t0, tb) : eigenLayer(la, spec, l, t0, tb));
    }
  } catch (e) {
    PosteriorCovariance.layered(la.params, layers).dispose();
    throw e;
  }
  return PosteriorCovariance.layered(la.params, layers);
}

function eigenLayer(la: KronLaplace, spec: CovarianceSpec, l: number, t0: number, tb: number | null): LayerCov {
  const { A, G } = la.eigendecomposition()[l];
  const s = la.hFactor;
  let out: LayerCov | undefined;
  tf.tidy(() => {
    const fanIn = A.values.shape[0];
    const units = G.values.shape[0];
    const pk = la.params[t0];
    const lam = tf.mul(s, tf.outerProduct(A.values as tf.Tensor1D, G.values as tf.Tensor1D));
    const e = spec.constant[t0]
      ? tf.reshape(tf.slice(tf.reshape(spec.delta[t0], [-1]), 0, 1), [])
      : tf.matMul(tf.matMul(A.Q2T, tf.reshape(spec.delta[t0], [fanIn, units])), G.Q2);
    const lk = tf.div(spec.temperature, tf.add(lam, e));
    let lb: tf.Tensor | null = null;
    if (tb !== null) {
      const db = tf.reshape(tf.add(tf.zeros([units]), spec.delta[tb]), [1, units]);
      lb = tf.div(spec.temperature, tf.add(tf.mul(s, G.values), tf.reshape(tf.matMul(db, G.Q2), [units])));
    }
    const kk = keepTensor(spec, pk, [fanIn, units]);
    const kb = tb === null ? null : keepTensor(spec, la.params[tb], [units]);
    const keep = kk || kb ? ([tf.keep(kk ?? tf.ones([fanIn, units])), kb ? tf.keep(kb) : null] as const) : null;
    out = { kind: 'eigen', QA: tf.keep(tf.clone(A.Q)), QG: tf.keep(tf.clone(G.Q)), lk: tf.keep(lk), lb: lb ? tf.keep(lb) : null, keep };
  });
  return out!;
}

function denseLayer(la: KronLaplace, spec: CovarianceSpec, l: number, t0: number, tb: number | null): LayerCov {
  const f = la.factors[l];
  const na = f.A.shape[0];
  const ng = f.G.shape[0];
  if (na * ng > MAX_EXACT_BLOCK) {
    throw new InvalidOptionError(
      `the exact kron covariance of layer '${f.layerName}' needs a dense ${na * ng}x${na * ng} block (limit ${MAX_EXACT_BLOCK}); use kronPrior 'projected'`,
    );
  }
  const g = f.G.dataSync();
  const block = (t: number, h: ArrayLike<number>, n: number, what: string): TensorCov => {
    const p = la.params[t];
    const d = tf.tidy(() => tf.reshape(tf.add(tf.zeros(p.shape), spec.delta[t]), [-1]));
    const dv = d.dataSync();
    d.dispose();
    const keep = spec.keep ? spec.keep.subarray(p.offset, p.offset + p.size) : null;
    return { kind: 'dense', sigma: denseBlock(h, n, la.hFactor, dv, spec, keep, `layer '${f.layerName}' (${what})`) };
  };
  const tensors = [block(t0, kronDense(f.A.dataSync(), na, g, ng), na * ng, 'kernel')];
  if (tb !== null) tensors.push(block(tb, g, ng, 'bias'));
  return { kind: 'tensors', tensors };
}
