import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { InvalidOptionError, ShapeMismatchError, UnsupportedTopologyError } from '../errors.js';
import type { ModelLike } from '../model-like.js';
import type { AdaptedLayer, ParametricLayer, ParamLayer } from './types.js';
import { buildModelGraph, type GraphNode } from './graph.js';
import { canonicalParams, type ParamBlock } from '../params.js';
import { checkTfjsVersion } from '../tfjs-version.js';
import { checkModelInput } from './input-check.js';

/** What one forward pass recorded for a parameter layer. */
export interface LayerCapture {
  /** The layer. */
  readonly layer: ParamLayer;
  /** Its input `[N, ...inputShape]`. */
  readonly input: Tensor;
  /** Its pre-activation output z `[N, ...outputShape]` (a weighted layer's output). */
  readonly preactivation: Tensor;
}

/** A recorded forward pass; every tensor in it belongs to the caller's `tf.tidy` scope. */
export interface ForwardTrace {
  /** Network output f `[N, outDim]` (logits when the adapter strips a final softmax). */
  readonly output: Tensor;
  /** One capture per parameter layer ({@link ModelAdapter.paramLayers} order). */
  readonly captures: LayerCapture[];
  /** Every node's inputs ({@link ModelAdapter.layers} order; one entry per input). */
  readonly nodeInputs: Tensor[][];
  /** Every node's first input (the only one except for merges). */
  readonly layerInputs: Tensor[];
  /** Every node's output. */
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
 * A tfjs-layers model re-expressed with tfjs-core ops: a forward pass that records each parameter
 * layer's input and pre-activation, and one backward pass for K output-space vectors at once
 * through the whole graph (cotangents summed where branches meet).
 */
export interface ModelAdapter {
  /** The model's name. */
  readonly name: string;
  /** Adapted layers (graph nodes) in a topological order (InputLayer excluded). */
  readonly layers: readonly AdaptedLayer[];
  /** For every node, the indices of the nodes it reads (-1 = the model input), in application order. */
  readonly inbound: readonly (readonly number[])[];
  /** True for Sequential and chain-shaped models (every node reads the one before it). */
  readonly isChain: boolean;
  /** Every layer with SpaM parameters (affine and weighted), in model order: the canonical order. */
  readonly paramLayers: readonly ParamLayer[];
  /** The affine layers with a Kronecker form (Dense, Conv1D/2D, Embedding), in model order. */
  readonly parametric: readonly ParametricLayer[];
  /** Canonical parameter layout: per parameter layer its trainable weights (kernel then bias), tfjs shapes. */
  readonly params: readonly ParamBlock[];
  /** Total number of parameters P. */
  readonly numParams: number;
  /** Per-example input shape. */
  readonly inputShape: number[];
  /** dtype of the model input (`'int32'` for token ids). */
  readonly inputDtype: string;
  /** Output dimension of f. */
  readonly outputDim: number;
  /** Whether f stops before a final softmax of the model. */
  readonly stripsSoftmax: boolean;
  /**
   * Index in {@link ModelAdapter.layers} of the layer whose softmax is stripped (the output node,
   * or the node before a final chain of Dropouts), or -1 when {@link ModelAdapter.stripsSoftmax}
   * is false. Passes that mirror the forward (tangent passes, Hessian-vector products) skip that
   * layer's softmax there.
   */
  readonly strippedLayerIndex: number;
  /**
   * f(x) without recording (equals `model.predict` unless a final softmax is stripped). `x` is
   * `[N, ...inputShape]` with N ≥ 1: `ShapeMismatchError` / `InvalidDataError` / `DisposedError`
   * otherwise (see {@link checkModelInput}).
   */
  predict(x: Tensor): Tensor;
  /** f(x) with every layer's input/output recorded; `x` is checked as in `predict`. Call inside `tf.tidy`. */
  forward(x: Tensor): ForwardTrace;
  /**
   * For output-space vectors `v` `[K, N, outDim]`, one cotangent per parameter layer
   * ({@link ModelAdapter.paramLayers} order) in one backward sweep: the pre-activation gradient
   * J_zᵀ v of an affine layer, the output cotangent J_yᵀ v of a weighted layer, each
   * `[K, N, ...outputShape]`. Call inside `tf.tidy`.
   */
  backward(trace: ForwardTrace, v: Tensor): Tensor[];
}

/** Index of the node whose softmax is stripped: the output node, looking through single-input Dropouts. */
function strippedNode(nodes: readonly GraphNode[], output: number, logits: boolean): number {
  if (!logits) return -1;
  let i = output;
  while (nodes[i].layer.className === 'Dropout' && nodes[i].inbound[0] >= 0) i = nodes[i].inbound[0];
  const l = nodes[i].layer;
  return (l.kind === 'parametric' || l.kind === 'op') && l.activation?.name === 'softmax' ? i : -1;
}

/**
 * Builds the {@link ModelAdapter} of a Sequential or functional (DAG) model with one input and one
 * output. Throws `InvalidOptionError` when `model` is not a tfjs-layers model (or `options` not an
 * object), `DisposedError` when it has been disposed, `UnsupportedLayerError` for any layer without a registered adapter (naming the
 * layer, its class and how to register one), `UnsupportedTopologyError` for shared layers,
 * several inputs/outputs or unused branches.
 */
export function buildModelAdapter(model: ModelLike, options: AdapterOptions = {}): ModelAdapter {
  checkTfjsVersion();
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionError(`buildModelAdapter options must be an object such as { logits: true }, got ${String(options)}`);
  }
  const graph = buildModelGraph(model);
  const { nodes, output } = graph;
  const layers = nodes.map((n) => n.layer);
  const outShape = layers[output].outputShape;
  if (outShape.length !== 1) {
    throw new ShapeMismatchError(`Model '${model.name}' outputs per-example shape [${outShape}]; SpaM needs a vector output [outDim].`);
  }
  const paramLayers = layers.filter((l): l is ParamLayer => l.kind === 'parametric' || l.kind === 'weighted');
  if (paramLayers.length === 0)
    throw new UnsupportedTopologyError(`Model '${model.name}' has no layer with trainable weights SpaM supports.`);
  const paramIndex = layers.map((l) => paramLayers.indexOf(l as ParamLayer));
  const params = canonicalParams(paramLayers);
  const strip = strippedNode(nodes, output, !!options.logits);

