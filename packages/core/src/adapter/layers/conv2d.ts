import * as tf from '@tensorflow/tfjs-core';
import type { LayerLike } from '../../model-like.js';
import type { ParametricLayer } from '../types.js';
import { UnsupportedLayerError } from '../../errors.js';
import { convInputVjp } from './conv-vjp.js';
import { convKernelGradSquares } from './conv-kernel-grads.js';
import { activationOf, foldK, pair, requireChannelsLast, requireRank, unfoldK, windowOutputSize } from './util.js';

/**
 * `tf.layers.conv2d` (channels-last, strides, valid/same, no dilation): z = conv(x, W) + b with
 * W `[kh, kw, in, out]`. Its input expands to im2col patches `[N, H_out·W_out, kh·kw·in]` in
 * the kernel's row-major order, so that z_t = a_t · W.reshape(kh·kw·in, out).
 */
export function conv2dLayer(layer: LayerLike, inputShape: number[]): ParametricLayer {
  const cfg = layer.getConfig();
  requireChannelsLast(layer, cfg);
  requireRank(layer, inputShape, 3);
  const dilation = pair(cfg.dilationRate, 1);
  if (dilation[0] !== 1 || dilation[1] !== 1) throw new UnsupportedLayerError(layer.name, 'Conv2D', `dilationRate [${dilation}]`);
  const [kernel, maybeBias] = layer.weights;
  if (!kernel || kernel.shape.length !== 4) throw new UnsupportedLayerError(layer.name, 'Conv2D', 'kernel is missing');
  const bias = cfg.useBias === false ? null : (maybeBias ?? null);
  const [kh, kw, cin, units] = kernel.shape as number[];
  const strides = pair(cfg.strides, 1);
  const padding = (cfg.padding ?? 'valid') as 'valid' | 'same';
  const [h, w] = inputShape;
  const ho = windowOutputSize(h, kh, strides[0], padding);
  const wo = windowOutputSize(w, kw, strides[1], padding);
  const fanIn = kh * kw * cin;
  return {
    kind: 'parametric',
    name: layer.name,
    className: layer.getClassName(),
    inputShape,
    outputShape: [ho, wo, units],
    kernel,
    bias,
    activation: activationOf(layer, cfg.activation),
    units,
    fanIn,
    locations: ho * wo,
    linear: (x) => {
      const z = tf.conv2d(x as tf.Tensor4D, kernel.read() as tf.Tensor4D, strides, padding);
      return bias ? tf.add(z, bias.read()) : z;
    },
    linearVjp: (gz) =>
      tf.tidy(() => {
        const k = gz.shape[0];
        const g = foldK(gz) as tf.Tensor4D;
        return unfoldK(convInputVjp(g, kernel.read() as tf.Tensor4D, [h, w], strides, padding), k);
      }),
    // im2col as a convolution with a one-hot kernel: output channel (i·kw + j)·in + c copies x[i, j, c].
    expandInput: (x) =>
      tf.tidy(() => {
        const eye = tf.reshape(tf.eye(fanIn), [kh, kw, cin, fanIn]) as tf.Tensor4D;
        const patches = tf.conv2d(x as tf.Tensor4D, eye, strides, padding);
        return tf.reshape(patches, [x.shape[0], ho * wo, fanIn]);
      }),
    // Overlapping windows only: non-overlapping patches (a ViT's patch embedding, stride = kernel) are a
    // reshape of x, and the expanded-input route is faster there (a large dilation slows the depthwise one).
    ...(strides[0] < kh || strides[1] < kw
      ? { squaredKernelGrads: (x: tf.Tensor, gz: tf.Tensor) => convKernelGradSquares(x, gz, [kh, kw], strides, padding) }
      : {}),
    unitSlicing: { inputAxis: 2, unitsKey: 'filters' },
  };
}
