import type { LayerLike } from '../../model-like.js';
import type { ParametricLayer } from '../types.js';
import { UnsupportedLayerError } from '../../errors.js';
import { activationOf } from './util.js';
import { tokenwiseAffine } from './util-weighted.js';

/**
 * `tf.layers.dense` on inputs of any rank: z = x W + b on the last axis, W `[in, out]`. On
 * `[N, ...middle, in]` it acts token-wise: T = product of the middle axes locations, the expanded
 * input is the `[N, T, in]` rows (KFAC "expand").
 */
export function denseLayer(layer: LayerLike, inputShape: number[]): ParametricLayer {
  const cfg = layer.getConfig();
  if (inputShape.length < 1) throw new UnsupportedLayerError(layer.name, 'Dense', 'a scalar input (rank 1 [N])');
  const [kernel, maybeBias] = layer.weights;
  if (!kernel || kernel.shape.length !== 2) throw new UnsupportedLayerError(layer.name, 'Dense', 'kernel is missing');
  const bias = cfg.useBias === false ? null : (maybeBias ?? null);
  return tokenwiseAffine({
    layer,
    inputShape,
    kernel,
    bias,
    activation: activationOf(layer, cfg.activation),
    unitSlicing: { inputAxis: 0, unitsKey: 'units' },
  });
}
