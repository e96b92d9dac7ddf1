/**
 * The model's layer graph as the adapter runs it: every supported layer as one or more adapted
 * nodes in a topological order, each with the indices of the nodes it reads (-1 = the model
 * input). Sequential models are the special case of a chain.
 * @packageDocumentation
 */
import { assertModelUsable } from '../disposed.js';
import { ModelNotBuiltError, UnsupportedLayerError, UnsupportedTopologyError } from '../errors.js';
import type { LayerLike, ModelLike } from '../model-like.js';
import { getLayerAdapter } from './registry.js';
import type { AdaptedLayer } from './types.js';

/** One adapted node of the graph. */
export interface GraphNode {
  /** The adapted layer (a tfjs layer may become several nodes, e.g. SeparableConv2D). */
  readonly layer: AdaptedLayer;
  /** Producers of the inputs, in the order the layer was applied to them; -1 is the model input. */
  readonly inbound: readonly number[];
}

/** The adapter's graph of a model. */
export interface ModelGraph {
  readonly nodes: readonly GraphNode[];
  /** Index of the node that produces the model output. */
  readonly output: number;
  /** Per-example input shape. */
  readonly inputShape: number[];
  /** dtype of the model input (`'int32'` for token ids). */
  readonly inputDtype: string;
  /** True when every node reads exactly the node before it (Sequential and chain-shaped functional models). */
  readonly isChain: boolean;
}

function modelInput(model: ModelLike): { shape: number[]; dtype: string } {
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
  return { shape: shape as number[], dtype: inputs[0].dtype ?? 'float32' };
}

const isInputLayer = (l: LayerLike) => l.getClassName() === 'InputLayer';

/**
 * Builds the {@link ModelGraph} of a functional or Sequential model. Typed errors name the layer:
 * `UnsupportedLayerError` (no adapter, an option it cannot express, integer input to a layer that
 * is not an Embedding), `UnsupportedTopologyError` (a layer applied more than once, several inputs
 * or outputs, a branch that does not reach the output, a nested model), `ModelNotBuiltError`,
 * `InvalidOptionError` when `model` is not a tfjs-layers model, `DisposedError` when it is disposed.
 */
export function buildModelGraph(model: ModelLike): ModelGraph {
  assertModelUsable(model);
  const input = modelInput(model);
  const nodes: GraphNode[] = [];
  /** tfjs layer → index of its last adapted node. */
  const producer = new Map<LayerLike, number>();
  const shapeOf = (j: number) => (j < 0 ? input.shape : nodes[j].layer.outputShape);
  const dtypeOf = (j: number) => (j < 0 ? input.dtype : 'float32');
  for (const layer of model.layers) {
    if (isInputLayer(layer)) continue;
    const className = layer.getClassName();
    if (layer.inboundNodes.length > 1) {
      throw new UnsupportedTopologyError(
        `Layer '${layer.name}' (${className}) is applied ${layer.inboundNodes.length} times (shared weights); SpaM needs each layer applied once.`,
      );
    }
    const inboundLayers = layer.inboundNodes[0]?.inboundLayers ?? [];
    const inbound = inboundLayers.map((l) => {
      if (isInputLayer(l)) return -1;
      const j = producer.get(l);
      if (j === undefined) {
        throw new UnsupportedTopologyError(
          `Layer '${layer.name}' (${className}) reads '${l.name}', which is not a layer of model '${model.name}' (nested models are not supported).`,
        );
      }
      return j;
    });
    if (inbound.length === 0) inbound.push(-1); // a Sequential model's first layer
    const factory = getLayerAdapter(className);
    if (!factory) throw new UnsupportedLayerError(layer.name, className);
    if (!layer.built) throw new ModelNotBuiltError(`Layer '${layer.name}' of model '${model.name}' is not built.`);
    const inputShapes = inbound.map(shapeOf);
    const inputDtypes = inbound.map(dtypeOf);
    const made = factory(layer, inputShapes[0], { inputShapes, inputDtypes });
    const chain = (Array.isArray(made) ? made : [made]) as AdaptedLayer[];
    const first = chain[0];
    if (!first) throw new UnsupportedLayerError(layer.name, className, 'its adapter returned no layer');
    if (first.kind !== 'merge' && inbound.length !== 1) {
      throw new UnsupportedTopologyError(`Layer '${layer.name}' (${className}) takes ${inbound.length} inputs; its adapter takes one.`);
    }
    const intInput = inputDtypes.some((d) => d.startsWith('int'));
    if (intInput && !(first.kind === 'parametric' && first.integerInput)) {
      throw new UnsupportedLayerError(layer.name, className, 'integer (int32) input: only an Embedding layer can take token ids');
    }
    chain.forEach((node, k) => nodes.push({ layer: node, inbound: k === 0 ? inbound : [nodes.length - 1] }));
    producer.set(layer, nodes.length - 1);
  }
  if (nodes.length === 0) throw new UnsupportedTopologyError(`Model '${model.name}' has no layers.`);
  const outLayer = model.outputLayers?.[0];
  const output = outLayer && !isInputLayer(outLayer) ? (producer.get(outLayer) ?? nodes.length - 1) : nodes.length - 1;
  // Every node must reach the output: an unused branch would silently get no curvature.
  const used = new Uint8Array(nodes.length);
  used[output] = 1;
  for (let i = output; i >= 0; i--) if (used[i]) for (const j of nodes[i].inbound) if (j >= 0) used[j] = 1;
  const unused = nodes.findIndex((_, i) => !used[i]);
  if (unused >= 0) {
    throw new UnsupportedTopologyError(
      `Layer '${nodes[unused].layer.name}' (${nodes[unused].layer.className}) of model '${model.name}' does not contribute to the output; remove the unused branch.`,
    );
  }
  const isChain = nodes.every((n, i) => n.inbound.length === 1 && n.inbound[0] === i - 1) && output === nodes.length - 1;
  return { nodes, output, inputShape: input.shape, inputDtype: input.dtype, isChain };
}
