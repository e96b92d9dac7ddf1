import * as tf from '@tensorflow/tfjs-core';
import type { LayerLike } from '../../model-like.js';
import type { ParametricLayer } from '../types.js';
import { UnsupportedLayerError } from '../../errors.js';
import { convInputVjp } from './conv-vjp.js';
import { convKernelGradSquares } from './conv-kernel-grads.js';
import { activationOf, foldK, requireRank, unfoldK, windowOutputSize } from './util.js';

/** The single entry of a 1-D conv option (a number or a one-entry list). */
function single(v: unknown, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  return Array.isArray(v) ? (v[0] as number) : (v as number);
}

/**
 * `tf.layers.conv1d` (channels-last `[N, W, in]`, strides, `valid`/`same`, dilation 1):
 * z = conv1d(x, W) + b with W `[k, in, out]`. Its input expands to im2col rows
 * `[N, W_out, k·in]` in the kernel's row-major order (z_t = a_t · W.reshape(k·in, out)), by a
 * convolution with a one-hot kernel as for Conv2D. `causal` padding is refused (tfjs 4.22 cannot
 * run it either).
 */
export function conv1dLayer(layer: LayerLike, inputShape: number[]): ParametricLayer {
  const cfg = layer.getConfig();
  const className = layer.getClassName();
  // Conv1D's getConfig drops dataFormat; the layer object keeps it.
  const fmt = (layer as unknown as { dataFormat?: string }).dataFormat ?? cfg.dataFormat ?? 'channelsLast';
  if (fmt !== 'channelsLast') throw new UnsupportedLayerError(layer.name, className, `dataFormat '${String(fmt)}' (only channelsLast)`);
  const padding = (cfg.padding ?? 'valid') as string;
  if (padding !== 'valid' && padding !== 'same') {
    throw new UnsupportedLayerError(
      layer.name,
      className,
      `padding '${padding}' (only 'valid' and 'same'; tfjs 4.22 does not run 'causal' either)`,
    );
  }
  requireRank(layer, inputShape, 2);
  const dilation = single(cfg.dilationRate, 1);
  if (dilation !== 1) throw new UnsupportedLayerError(layer.name, className, `dilationRate ${dilation} (only 1)`);
  const [kernel, maybeBias] = layer.weights;
  if (!kernel || kernel.shape.length !== 3) throw new UnsupportedLayerError(layer.name, className, 'kernel is missing');
  const bias = cfg.useBias === false ? null : (maybeBias ?? null);
  const [k, cin, units] = kernel.shape as number[];
  const stride = single(cfg.strides, 1);
  const pad = padding;
  const [w] = inputShape;
  const wo = windowOutputSize(w, k, stride, pad);
  const fanIn = k * cin;
  return {
    kind: 'parametric',
    name: layer.name,
    className,
    inputShape,
    outputShape: [wo, units],
    kernel,
    bias,
    activation: activationOf(layer, cfg.activation),
    units,
    fanIn,
    locations: wo,
    linear: (x) =>
      tf.tidy(() => {
        const z = tf.conv1d(x as tf.Tensor3D, kernel.read() as tf.Tensor3D, stride, pad);
        return bias ? tf.add(z, bias.read()) : z;
      }),
    // The 1-D convolution as a 2-D one of height 1, its adjoint a convolution with the flipped kernel.
    linearVjp: (gz) =>
      tf.tidy(() => {
        const kk = gz.shape[0];
        const g = foldK(gz);
        const m = g.shape[0];
        const g4 = tf.reshape<tf.Rank.R4>(g, [m, 1, wo, units]);
        const w4 = tf.reshape<tf.Rank.R4>(kernel.read(), [1, k, cin, units]);
        const dx = convInputVjp(g4, w4, [1, w], [1, stride], pad);
        return unfoldK(tf.reshape(dx, [m, w, cin]), kk);
      }),
    // im2col: output channel j·in + c copies x[t·s + j − pad, c].
    expandInput: (x) =>
      tf.tidy(() => {
        const n = x.shape[0];
        const eye = tf.reshape<tf.Rank.R4>(tf.eye(fanIn), [1, k, cin, fanIn]);
        const patches = tf.conv2d(tf.reshape<tf.Rank.R4>(x, [n, 1, w, cin]), eye, [1, stride], pad);
        return tf.reshape(patches, [n, wo, fanIn]);
      }),
    // The 1-D convolution as a 2-D one of height 1.
    squaredKernelGrads: (x, gz) =>
      tf.tidy(() =>
        convKernelGradSquares(
          tf.reshape(x, [x.shape[0], 1, w, cin]),
          tf.reshape(gz, [gz.shape[0], gz.shape[1] as number, 1, wo, units]),
          [1, k],
          [1, stride],
          pad,
        ),
      ),
    unitSlicing: { inputAxis: 1, unitsKey: 'filters' },
  };
}
