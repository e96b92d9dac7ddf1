import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { LayerLike } from '../../model-like.js';
import type { ChannelFacts, LayerWeight, OpLayer, WeightedLayer } from '../types.js';
import { UnsupportedLayerError } from '../../errors.js';
import { channelSums, normalizationConfig, toKNSC, vectorUnits } from './util-weighted.js';

/**
 * `tf.layers.batchNormalization` in inference mode (axis −1 only): with the moving statistics μ, v,
 * y = (x − μ)·γ/√(v + ε) + β, ε = config `epsilon` (tfjs default 1e-3). A weighted layer whose
 * trainable weights are `gamma` (role `'scale'`, when `scale`) and `beta` (role `'bias'`, when
 * `center`), in tfjs order; the moving statistics are constants. Per-example weight gradients sum
 * over every axis but the channels. Without trainable weights (`center` and `scale` false, or a
 * frozen layer) it is a parameter-free op layer.
 */
export function batchNormalizationLayer(layer: LayerLike, inputShape: number[]): WeightedLayer | OpLayer {
  const className = layer.getClassName();
  const { eps, gamma, beta, rest } = normalizationConfig(layer, inputShape, 'gamma, beta, moving_mean, moving_variance');
  const [movingMean, movingVar] = rest;
  const c = inputShape[inputShape.length - 1];
  if (!movingMean || !movingVar) {
    throw new UnsupportedLayerError(
      layer.name,
      className,
      'weights are missing (expected gamma, beta, moving_mean, moving_variance per its center/scale flags)',
    );
  }
  /** γ/√(v + ε) (1/√(v + ε) without γ). */
  const factor = () =>
    tf.tidy(() => (gamma ? tf.mul(gamma.read(), tf.rsqrt(tf.add(movingVar.read(), eps))) : tf.rsqrt(tf.add(movingVar.read(), eps))));
  const forward = (x: Tensor) =>
    tf.tidy(() => {
      const y = tf.mul(tf.sub(x, movingMean.read()), factor());
      return beta ? tf.add(y, beta.read()) : y;
    });
  // dx = dy ⊙ γ/√(v + ε), with dy folded to rank 4.
  const vjp = (dy: Tensor) => tf.tidy(() => tf.reshape(tf.mul(toKNSC(dy), factor()), dy.shape));
  const weights: LayerWeight[] = [];
  if (gamma?.trainable) weights.push({ weight: 'gamma', role: 'scale', variable: gamma, units: vectorUnits(c) });
  if (beta?.trainable) weights.push({ weight: 'beta', role: 'bias', variable: beta, units: vectorUnits(c) });
  // Structured removal: every weight (γ, β, moving μ and σ²) holds one entry per channel.
  const channels: ChannelFacts = {
    flow: 'follow',
    weights: [gamma, beta, movingMean, movingVar].flatMap((v) => (v ? [{ variable: v, axis: 0, by: 'output' as const }] : [])),
  };
  const base = { name: layer.name, className, inputShape, outputShape: inputShape, forward, vjp, channels };
  if (weights.length === 0) return { kind: 'op', ...base };
  return {
    kind: 'weighted',
    ...base,
    weights,
    weightVjp: (dy, x) =>
      tf.tidy(() =>
        weights.map((w) =>
          w.weight === 'gamma'
            ? channelSums(dy, tf.mul(tf.sub(x, movingMean.read()), tf.rsqrt(tf.add(movingVar.read(), eps))))
            : channelSums(dy, null),
        ),
      ),
  };
}
