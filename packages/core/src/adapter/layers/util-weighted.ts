/**
 * Helpers shared by the adapters of layers with weights beyond Dense/Conv2D: a token-wise affine
 * map on the last axis (Dense on any rank, the pointwise half of SeparableConv2D), per-channel
 * reductions for normalisation layers, config checks, and the "weighted linear part, then
 * activation" chain.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { UnsupportedLayerError } from '../../errors.js';
import type { Activation } from '../../activations.js';
import type { LayerLike, LayerVariableLike } from '../../model-like.js';
import type { AdaptedLayer, ParametricLayer, UnitLayout, WeightedLayer } from '../types.js';
import { activationOpLayer } from './activation.js';

/** Product of a list of dimensions (1 for an empty list). */
export function prod(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Unit layout of a 1-D weight (bias, gamma, beta): window 1, no input units. */
export function vectorUnits(n: number): UnitLayout {
  return { window: 1, inUnits: null, outUnits: n };
}

/** Options of {@link tokenwiseAffine}. */
export interface TokenwiseAffineOptions {
  /** The tfjs layer (name, class). */
  layer: LayerLike;
  /** Per-example input shape `[..., fanIn]`. */
  inputShape: number[];
  /** Kernel variable whose row-major flatten is `[fanIn, units]` (`[in, out]`, or `[1, 1, in, out]`). */
  kernel: LayerVariableLike;
  /** tfjs weight name of the kernel when it is not `'kernel'`. */
  kernelWeight?: string;
  /** Bias `[units]` or null. */
  bias: LayerVariableLike | null;
  /** Activation after the affine map. */
  activation: Activation;
  /** Structured-removal facts, when the layer supports them. */
  unitSlicing?: ParametricLayer['unitSlicing'];
}

/**
 * z = x W + b applied to every position of x `[N, ...middle, fanIn]` (Dense on an input of any rank
 * acts on the last axis; a 1×1 convolution is the same map). Locations T = product of the middle
 * axes; the expanded input is x itself as `[N, T, fanIn]` rows. Transposes are explicit:
 * transposed-operand matMuls are ~13x slower on wasm.
 */
export function tokenwiseAffine(o: TokenwiseAffineOptions): ParametricLayer {
  const { layer, inputShape, kernel, bias } = o;
  const kshape = kernel.shape as number[];
  const units = kshape[kshape.length - 1];
  const fanIn = prod(kshape) / units;
  const cin = inputShape[inputShape.length - 1];
  if (cin !== fanIn) {
    throw new UnsupportedLayerError(
      layer.name,
      layer.getClassName(),
      `kernel [${kshape}] does not match an input with ${cin} features on its last axis`,
    );
  }
  const middle = inputShape.slice(0, -1);
  const locations = prod(middle);
  const outputShape = [...middle, units];
  const w2 = () => (kshape.length === 2 ? kernel.read() : tf.reshape(kernel.read(), [fanIn, units]));
  return {
    kind: 'parametric',
    name: layer.name,
    className: layer.getClassName(),
    inputShape,
    outputShape,
    kernel,
    ...(o.kernelWeight ? { kernelWeight: o.kernelWeight } : {}),
    bias,
    activation: o.activation,
    units,
    fanIn,
    locations,
    linear: (x) =>
      tf.tidy(() => {
        const n = x.shape[0];
        const z = tf.matMul(tf.reshape<tf.Rank.R2>(x, [n * locations, fanIn]), w2());
        const zb = bias ? tf.add(z, bias.read()) : z;
        return tf.reshape(zb, [n, ...outputShape]);
      }),
    // dx = gz Wᵀ with Wᵀ materialised.
    linearVjp: (gz) =>
      tf.tidy(() => {
        const [k, n] = gz.shape as number[];
        const dx = tf.matMul(tf.reshape<tf.Rank.R2>(gz, [k * n * locations, units]), tf.transpose(w2()));
        return tf.reshape(dx, [k, n, ...inputShape]);
      }),
    expandInput: (x) => tf.reshape(x, [x.shape[0], locations, fanIn]),
    ...(o.unitSlicing ? { unitSlicing: o.unitSlicing } : {}),
  };
}

/**
 * A weighted layer's linear part followed by its activation: the layer alone for `linear`, else
 * the chain [layer, activation op] (the op carries the activation's own facts and VJP).
 */
export function withActivation(layer: LayerLike, linearPart: WeightedLayer, act: Activation): WeightedLayer | AdaptedLayer[] {
  if (act.name === 'linear') return linearPart;
  return [linearPart, activationOpLayer(layer, linearPart.outputShape, act)];
}

/**
 * True when a normalisation layer's `axis` config (a number or a one-entry list, negative or
 * counting the batch axis as tfjs does) is the last axis of a per-example shape of the given rank.
 */
export function isLastAxis(axis: unknown, perExampleRank: number): boolean {
  const list = Array.isArray(axis) ? axis : [axis ?? -1];
  if (list.length !== 1 || typeof list[0] !== 'number') return false;
  const a = list[0];
  return a === -1 || a === perExampleRank;
}

/** What BatchNormalization and LayerNormalization share in their config: ε and the optional γ, β. */
export interface NormalizationConfig {
  readonly eps: number;
  readonly gamma: LayerVariableLike | null;
  readonly beta: LayerVariableLike | null;
  /** The layer's remaining weights after γ and β (BN's moving statistics). */
  readonly rest: LayerVariableLike[];
}

/**
 * Reads a normalisation layer's config (last axis only, else `UnsupportedLayerError` naming the
 * axis): ε (tfjs default 1e-3) and γ / β per its `scale` / `center` flags, in tfjs weight order.
 * `weightNames` lists every weight expected, for the error when one is missing.
 */
export function normalizationConfig(layer: LayerLike, inputShape: number[], weightNames: string): NormalizationConfig {
  const cfg = layer.getConfig();
  if (!isLastAxis(cfg.axis, inputShape.length)) {
    throw new UnsupportedLayerError(
      layer.name,
      layer.getClassName(),
      `axis ${JSON.stringify(cfg.axis)} (only the last axis, -1, for an input of rank ${inputShape.length + 1})`,
    );
  }
  const weights = [...layer.weights];
  const gamma = cfg.scale === false ? null : (weights.shift() ?? undefined);
  const beta = cfg.center === false ? null : (weights.shift() ?? undefined);
  if (gamma === undefined || beta === undefined) {
    throw new UnsupportedLayerError(
      layer.name,
      layer.getClassName(),
      `weights are missing (expected ${weightNames} per its center/scale flags)`,
    );
  }
  return { eps: typeof cfg.epsilon === 'number' ? cfg.epsilon : 1e-3, gamma, beta, rest: weights };
}

/** Reshapes `[K, N, ...middle, C]` to `[K, N, S, C]` (S = product of the middle axes). */
export function toKNSC(t: Tensor): Tensor {
  const [k, n] = t.shape as number[];
  const c = t.shape[t.shape.length - 1];
  return tf.reshape(t, [k, n, t.size / (k * n * c), c]);
}

/** Reshapes `[N, ...middle, C]` to `[N, S, C]`. */
export function toNSC(t: Tensor): Tensor {
  const n = t.shape[0];
  const c = t.shape[t.shape.length - 1];
  return tf.reshape(t, [n, t.size / (n * c), c]);
}

/**
 * Per-example, per-channel sums of `dy ⊙ u` for a cotangent `dy` `[K, N, ...middle, C]` and a
 * per-example tensor u `[N, ...middle, C]` (null: u = 1): `[K, N, C]`. Ops stay at rank ≤ 4.
 */
export function channelSums(dy: Tensor, u: Tensor | null): Tensor {
  return tf.tidy(() => {
    const d = toKNSC(dy);
    const prodT = u ? tf.mul(d, toNSC(u)) : d;
    return tf.sum(prodT, 2);
  });
}
