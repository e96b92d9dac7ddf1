import type { Tensor } from '@tensorflow/tfjs-core';
import type { Activation } from '../activations.js';
import type { LayerLike, LayerVariableLike } from '../model-like.js';

/**
 * A parameter-free layer re-expressed with tfjs-core ops.
 * Cotangents carry a leading K axis: `dy` is `[K, N, ...outputShape]`, the result `[K, N, ...inputShape]`.
 */
export interface OpLayer {
  readonly kind: 'op';
  /** The layer's name in the model. */
  readonly name: string;
  /** tfjs class name, e.g. `'MaxPooling2D'`. */
  readonly className: string;
  /** Per-example input shape (no batch axis). */
  readonly inputShape: number[];
  /** Per-example output shape (no batch axis). */
  readonly outputShape: number[];
  /** The activation, for `Activation`/`ReLU` layers (so a final softmax can be recognised). */
  readonly activation?: Activation;
  /**
   * Second-order facts, kept on the layer (as BackPACK keeps `hessian_is_zero` on a module's
   * extension) for exact Hessian-vector products (GraSP) and tangent passes:
   * `'linear'` — y is a linear map of x, so J u = forward(u) (reshapes, dropout, average pooling);
   * `'piecewise-linear'` — the second derivative vanishes almost everywhere and J u is taken from
   * {@link OpLayer.vjp} (max pooling). Layers with an {@link OpLayer.activation} take their facts from
   * it. Leave it undefined for anything else: consumers that need it then refuse the layer with a
   * typed error naming it.
   */
  readonly linearity?: 'linear' | 'piecewise-linear';
  /** y = layer(x) for x `[N, ...inputShape]`. */
  forward(x: Tensor): Tensor;
  /** dx = J_xᵀ dy for each of the K leading slices of `dy`, given the forward input x and output y. */
  vjp(dy: Tensor, x: Tensor, y: Tensor): Tensor;
  /**
   * Structured removal (`@spam/structured`): maps keep flags over the input's last axis (channels,
   * or the features of a vector) to keep flags over the output's last axis. Defined only when each
   * output element depends on input elements of one channel alone, from the same channel (so a
   * removed channel's values can be cut out after this layer), and the layer's config does not
   * depend on the channel count. Without it, removing units upstream of this layer is refused.
   */
  mapChannels?(keep: Uint8Array): Uint8Array;
  /** Structured removal: how channels pass through the layer ({@link ChannelFacts}). */
  readonly channels?: ChannelFacts;
}

/** A weight holding one slice per channel, for structured removal ({@link ChannelFacts}). */
export interface ChannelWeight {
  /** The live variable (any of the layer's weights, trainable or not: BN's moving statistics too). */
  readonly variable: LayerVariableLike;
  /** The axis of the variable indexed by channel. */
  readonly axis: number;
  /** Indexed by the input's channels (a depthwise kernel) or by the output's last-axis positions (BN's γ, β, μ, σ²; a bias). */
  readonly by: 'input' | 'output';
}

/**
 * Structured removal (`@spam/structured`): how a layer carries its inputs' channels (their last
 * axis) to its output's last axis, so that units removed upstream can be followed through it. A
 * layer without it (and without an identity {@link OpLayer.mapChannels}) is a barrier: channels
 * reaching it are not removed.
 */
export interface ChannelFacts {
  /**
   * `'follow'`: output position i carries channel `source[i]` of its input (identity when
   * `source` is omitted: activations, BatchNormalization, pooling, Dropout; Flatten i mod C;
   * depthwise ⌊i / multiplier⌋); for an element-wise merge, channel i of every input is one
   * channel (Add/Multiply/Average couple them). `'concat'`: the output's channels are the inputs'
   * channels one after another (Concatenate on the last axis). `'contract'`: a Dot, see `contract`.
   */
  readonly flow: 'follow' | 'concat' | 'contract';
  /** For `'follow'`: output last-axis position → input channel (identity when omitted). */
  readonly source?: Int32Array;
  /**
   * For `'contract'` (Dot): whether each input's last axis is the contracted one (q·kᵀ contracts
   * both: q's channel j meets k's channel j), and which input's last axis becomes the output's
   * last axis (attn·v: v's, input 1), or null when none does (q·kᵀ's output is over tokens).
   */
  readonly contract?: { readonly lastAxisContracted: readonly [boolean, boolean]; readonly outputFrom: 0 | 1 | null };
  /** Weights holding one slice per channel (sliced on removal, zeroed by masking). */
  readonly weights?: readonly ChannelWeight[];
  /**
   * True when the output mixes statistics over the channels (LayerNormalization normalises over
   * them): removing channels renormalises, so the result differs from masking them.
   */
  readonly normalizes?: boolean;
  /** Updates the layer's config for a new output channel count (Reshape's `targetShape`); absent when the config does not depend on it. */
  resize?(config: Record<string, unknown>, channels: number): void;
}

