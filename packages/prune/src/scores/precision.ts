import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { InvalidOptionError } from '@spam/core';
import type { Prior } from '@spam/priors';
import { checkPriorFits, KronLaplace, type Laplace } from '@spam/laplace';

/**
 * How `kron` gives the diagonal of its posterior precision P = s·A⊗G + diag(δ):
 * `'exact'` s·A_ii·G_oo + δ_io (default, no eigendecomposition); `'eigen'` the diagonal of the
 * eigen-projected matrix Q(sΛ + E)Qᵀ with E = (Q_A∘Q_A)ᵀ D (Q_G∘Q_G), as the paper's code does.
 */
export type KronDiagonal = 'exact' | 'eigen';

/** Options of {@link posteriorPrecisionDiagonal} and `opdScores`. */
export interface PrecisionDiagonalOptions {
  /** `kron` only: `'exact'` (default) or `'eigen'`. */
  kronDiagonal?: KronDiagonal;
}

/** δ per parameter tensor in the parameters' shapes, from a prior or a constant precision. */
export function priorPrecisionBlocks(laplace: Laplace, prior: Prior | number): Tensor[] {
  if (typeof prior === 'number') {
    if (!(prior >= 0) || !Number.isFinite(prior)) throw new InvalidOptionError(`prior precision must be a finite number ≥ 0, got ${prior}`);
    return laplace.params.map((p) => tf.fill(p.shape, prior));
  }
  checkPriorFits(laplace, prior);
  return tf.tidy(() => prior.precisionBlocks().map((d, i) => tf.add(tf.zeros(laplace.params[i].shape), d)));
}

/**
 * diag(P) of the Laplace posterior precision P = s·H + diag(δ), per parameter tensor in the
 * parameters' tfjs shapes (new tensors; the caller disposes them). `prior` is a prior built for
 * the model (its current δ) or a constant δ.
 */
export function posteriorPrecisionDiagonal(laplace: Laplace, prior: Prior | number, options: PrecisionDiagonalOptions = {}): Tensor[] {
  const mode = options.kronDiagonal ?? 'exact';
  if (mode !== 'exact' && mode !== 'eigen') throw new InvalidOptionError(`kronDiagonal must be 'exact' or 'eigen', got '${String(mode)}'`);
  const delta = priorPrecisionBlocks(laplace, prior);
  try {
    if (mode === 'eigen' && laplace instanceof KronLaplace) return eigenDiagonal(laplace, delta);
    return tf.tidy(() => {
      const h = laplace.diagonal();
      const s = laplace.hFactor;
      return laplace.params.map((p, i) => tf.add(tf.mul(s, tf.reshape(tf.slice(h, p.offset, p.size), p.shape)), delta[i]));
    });
  } finally {
    tf.dispose(delta);
  }
}

/**
 * Per Kronecker block: kernel diag = (Q_A∘Q_A)(s λ_A λ_Gᵀ + E)(Q_G∘Q_G)ᵀ with E = (Q_A∘Q_A)ᵀ D (Q_G∘Q_G);
 * bias diag = (s λ_G + e)(Q_G∘Q_G)ᵀ with e = δ_b (Q_G∘Q_G).
 */
function eigenDiagonal(laplace: KronLaplace, delta: Tensor[]): Tensor[] {
  const eig = laplace.eigendecomposition();
  const s = laplace.hFactor;
  return tf.tidy(() => {
    const out: Tensor[] = [];
    let t = 0;
    laplace.factors.forEach((f, l) => {
      const { A, G } = eig[l];
      const fanIn = f.A.shape[0] as number;
      const units = f.G.shape[0] as number;
      const p = laplace.params[t];
      const d = tf.reshape(delta[t++], [fanIn, units]);
      const E = tf.matMul(tf.matMul(A.Q2T, d), G.Q2);
      const lam = tf.mul(s, tf.outerProduct(A.values as tf.Tensor1D, G.values as tf.Tensor1D));
      out.push(tf.reshape(tf.matMul(tf.matMul(A.Q2, tf.add(lam, E)), G.Q2T), p.shape));
      if (f.hasBias) {
        const e = tf.matMul(tf.reshape(delta[t++], [1, units]), G.Q2);
        out.push(tf.reshape(tf.matMul(tf.add(tf.mul(s, tf.reshape(G.values, [1, units])), e), G.Q2T), [units]));
      }
    });
    return out;
  });
}
