import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import {
  ModelNotBuiltError,
  ShapeMismatchError,
  UnsupportedLayerError,
  UnsupportedTopologyError,
} from '../errors.js';
import type { LayerLike, ModelLike } from '../model-like.js';
import { getLayerAdapter } from './registry.js';
import type { AdaptedLayer, ParametricLayer } from './types.js';
import { canonicalParams, type ParamBlock } from '../params.js';
import { checkTfjsVersion } from '../tfjs-version.js';

/** What one forward pass recorded for a parametric layer. */
export interface LayerCapture {
  /** The layer. */
  readonly layer: ParametricLayer;
  /** Its input `[N, ...inputShape]`. */
  readonly input: Tensor;
  /** Its pre-activation output z `[N, ...outputShape]`. */
  readonly preactivation: Tensor;
}

/** A recorded forward pass; every tensor in it belongs to the caller's `tf.tidy` scope. */
export interface ForwardTrace {
  /** Network output f `[N, outDim]` (logits when the adapter strips a final softmax). */
  readonly output: Tensor;
  /** One capture per parametric layer, in model order. */
  readonly captures: LayerCapture[];
  /** Inputs and outputs of every layer, for the backward pass. */
  readonly layerInputs: Tensor[];
  readonly layerOutputs: Tensor[];
}

/** Options of {@link buildModelAdapter}. */
export interface AdapterOptions {
  /**
   * Treat the input of a final softmax as the network output (logits). Set it for the
   * classification likelihood; ignored when the model does not end in a softmax. Default false.
   */
  logits?: boolean;
}

/**
 * A tfjs-layers model re-expressed with tfjs-core ops: a forward pass that records each
 * parametric layer's input and pre-activation, and a backward pass for K output-space vectors at once.
 */
export interface ModelAdapter {
  /** The model's name. */
  readonly name: string;
  /** Adapted layers in model order (InputLayer excluded). */
  readonly layers: readonly AdaptedLayer[];
  /** The parametric layers (Dense, Conv2D), in model order. */
  readonly parametric: readonly ParametricLayer[];
  /** Canonical parameter layout: per parametric layer, kernel then bias, tfjs shapes. */
  readonly params: readonly ParamBlock[];
  /** Total number of parameters P. */
  readonly numParams: number;
  /** Per-example input shape. */
  readonly inputShape: number[];
  /** Output dimension of f. */
  readonly outputDim: number;
  /** Whether f stops before a final softmax of the model. */
  readonly stripsSoftmax: boolean;
  /**
   * Index in {@link ModelAdapter.layers} of the layer whose softmax is stripped (the last layer that
   * is not a Dropout), or -1 when {@link ModelAdapter.stripsSoftmax} is false. Passes that mirror
   * the forward (tangent passes, Hessian-vector products) skip that layer's softmax there.
   */
  readonly strippedLayerIndex: number;
  /** f(x) without recording (equals `model.predict` unless a final softmax is stripped). */
  predict(x: Tensor): Tensor;
  /** f(x) with every layer's input/output recorded. Call inside `tf.tidy`. */
  forward(x: Tensor): ForwardTrace;
  /**
   * Pre-activation gradients g_l = J_{z_l}ᵀ v for output-space vectors `v` `[K, N, outDim]`, one
   * `[K, N, ...outputShape_l]` tensor per parametric layer, in one backward sweep. Call inside `tf.tidy`.
   */
  backward(trace: ForwardTrace, v: Tensor): Tensor[];
}

function inputShapeOf(model: ModelLike): number[] {
  let inputs: ModelLike['inputs'];
  try {
    inputs = model.inputs;
  } catch {
    inputs = undefined;
  }
  if (!inputs || inputs.length === 0) {
    throw new ModelNotBuiltError(
      `Model '${model.name}' is not built: give its first layer an inputShape (or call model.build) before fitting curvature.`,
    );
  }
  if (inputs.length !== 1) throw new UnsupportedTopologyError(`Model '${model.name}' has ${inputs.length} inputs; SpaM supports one.`);
  if (model.outputs && model.outputs.length !== 1) {
    throw new UnsupportedTopologyError(`Model '${model.name}' has ${model.outputs.length} outputs; SpaM supports one.`);
  }
  const shape = inputs[0].shape.slice(1);
  if (shape.some((d) => d === null)) {
    throw new ModelNotBuiltError(`Model '${model.name}' has an input with unknown dimensions [${shape}].`);
  }
  return shape as number[];
}

