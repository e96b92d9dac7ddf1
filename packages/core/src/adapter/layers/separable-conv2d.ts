import type { LayerLike } from '../../model-like.js';
import type { AdaptedLayer } from '../types.js';
import { UnsupportedLayerError } from '../../errors.js';
import { activationOf } from './util.js';
import { tokenwiseAffine } from './util-weighted.js';
import { checkDepthwiseConfig, depthwiseLinear } from './depthwise-conv2d.js';

/**
 * `tf.layers.separableConv2d` (channels-last, `depthMultiplier`, strides, valid/same, no
 * dilation): a chain of two nodes, as tfjs computes it — the depthwise convolution (a weighted
 * layer with `depthwise_kernel`, no bias) with the layer's strides and padding, then the 1×1
 * pointwise convolution as an affine layer with a Kronecker form (kernel `pointwise_kernel`
 * `[1, 1, in·mult, filters]`, `bias`, the activation; T = output positions). Parameter order
 * `depthwise_kernel`, `pointwise_kernel`, `bias`, as tfjs's.
 */
export function separableConv2dLayer(layer: LayerLike, inputShape: number[]): AdaptedLayer[] {
  const cfg = layer.getConfig();
  checkDepthwiseConfig(layer, cfg, inputShape);
  const [depthwise, pointwise, maybeBias] = layer.weights;
  if (!depthwise || !pointwise || pointwise.shape.length !== 4) {
    throw new UnsupportedLayerError(layer.name, layer.getClassName(), 'depthwise_kernel or pointwise_kernel is missing');
  }
  const bias = cfg.useBias === false ? null : (maybeBias ?? null);
  if (![depthwise, pointwise, bias].every((w) => w === null || w.trainable)) {
    throw new UnsupportedLayerError(layer.name, layer.getClassName(), 'non-trainable (frozen) weights');
  }
  const first = depthwiseLinear(layer, inputShape, depthwise, 'depthwise_kernel', null, cfg);
  const second = tokenwiseAffine({
    layer,
    inputShape: first.outputShape,
    kernel: pointwise,
    kernelWeight: 'pointwise_kernel',
    bias,
    activation: activationOf(layer, cfg.activation),
    unitSlicing: { inputAxis: 2, unitsKey: 'filters' },
  });
  return [first, second];
}
