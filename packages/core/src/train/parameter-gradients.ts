import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { ForwardTrace, ModelAdapter } from '../adapter/model-adapter.js';

/**
 * Parameter gradients J_θᵀ v per canonical block (tfjs shapes) for ONE output-space vector per
 * example: `gz` is `adapter.backward(trace, v)` with v `[1, N, outDim]`. Affine layers: Σ_t a_tᵀ g_t
 * of the expanded input (explicit transposes, no `Conv2DBackpropFilter`: exact on wasm); weighted
 * layers: their `weightVjp` summed over the batch. Call inside `tf.tidy`.
 */
export function parameterGradients(adapter: ModelAdapter, trace: ForwardTrace, gz: readonly Tensor[]): Tensor[] {
  const grads: Tensor[] = [];
  trace.captures.forEach((cap, i) => {
    const layer = cap.layer;
    if (layer.kind === 'weighted') {
      for (const g of layer.weightVjp(gz[i], cap.input, cap.preactivation)) grads.push(tf.sum(tf.squeeze(g, [0]), 0));
      return;
    }
    const a = tf.reshape(layer.expandInput(cap.input), [-1, layer.fanIn]);
    const g = tf.reshape(gz[i], [-1, layer.units]);
    grads.push(tf.reshape(tf.matMul(tf.transpose(a) as tf.Tensor2D, g as tf.Tensor2D), layer.kernel.shape as number[]));
    if (layer.bias) grads.push(tf.sum(g, 0));
  });
  return grads;
}