/**
 * A layer with a kernel (and optional bias) followed by an activation: y = f(z), z = x ⋆ W + b.
 * Its units are the last axis of the kernel.
 */
export interface ParametricLayer {
  readonly kind: 'parametric';
  readonly name: string;
  readonly className: string;
  readonly inputShape: number[];
  readonly outputShape: number[];
  /** Kernel variable in tfjs layout (`[in, out]`, `[k, in, out]`, `[kh, kw, in, out]`, Embedding `[vocab, out]`). */
  readonly kernel: LayerVariableLike;
  /** tfjs weight name of the kernel (`'embeddings'` for Embedding, `'pointwise_kernel'` …). Default `'kernel'`. */
  readonly kernelWeight?: string;
  /** Bias variable `[out]`, or null when `useBias` is false. */
  readonly bias: LayerVariableLike | null;
  /** The activation f applied after the affine map. */
  readonly activation: Activation;
  /** Number of output units (last kernel axis). */
  readonly units: number;
  /** Rows of the kernel flattened to `[fanIn, units]` (in, or kh·kw·in). */
  readonly fanIn: number;
  /** Output locations T per example (1 for Dense, H_out·W_out for Conv2D). */
  readonly locations: number;
  /** z = x ⋆ W + b for x `[N, ...inputShape]`. */
  linear(x: Tensor): Tensor;
  /** dx = J_xᵀ gz for gz `[K, N, ...outputShape]` (the input gradient of the affine map). */
  linearVjp(gz: Tensor): Tensor;
  /** The layer input as `[N, T, fanIn]` rows so that z_t = a_t W (im2col patches for Conv2D, one-hot rows for Embedding). */
  expandInput(x: Tensor): Tensor;
  /**
   * Optional fast route to the diagonal curvature of the kernel: Σ over K and N of the squared
   * per-example kernel gradients, `[fanIn, units]` (or the kernel's shape; same row-major order),
   * for pre-activation cotangents gz `[K, N, ...outputShape]` at input x `[N, ...inputShape]`.
   * Must equal the sum computed from {@link ParametricLayer.expandInput}; without it, consumers use that.
   */
  squaredKernelGrads?(x: Tensor, gz: Tensor): Tensor;
  /**
   * True when the layer takes integer ids (Embedding): it may consume an `int32` model input, and
   * its {@link ParametricLayer.linearVjp} is never called (an integer input has no gradient).
   */
  readonly integerInput?: boolean;
  /**
   * Structured removal (`@spam/structured`): the kernel axis holding the input channels (Dense 0,
   * Conv2D 2; the units are always the last axis) and the config key holding the unit count
   * (`'units'`, `'filters'`). Without it, the layer's units and inputs cannot be removed.
   */
  readonly unitSlicing?: { readonly inputAxis: number; readonly unitsKey: string };
}

/**
 * How a parameter tensor's entries map to units, for unit-wise priors: the tensor, flattened
 * row-major, is `[window, inUnits, outUnits]` (`inUnits` 1 when `inUnits` is null). Dense kernel
 * `[in, out]`: window 1; Conv2D `[kh, kw, in, out]`: window kh·kw; DepthwiseConv2D
 * `[kh, kw, in, mult]`: window kh·kw, no input units, outUnits in·mult; a vector (bias, gamma,
 * beta): window 1, no input units.
 */
export interface UnitLayout {
  /** Positions that share one unit pair (the spatial kernel window); 1 for Dense and vectors. */
  readonly window: number;
  /** Input units (fan-in channels), or null when the tensor has no input-unit axis. */
  readonly inUnits: number | null;
  /** Output units (the tensor's trailing axes flattened). */
  readonly outUnits: number;
}

/** One trainable weight of a {@link WeightedLayer}. */
export interface LayerWeight {
  /** tfjs weight name within the layer, e.g. `'gamma'`, `'depthwise_kernel'`. */
  readonly weight: string;
  /**
   * `'kernel'`: multiplies inputs (pruned by default, input and output units); `'bias'`: an
   * additive vector (beta); `'scale'`: an element-wise multiplier (gamma). Masks prune kernels by default.
   */
  readonly role: 'kernel' | 'bias' | 'scale';
  /** The live variable. */
  readonly variable: LayerVariableLike;
  /** Unit structure for unit-wise priors. */
  readonly units: UnitLayout;
}

