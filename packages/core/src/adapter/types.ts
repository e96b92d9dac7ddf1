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
  /** Kernel variable in tfjs layout (`[in, out]` or `[kh, kw, in, out]`). */
  readonly kernel: LayerVariableLike;
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
  /** The layer input as `[N, T, fanIn]` rows so that z_t = a_t W (im2col patches for Conv2D). */
  expandInput(x: Tensor): Tensor;
  /**
   * Structured removal (`@spam/structured`): the kernel axis holding the input channels (Dense 0,
   * Conv2D 2; the units are always the last axis) and the config key holding the unit count
   * (`'units'`, `'filters'`). Without it, the layer's units and inputs cannot be removed.
   */
  readonly unitSlicing?: { readonly inputAxis: number; readonly unitsKey: string };
}

/** A supported layer, as the model adapter sees it. */
export type AdaptedLayer = OpLayer | ParametricLayer;

/**
 * Builds the adapted form of one tfjs layer from its config and weights, given its per-example
 * input shape. Throws `UnsupportedLayerError` for options it cannot express.
 */
export type LayerAdapterFactory = (layer: LayerLike, inputShape: number[]) => AdaptedLayer;