/** The model's layers as a chain, or `UnsupportedTopologyError` naming the first branch. */
function chainOf(model: ModelLike): LayerLike[] {
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  layers.forEach((layer, i) => {
    if (layer.inboundNodes.length > 1) {
      throw new UnsupportedTopologyError(`Layer '${layer.name}' is applied ${layer.inboundNodes.length} times (shared layer); SpaM supports chains.`);
    }
    const inbound = layer.inboundNodes[0]?.inboundLayers ?? [];
    const prev = i === 0 ? null : layers[i - 1];
    const ok = prev === null ? inbound.every((l) => l.getClassName() === 'InputLayer') && inbound.length <= 1 : inbound.length === 1 && inbound[0] === prev;
    if (!ok) {
      throw new UnsupportedTopologyError(
        `Layer '${layer.name}' (${layer.getClassName()}) takes input from [${inbound.map((l) => l.name).join(', ')}]` +
          `${prev ? `, not only from '${prev.name}'` : ''}: SpaM's adapter supports Sequential and chain-shaped functional models.`,
      );
    }
  });
  return layers;
}

/**
 * Builds the {@link ModelAdapter} of a Sequential or chain-shaped functional model. Throws
 * `UnsupportedLayerError` for any layer without a registered adapter, naming the layer and its class.
 */
export function buildModelAdapter(model: ModelLike, options: AdapterOptions = {}): ModelAdapter {
  checkTfjsVersion();
  const inputShape = inputShapeOf(model);
  const chain = chainOf(model);
  const layers: AdaptedLayer[] = [];
  let shape = inputShape;
  for (const layer of chain) {
    const factory = getLayerAdapter(layer.getClassName());
    if (!factory) throw new UnsupportedLayerError(layer.name, layer.getClassName());
    if (!layer.built) throw new ModelNotBuiltError(`Layer '${layer.name}' of model '${model.name}' is not built.`);
    const adapted = factory(layer, shape);
    layers.push(adapted);
    shape = adapted.outputShape;
  }
  if (shape.length !== 1) {
    throw new ShapeMismatchError(`Model '${model.name}' outputs per-example shape [${shape}]; SpaM needs a vector output [outDim].`);
  }
  const parametric = layers.filter((l): l is ParametricLayer => l.kind === 'parametric');
  if (parametric.length === 0) throw new UnsupportedTopologyError(`Model '${model.name}' has no Dense or Conv2D layer.`);
  const params = canonicalParams(parametric);

  // A final softmax (Dense activation or Activation layer, possibly followed by Dropout) is stripped on request.
  let lastIdx = layers.length - 1;
  while (lastIdx > 0 && layers[lastIdx].className === 'Dropout') lastIdx--;
  const stripsSoftmax = !!options.logits && layers[lastIdx].activation?.name === 'softmax';
  const strippedLayerIndex = stripsSoftmax ? lastIdx : -1;

  const run = (x: Tensor): ForwardTrace => {
    const layerInputs: Tensor[] = [];
    const layerOutputs: Tensor[] = [];
    const captures: LayerCapture[] = [];
    let h = x;
    layers.forEach((layer, i) => {
      const strip = i === strippedLayerIndex;
      layerInputs.push(h);
      if (layer.kind === 'parametric') {
        const z = layer.linear(h);
        captures.push({ layer, input: h, preactivation: z });
        h = strip ? z : layer.activation.apply(z);
      } else if (!strip) {
        h = layer.forward(h);
      }
      layerOutputs.push(h);
    });
    return { output: h, captures, layerInputs, layerOutputs };
  };

  return {
    name: model.name,
    layers,
    parametric,
    params,
    numParams: params.reduce((a, p) => a + p.size, 0),
    inputShape,
    outputDim: shape[0],
    stripsSoftmax,
    strippedLayerIndex,
    predict: (x) => tf.tidy(() => run(x).output),
    forward: run,
    backward(trace, v) {
      const grads: Tensor[] = new Array(parametric.length);
      let p = parametric.length - 1;
      let d = v;
      const firstParam = layers.indexOf(parametric[0]);
      for (let i = layers.length - 1; i >= firstParam; i--) {
        const layer = layers[i];
        const strip = i === strippedLayerIndex;
        if (layer.kind === 'parametric') {
          const cap = trace.captures[p];
          const gz = strip ? d : layer.activation.vjp(d, cap.preactivation, trace.layerOutputs[i]);
          grads[p--] = gz;
          if (i > firstParam) d = layer.linearVjp(gz);
        } else if (!strip) {
          d = layer.vjp(d, trace.layerInputs[i], trace.layerOutputs[i]);
        }
      }
      return grads;
    },
  };
}