  // Nodes with a parameter layer upstream (inclusive): only they need cotangents.
  const needsGrad = new Uint8Array(nodes.length);
  nodes.forEach((n, i) => {
    needsGrad[i] = paramIndex[i] >= 0 || n.inbound.some((j) => j >= 0 && needsGrad[j]) ? 1 : 0;
  });

  const run = (x0: Tensor): ForwardTrace => {
    checkModelInput({ name: model.name, inputShape: graph.inputShape }, x0);
    // A float model takes int32/bool rows as numbers (as tfjs-layers does); token ids stay int32.
    const x = graph.inputDtype === 'float32' && x0.dtype !== 'float32' ? tf.cast(x0, 'float32') : x0;
    const outs: Tensor[] = new Array(nodes.length);
    const nodeInputs: Tensor[][] = new Array(nodes.length);
    const captures: LayerCapture[] = new Array(paramLayers.length);
    nodes.forEach(({ layer, inbound }, i) => {
      const ins = inbound.map((j) => (j < 0 ? x : outs[j]));
      nodeInputs[i] = ins;
      const h = ins[0];
      let y: Tensor;
      if (layer.kind === 'parametric') {
        const z = layer.linear(h);
        captures[paramIndex[i]] = { layer, input: h, preactivation: z };
        y = i === strip ? z : layer.activation.apply(z);
      } else if (layer.kind === 'weighted') {
        y = layer.forward(h);
        captures[paramIndex[i]] = { layer, input: h, preactivation: y };
      } else if (layer.kind === 'merge') {
        y = layer.forward(ins);
      } else {
        y = i === strip ? h : layer.forward(h);
      }
      outs[i] = y;
    });
    return { output: outs[output], captures, nodeInputs, layerInputs: nodeInputs.map((ins) => ins[0]), layerOutputs: outs };
  };

  return {
    name: model.name,
    layers,
    inbound: nodes.map((n) => n.inbound),
    isChain: graph.isChain,
    paramLayers,
    parametric: paramLayers.filter((l): l is ParametricLayer => l.kind === 'parametric'),
    params,
    numParams: params.reduce((a, p) => a + p.size, 0),
    inputShape: graph.inputShape,
    inputDtype: graph.inputDtype,
    outputDim: outShape[0],
    stripsSoftmax: strip >= 0,
    strippedLayerIndex: strip,
    predict: (x) => tf.tidy(() => run(x).output),
    forward: run,
    backward(trace, v) {
      const grads: Tensor[] = new Array(paramLayers.length);
      const cot: Array<Tensor | undefined> = new Array(nodes.length);
      cot[output] = v;
      const send = (j: number, d: Tensor) => {
        if (j < 0 || !needsGrad[j]) return;
        const prev = cot[j];
        cot[j] = prev ? tf.add(prev, d) : d;
      };
      for (let i = output; i >= 0; i--) {
        const d = cot[i];
        if (!d || !needsGrad[i]) continue;
        const { layer, inbound } = nodes[i];
        const x = trace.nodeInputs[i];
        const y = trace.layerOutputs[i];
        if (layer.kind === 'parametric') {
          const cap = trace.captures[paramIndex[i]];
          const gz = i === strip ? d : layer.activation.vjp(d, cap.preactivation, y);
          grads[paramIndex[i]] = gz;
          if (inbound[0] >= 0 && needsGrad[inbound[0]]) send(inbound[0], layer.linearVjp(gz));
        } else if (layer.kind === 'weighted') {
          grads[paramIndex[i]] = d;
          if (inbound[0] >= 0 && needsGrad[inbound[0]]) send(inbound[0], layer.vjp(d, x[0], y));
        } else if (layer.kind === 'merge') {
          if (inbound.some((j) => j >= 0 && needsGrad[j])) layer.vjp(d, x, y).forEach((dj, k) => send(inbound[k], dj));
        } else if (inbound[0] >= 0 && needsGrad[inbound[0]]) {
          send(inbound[0], i === strip ? d : layer.vjp(d, x[0], y));
        }
      }
      return grads;
    },
  };
}
