import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { ModelAdapter } from '../adapter/model-adapter.js';
import { checkModelInput } from '../adapter/input-check.js';
import { NonFiniteError } from '../errors.js';
import { parameterGradients } from './parameter-gradients.js';
import { checkLikelihood, checkSigma, denseTargets, type LikelihoodName } from '../likelihood.js';

/** Loss and gradients of one batch, from {@link meanNllGradients}. */
export interface LossAndGradients {
  /** Mean NLL over the batch (scalar). */
  loss: Tensor;
  /** ∂loss/∂θ per parameter tensor, canonical order and tfjs shapes. */
  grads: Tensor[];
}

/**
 * Mean negative log-likelihood of a batch and its gradient, by the adapter's own backward pass
 * (one output vector ∂loss/∂f per example, K = 1) and parameter gradients Σ_t a_tᵀ g_t with
 * explicit transposes: faster than tfjs autodiff on wasm, whose matMul gradients use the slow
 * transposed-operand kernels. NLL: softmax cross-entropy, or ½‖f − y‖²/σ² for regression
 * (constants dropped). Call inside `tf.tidy` or dispose the result.
 *
 * Throws `InvalidOptionError` for an unknown likelihood or a σ outside {@link checkSigma}'s range,
 * `ShapeMismatchError` / `InvalidDataError` for inputs that do not fit the model
 * ({@link checkModelInput}: shape, dtype, 0 rows) or bad labels ({@link denseTargets}), and
 * `NonFiniteError` (nothing returned, nothing left allocated) when the loss or a gradient is NaN/Inf,
 * e.g. for NaN/Inf or huge inputs: one small read-back per call.
 */
export function meanNllGradients(adapter: ModelAdapter, likelihood: LikelihoodName, xs: Tensor, ys: Tensor, sigma = 1): LossAndGradients {
  const out = meanNllGradientsUnchecked(adapter, likelihood, xs, ys, sigma);
  const bad = firstNonFinite([out.loss, ...out.grads]);
  if (bad >= 0) {
    tf.dispose([out.loss, ...out.grads]);
    throw nonFiniteNll(adapter, bad);
  }
  return out;
}

/**
 * {@link meanNllGradients} without the NaN/Inf read-back (inputs, labels and options are checked):
 * for callers that check the values themselves, once, after adding their own terms (`trainEpoch`).
 * @internal
 */
export function meanNllGradientsUnchecked(
  adapter: ModelAdapter,
  likelihood: LikelihoodName,
  xs: Tensor,
  ys: Tensor,
  sigma = 1,
): LossAndGradients {
  const lik = checkLikelihood(likelihood);
  checkSigma(sigma);
  checkModelInput(adapter, xs, 'xs');
  const out = tf.tidy(() => {
    const n = xs.shape[0];
    const y = denseTargets(lik, ys, n, adapter.outputDim);
    const trace = adapter.forward(xs);
    const f = trace.output;
    let loss: Tensor;
    let dF: Tensor;
    if (lik === 'classification') {
      loss = tf.div(tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(f)))), n);
      dF = tf.div(tf.sub(tf.softmax(f), y), n);
    } else {
      const r = tf.sub(f, y);
      loss = tf.div(tf.sum(tf.square(r)), 2 * n * sigma * sigma);
      dF = tf.div(r, n * sigma * sigma);
    }
    const grads = parameterGradients(adapter, trace, adapter.backward(trace, tf.expandDims(dF, 0)));
    return [loss, ...grads];
  });
  return { loss: out[0], grads: out.slice(1) };
}

/** The `NonFiniteError` of {@link meanNllGradients} for the `bad`-th of [loss, ...grads]. */
export function nonFiniteNll(adapter: ModelAdapter, bad: number): NonFiniteError {
  const what = bad === 0 ? 'the mean NLL' : `the gradient of '${adapter.params[bad - 1]?.name ?? `parameter ${bad - 1}`}'`;
  return new NonFiniteError(
    `${what} of model '${adapter.name}' is NaN or Inf: check the inputs and labels for NaN/Inf or huge values, σ and the weights`,
  );
}

/** Index of the first tensor holding a NaN/Inf (Σ 0·t is NaN exactly then; one read-back), or -1. */
export function firstNonFinite(ts: readonly Tensor[]): number {
  const probes = tf.tidy(() => tf.stack(ts.map((t) => tf.sum(tf.mul(t, 0)))).dataSync());
  return Array.from(probes).findIndex((p) => !Number.isFinite(p));
}
