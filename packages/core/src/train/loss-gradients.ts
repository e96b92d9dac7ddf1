import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { ModelAdapter } from '../adapter/model-adapter.js';
import { denseTargets, type LikelihoodName } from '../likelihood.js';

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
 */
export function meanNllGradients(
  adapter: ModelAdapter,
  likelihood: LikelihoodName,
  xs: Tensor,
  ys: Tensor,
  sigma = 1,
): LossAndGradients {
  const out = tf.tidy(() => {
    const n = xs.shape[0];
    const y = denseTargets(likelihood, ys, n, adapter.outputDim);
    const trace = adapter.forward(xs);
    const f = trace.output;
    let loss: Tensor;
    let dF: Tensor;
    if (likelihood === 'classification') {
      loss = tf.div(tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(f)))), n);
      dF = tf.div(tf.sub(tf.softmax(f), y), n);
    } else {
      const r = tf.sub(f, y);
      loss = tf.div(tf.sum(tf.square(r)), 2 * n * sigma * sigma);
      dF = tf.div(r, n * sigma * sigma);
    }
    const gz = adapter.backward(trace, tf.expandDims(dF, 0));
    const grads: Tensor[] = [];
    trace.captures.forEach((cap, i) => {
      const layer = cap.layer;
      if (layer.kind === 'weighted') {
        // Σ over the batch of the per-example weight gradients (K = 1).
        for (const g of layer.weightVjp(gz[i], cap.input, cap.preactivation)) grads.push(tf.sum(tf.squeeze(g, [0]), 0));
        return;
      }
      const a = tf.reshape(layer.expandInput(cap.input), [-1, layer.fanIn]);
      const g = tf.reshape(gz[i], [-1, layer.units]);
      grads.push(tf.reshape(tf.matMul(tf.transpose(a) as tf.Tensor2D, g as tf.Tensor2D), layer.kernel.shape as number[]));
      if (layer.bias) grads.push(tf.sum(g, 0));
    });
    return [loss, ...grads];
  });
  return { loss: out[0], grads: out.slice(1) };
}
