import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { deprecated, InvalidOptionError } from '@spam/core';
import { MAX_PRECISION, Prior } from '@spam/priors';
import { checkPriorFits, resolveKronPrior, type KronPriorMode, type Laplace } from '@spam/laplace';

/** @deprecated Use `KronPriorMode` (`kronPrior`): `'eigen'` is `'projected'`. */
export type KronDiagonal = 'exact' | 'eigen';

/** Options of {@link posteriorPrecisionDiagonal} and `opdScores`. */
export interface PrecisionDiagonalOptions {
  /**
   * `kron` only: `'exact'` (default) the exact diagonal s·A_ii·G_oo + δ_io, no eigendecomposition;
   * `'projected'` the diagonal of the eigen-projected matrix Q(sΛ + E)Qᵀ with
   * E = (Q_A∘Q_A)ᵀ D (Q_G∘Q_G), as the paper's code computes OPD. The same option, under the same
   * name, chooses the log det in `logMarginalLikelihood` and `marglikTraining` (default `'projected'` there).
   */
  kronPrior?: KronPriorMode;
  /** @deprecated Use `kronPrior` (`'eigen'` is `'projected'`). */
  kronDiagonal?: KronDiagonal;
}

/** The `kron` diagonal mode of the options (default `'exact'`), accepting the deprecated `kronDiagonal`. */
export function kronDiagonalMode(options: PrecisionDiagonalOptions): KronPriorMode {
  if (options === null || typeof options !== 'object')
    throw new InvalidOptionError(`precision/OPD options must be an object {kronPrior?}, got ${options === null ? 'null' : typeof options}`);
  if (options.kronPrior !== undefined) return resolveKronPrior(options.kronPrior, 'exact');
  return resolveKronPrior(
    deprecated(options.kronDiagonal, "option `kronDiagonal: 'exact' | 'eigen'`", "`kronPrior: 'exact' | 'projected'`"),
    'exact',
    'kronDiagonal',
  );
}

/**
 * δ per parameter tensor in the parameters' shapes, from a prior or a constant precision δ ∈
 * [0, MAX_PRECISION] (δ = 0: no prior term, as for OBD; above MAX_PRECISION ≈ 1.65e38 δ is not a
 * finite float32). `InvalidOptionError` for any other `prior`.
 */
export function priorPrecisionBlocks(laplace: Laplace, prior: Prior | number): Tensor[] {
  laplace.assertNotDisposed();
  if (typeof prior === 'number') {
    if (!(prior >= 0 && prior <= MAX_PRECISION)) {
      throw new InvalidOptionError(
        `prior precision must be 0 or a number up to MAX_PRECISION ≈ ${MAX_PRECISION.toPrecision(4)} (finite in float32), got ${prior}`,
      );
    }
    return laplace.params.map((p) => tf.fill(p.shape, prior));
  }
  if (!(prior instanceof Prior)) {
    throw new InvalidOptionError(
      `prior must be a Prior (createPrior) or a constant precision δ ≥ 0, got ${prior === null ? 'null' : Array.isArray(prior) ? 'an array' : typeof prior}`,
    );
  }
  checkPriorFits(laplace, prior);
  return tf.tidy(() => prior.precisionBlocks().map((d, i) => tf.add(tf.zeros(laplace.params[i].shape), d)));
}

/**
 * diag(P) of the Laplace posterior precision P = s·H + diag(δ), per parameter tensor in the
 * parameters' tfjs shapes (new tensors; the caller disposes them). `prior` is a prior built for
 * the model (its current δ) or a constant δ. The structure-specific maths is the Laplace's own
 * (`BaseLaplace.posteriorPrecisionDiagonal`).
 */
export function posteriorPrecisionDiagonal(laplace: Laplace, prior: Prior | number, options: PrecisionDiagonalOptions = {}): Tensor[] {
  const mode = kronDiagonalMode(options);
  const delta = priorPrecisionBlocks(laplace, prior);
  try {
    return laplace.posteriorPrecisionDiagonal(delta, mode);
  } finally {
    tf.dispose(delta);
  }
}
