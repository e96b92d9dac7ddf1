import * as tf from '@tensorflow/tfjs-core';
import type { LayerLike } from '../../model-like.js';
import type { ParametricLayer } from '../types.js';
import { UnsupportedLayerError } from '../../errors.js';
import { activationOf, foldK, requireRank, unfoldK } from './util.js';

/** `tf.layers.dense` on `[N, in]` inputs: z = x W + b, W `[in, out]`. */
export function denseLayer(layer: LayerLike, inputShape: number[]): ParametricLayer {
  requireRank(layer, inputShape, 1);
  const cfg = layer.getConfig();
  const [kernel, maybeBias] = layer.weights;
  if (!kernel || kernel.shape.length !== 2) throw new UnsupportedLayerError(layer.name, 'Dense', 'kernel is missing');
  const bias = cfg.useBias === false ? null : maybeBias ?? null;
  const [fanIn, units] = kernel.shape as number[];
  return {
    kind: 'parametric',
    name: layer.name,
    className: layer.getClassName(),
    inputShape,
    outputShape: [units],
    kernel,
    bias,
    activation: activationOf(layer, cfg.activation),
    units,
    fanIn,
    locations: 1,
    linear: (x) => {
      const z = tf.matMul(x as tf.Tensor2D, kernel.read() as tf.Tensor2D);
      return bias ? tf.add(z, bias.read()) : z;
    },
    // dx = gz Wᵀ, with Wᵀ materialised: transposed matMul flags are ~13x slower on wasm.
    linearVjp: (gz) =>
      tf.tidy(() => unfoldK(tf.matMul(foldK(gz) as tf.Tensor2D, tf.transpose(kernel.read()) as tf.Tensor2D), gz.shape[0])),
    expandInput: (x) => tf.reshape(x, [x.shape[0], 1, fanIn]),
    unitSlicing: { inputAxis: 0, unitsKey: 'units' },
  };
}
