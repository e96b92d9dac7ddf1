import * as tf from '@tensorflow/tfjs-core';
import type { LayerLike, LayerVariableLike } from '../../model-like.js';
import type { AdaptedLayer, LayerWeight, WeightedLayer } from '../types.js';
import { UnsupportedLayerError } from '../../errors.js';
import { activationOf, pair, requireChannelsLast, requireRank } from './util.js';
import { vectorUnits, withActivation } from './util-weighted.js';
import { depthwiseBiasGrads, depthwiseGeometry, depthwiseInputVjp, depthwiseKernelGrads } from './depthwise-ops.js';

/** Checks the options a depthwise convolution supports (channels-last, valid/same, dilation 1). */
export function checkDepthwiseConfig(layer: LayerLike, cfg: Record<string, unknown>, inputShape: number[]): void {
  requireChannelsLast(layer, cfg);
  requireRank(layer, inputShape, 3);
  const dilation = pair(cfg.dilationRate, 1);
  if (dilation[0] !== 1 || dilation[1] !== 1) {
    // tfjs 4.22's DepthwiseConv2D ignores dilationRate in call (SeparableConv2D applies it): refuse both.
    throw new UnsupportedLayerError(layer.name, layer.getClassName(), `dilationRate [${dilation}] (only 1)`);
  }
}

/**
 * The linear depthwise part z = depthwiseConv2d(x, K) (+ b): a weighted layer (no Kronecker form:
 * output channel c·mult + m sees input channel c only) with the kernel `[kh, kw, in, mult]`
 * (role `'kernel'`, window kh·kw, no input units, in·mult output units) and the bias, if given.
 */
export function depthwiseLinear(
  layer: LayerLike,
  inputShape: number[],
  kernel: LayerVariableLike,
  kernelWeight: string,
  bias: LayerVariableLike | null,
  cfg: Record<string, unknown>,
): WeightedLayer {
  const kshape = kernel.shape as number[];
  if (kshape.length !== 4 || kshape[2] !== inputShape[2]) {
    throw new UnsupportedLayerError(
      layer.name,
      layer.getClassName(),
      `${kernelWeight} [${kshape}] does not match an input with ${inputShape[2]} channels`,
    );
  }
  const strides = pair(cfg.strides, 1);
  const g = depthwiseGeometry(kshape, inputShape, strides, (cfg.padding ?? 'valid') as 'valid' | 'same');
  const outC = g.cin * g.mult;
  const weights: LayerWeight[] = [
    { weight: kernelWeight, role: 'kernel', variable: kernel, units: { window: g.kh * g.kw, inUnits: null, outUnits: outC } },
  ];
  if (bias) weights.push({ weight: 'bias', role: 'bias', variable: bias, units: vectorUnits(outC) });
  return {
    kind: 'weighted',
    name: layer.name,
    className: layer.getClassName(),
    inputShape,
    outputShape: [g.ho, g.wo, outC],
    weights,
    forward: (x) =>
      tf.tidy(() => {
        const z = tf.depthwiseConv2d(x as tf.Tensor4D, kernel.read() as tf.Tensor4D, g.strides, g.padding);
        return bias ? tf.add(z, bias.read()) : z;
      }),
    vjp: (dy) => depthwiseInputVjp(dy, kernel.read(), g),
    // Structured removal: output channel c·mult + m follows input channel c; the kernel is sliced on its input axis.
    channels: {
      flow: 'follow',
      source: Int32Array.from({ length: outC }, (_, i) => Math.floor(i / g.mult)),
      weights: [{ variable: kernel, axis: 2, by: 'input' }, ...(bias ? [{ variable: bias, axis: 0, by: 'output' as const }] : [])],
    },
    weightVjp: (dy, x) => {
      const out = [depthwiseKernelGrads(dy, x, g)];
      if (bias) out.push(depthwiseBiasGrads(dy));
      return out;
    },
  };
}

/**
 * `tf.layers.depthwiseConv2d` (channels-last, `depthMultiplier`, strides, valid/same, no dilation,
 * `useBias`, activation): the weighted linear part ({@link depthwiseLinear}) followed by the
 * activation as an op layer (a chain of two nodes unless the activation is linear). Per-example
 * weight gradients are exact, computed with ops wasm has.
 */
export function depthwiseConv2dLayer(layer: LayerLike, inputShape: number[]): WeightedLayer | AdaptedLayer[] {
  const cfg = layer.getConfig();
  checkDepthwiseConfig(layer, cfg, inputShape);
  const [kernel, maybeBias] = layer.weights;
  if (!kernel) throw new UnsupportedLayerError(layer.name, layer.getClassName(), 'depthwise_kernel is missing');
  const bias = cfg.useBias === false ? null : (maybeBias ?? null);
  if (!kernel.trainable || (bias && !bias.trainable)) {
    throw new UnsupportedLayerError(layer.name, layer.getClassName(), 'non-trainable (frozen) weights');
  }
  return withActivation(
    layer,
    depthwiseLinear(layer, inputShape, kernel, 'depthwise_kernel', bias, cfg),
    activationOf(layer, cfg.activation),
  );
}