/**
 * A layer with trainable weights but no Kronecker (input ⊗ output) form: BatchNormalization,
 * LayerNormalization, DepthwiseConv2D, PReLU, or a user's custom layer. Its curvature is an exact
 * diagonal block in every structure (`kron` too: "kron where it exists, diagonal elsewhere").
 * Cotangents carry a leading K axis as for {@link OpLayer}.
 */
export interface WeightedLayer {
  readonly kind: 'weighted';
  readonly name: string;
  readonly className: string;
  readonly inputShape: number[];
  readonly outputShape: number[];
  /** Trainable weights in tfjs's `layer.weights` order (non-trainable ones, e.g. moving statistics, excluded). */
  readonly weights: readonly LayerWeight[];
  /** y = layer(x) at the weights' current values. */
  forward(x: Tensor): Tensor;
  /** dx = J_xᵀ dy for each of the K leading slices of `dy` `[K, N, ...outputShape]`. */
  vjp(dy: Tensor, x: Tensor, y: Tensor): Tensor;
  /**
   * Second-order fact in the input x at fixed weights, as {@link OpLayer.linearity}:
   * `'piecewise-linear'` when {@link WeightedLayer.vjp} depends on x only through switches (PReLU),
   * so finite-difference Hessian-vector products (GraSP) may freeze them. Undefined: no claim.
   */
  readonly linearity?: 'linear' | 'piecewise-linear';
  /**
   * Per-example weight gradients J_θᵀ dy: one tensor `[K, N, ...weightShape]` per weight, for
   * cotangents `dy` `[K, N, ...outputShape]` at input x (output y). Summed over examples it is the
   * batch gradient; squared and summed, the curvature diagonal.
   */
  weightVjp(dy: Tensor, x: Tensor, y: Tensor): Tensor[];
  /** As {@link OpLayer.mapChannels} (BN, depthwise with multiplier 1 follow their input's channels). */
  mapChannels?(keep: Uint8Array): Uint8Array;
  /** Structured removal: how channels pass through the layer and which weights are per channel ({@link ChannelFacts}). */
  readonly channels?: ChannelFacts;
}

/**
 * A layer that combines several inputs (Add, Multiply, Average, Concatenate, Dot). Its VJP
 * returns one cotangent per input, each `[K, N, ...inputShapes[j]]`.
 */
export interface MergeLayer {
  readonly kind: 'merge';
  readonly name: string;
  readonly className: string;
  /** Per-example shapes of the inputs, in the order the layer was applied to them. */
  readonly inputShapes: number[][];
  readonly outputShape: number[];
  /** y = layer(x₁, …, x_m). */
  forward(xs: Tensor[]): Tensor;
  /** The cotangent of every input for `dy` `[K, N, ...outputShape]`. */
  vjp(dy: Tensor, xs: Tensor[], y: Tensor): Tensor[];
  /**
   * Second-order facts for exact Hessian-vector products: `'linear'` (Add, Average, Concatenate:
   * J u = forward(u)) or `'bilinear'` (Multiply, Dot). Undefined: refused where needed.
   */
  readonly linearity?: 'linear' | 'bilinear';
  /** Structured removal: how the inputs' channels reach the output ({@link ChannelFacts}). */
  readonly channels?: ChannelFacts;
}

/** A layer whose weights are SpaM parameters: an affine layer with a Kronecker form, or any other weighted layer. */
export type ParamLayer = ParametricLayer | WeightedLayer;

/** A supported layer, as the model adapter sees it. */
export type AdaptedLayer = OpLayer | ParametricLayer | WeightedLayer | MergeLayer;

/** What the adapter knows about a layer's inputs when it builds the layer's adapter. */
export interface LayerAdapterContext {
  /** Per-example shapes of every input (one entry for single-input layers). */
  readonly inputShapes: number[][];
  /** dtypes of the inputs (`'int32'` for token ids straight from an integer model input). */
  readonly inputDtypes: string[];
}

/**
 * Builds the adapted form of one tfjs layer from its config and weights, given its per-example
 * input shape (the first input's, for merges; all of them in `context`). It may return a short
 * chain of adapted layers applied in order (e.g. SeparableConv2D = depthwise then pointwise).
 * Throws `UnsupportedLayerError` naming the layer and the option it cannot express.
 */
export type LayerAdapterFactory = (
  layer: LayerLike,
  inputShape: number[],
  context: LayerAdapterContext,
) => AdaptedLayer | readonly AdaptedLayer[];
