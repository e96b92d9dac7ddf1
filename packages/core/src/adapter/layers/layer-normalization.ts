import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { LayerLike } from '../../model-like.js';
import type { ChannelFacts, LayerWeight, OpLayer, WeightedLayer } from '../types.js';
import { channelSums, normalizationConfig, toKNSC, toNSC, vectorUnits } from './util-weighted.js';

/** x̂ = (x − μ)/√(σ² + ε) over the last axis (biased variance) and 1/√(σ² + ε), both `[N, S, ·]`. */
function normalise(x: Tensor, eps: number): { xhat: Tensor; rstd: Tensor } {
  const x3 = toNSC(x);
  const mu = tf.mean(x3, -1, true);
  const xc = tf.sub(x3, mu);
  const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(xc), -1, true), eps));
  return { xhat: tf.mul(xc, rstd), rstd };
}

/**
 * `tf.layers.layerNormalization` on the last axis: y = x̂·γ + β with x̂ normalised per position
 * over the features (biased variance), ε = config `epsilon` (tfjs default 1e-3). Trainable weights
 * `gamma` (role `'scale'`) and `beta` (role `'bias'`) per its `scale`/`center` flags. The input VJP
 * goes through the statistics: dx = (dx̂ − mean(dx̂) − x̂·mean(dx̂ ⊙ x̂))/√(σ² + ε), dx̂ = dy ⊙ γ.
 * Without trainable weights it is a parameter-free op layer. Other axes are refused.
 */
export function layerNormalizationLayer(layer: LayerLike, inputShape: number[]): WeightedLayer | OpLayer {
  const className = layer.getClassName();
  const { eps, gamma, beta } = normalizationConfig(layer, inputShape, 'gamma, beta');
  const c = inputShape[inputShape.length - 1];
  const forward = (x: Tensor) =>
    tf.tidy(() => {
      const { xhat } = normalise(x, eps);
      const scaled = gamma ? tf.mul(xhat, gamma.read()) : xhat;
      return tf.reshape(beta ? tf.add(scaled, beta.read()) : scaled, x.shape);
    });
  const vjp = (dy: Tensor, x: Tensor) =>
    tf.tidy(() => {
      const { xhat, rstd } = normalise(x, eps);
      const d = toKNSC(dy);
      const dxhat = gamma ? tf.mul(d, gamma.read()) : d;
      const m1 = tf.mean(dxhat, -1, true);
      const m2 = tf.mean(tf.mul(dxhat, xhat), -1, true);
      const dx = tf.mul(tf.sub(tf.sub(dxhat, m1), tf.mul(xhat, m2)), rstd);
      return tf.reshape(dx, dy.shape);
    });
  const weights: LayerWeight[] = [];
  if (gamma?.trainable) weights.push({ weight: 'gamma', role: 'scale', variable: gamma, units: vectorUnits(c) });
  if (beta?.trainable) weights.push({ weight: 'beta', role: 'bias', variable: beta, units: vectorUnits(c) });
  // Structured removal: γ, β per channel; the statistics mix the channels (removal renormalises).
  const channels: ChannelFacts = {
    flow: 'follow',
    normalizes: true,
    weights: [gamma, beta].flatMap((v) => (v ? [{ variable: v, axis: 0, by: 'output' as const }] : [])),
  };
  const base = { name: layer.name, className, inputShape, outputShape: inputShape, forward, vjp, channels };
  if (weights.length === 0) return { kind: 'op', ...base };
  return {
    kind: 'weighted',
    ...base,
    weights,
    weightVjp: (dy, x) =>
      tf.tidy(() => {
        const xhat = weights.some((w) => w.weight === 'gamma') ? tf.reshape(normalise(x, eps).xhat, x.shape) : null;
        return weights.map((w) => channelSums(dy, w.weight === 'gamma' ? xhat : null));
      }),
  };
}
