import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { eigh, eigvalsh } from '../linalg/eigh.js';

/** Eigendecomposition of one symmetric Kronecker factor, as tensors. */
export interface FactorEigen {
  /** Eigenvalues λ (ascending, clamped at 0) `[n]`. */
  values: Tensor;
  /** Eigenvectors as columns, Q `[n, n]`. */
  Q: Tensor;
  /** (Q ∘ Q)ᵀ `[n, n]`, materialised for the projection E = (Q_A∘Q_A)ᵀ D (Q_G∘Q_G). */
  Q2T: Tensor;
  /** Q ∘ Q `[n, n]`. */
  Q2: Tensor;
}

/**
 * Symmetrises, eigendecomposes in float64 (clamping negative eigenvalues) and uploads one factor.
 * The tensors are kept (`tf.keep`), so a cache built inside a caller's `tf.tidy` survives it.
 */
export function factorEigen(factor: Tensor): FactorEigen {
  const n = factor.shape[0];
  const { values, vectors } = eigh(factor.dataSync(), n, { clampNegative: true });
  // vectors holds eigenvectors as rows: that is Qᵀ.
  const qt = Float32Array.from(vectors);
  return tf.tidy(() => {
    const QT = tf.tensor2d(qt, [n, n]);
    const Q = tf.transpose(QT);
    return {
      values: tf.keep(tf.tensor1d(Float32Array.from(values))),
      Q: tf.keep(Q),
      Q2T: tf.keep(tf.square(QT)),
      Q2: tf.keep(tf.square(Q)),
    };
  });
}

/** Every tensor of a factor eigendecomposition. */
export function eigenTensors(e: FactorEigen): Tensor[] {
  return [e.values, e.Q, e.Q2T, e.Q2];
}

/** Eigenvalues only of one factor (clamped at 0), kept like {@link factorEigen}'s tensors. */
export function factorEigenvalues(factor: Tensor): Tensor {
  const n = factor.shape[0];
  const values = eigvalsh(factor.dataSync(), n, { clampNegative: true });
  return tf.keep(tf.tensor1d(Float32Array.from(values)));
}
