import { assertModelUsable, buildModelGraph, type AdaptedLayer, type ModelLike } from '@spam/core';

/** Parameter and MAC count of one layer of the model. */
export interface LayerCost {
  /** Layer name. */
  readonly name: string;
  /** tfjs class name. */
  readonly className: string;
  /**
   * Number of units: Dense units, Conv filters, Embedding output size; the channels of a
   * per-channel layer (DepthwiseConv2D's C·multiplier, BatchNormalization's C); 0 for a Dot.
   */
  readonly units: number;
  /** Entries of all the layer's weights (trainable or not: BN's moving statistics too). */
  readonly params: number;
  /** Multiply-accumulates per example (see {@link countMacs} for the conventions). */
  readonly macs: number;
}

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/**
 * MACs of one adapted node per example. Affine layers: fanIn·units·locations (Dense on `[..., in]`:
 * tokens·in·out; Conv1D/2D: C_in·kh·kw·C_out·H_out·W_out; SeparableConv2D's pointwise part:
 * C_in·mult·C_out·H·W); Embedding 0 (a table lookup). Weighted layers with a `'kernel'` weight
 * (DepthwiseConv2D, SeparableConv2D's depthwise part): window·(input units, if any)·|output|, i.e.
 * kh·kw·C·mult·H_out·W_out for a depthwise kernel. Dot: P1·c·P2 (the product's multiplications).
 * Everything else (BN, LN, PReLU, activations, pooling, Add/Multiply/Average/Concatenate) 0.
 */
function nodeMacs(layer: AdaptedLayer): number {
  switch (layer.kind) {
    case 'parametric':
      return layer.integerInput ? 0 : layer.fanIn * layer.units * layer.locations;
    case 'weighted': {
      const kernel = layer.weights.find((w) => w.role === 'kernel');
      return kernel ? kernel.units.window * (kernel.units.inUnits ?? 1) * prod(layer.outputShape) : 0;
    }
    case 'merge': {
      if (layer.className !== 'Dot' && layer.channels?.flow !== 'contract') return 0;
      // |x₁| = P1·c, |x₂| = c·P2, |y| = P1·P2 (1 for two vectors), so P1·c·P2 = √(|x₁|·|x₂|·|y|).
      const [a, b] = layer.inputShapes;
      return Math.round(Math.sqrt(prod(a) * prod(b) * prod(layer.outputShape)));
    }
    default:
      return 0;
  }
}

/** Units of one adapted node for {@link LayerCost.units}. */
function nodeUnits(layer: AdaptedLayer): number {
  if (layer.kind === 'parametric') return layer.units;
  if (layer.kind === 'merge') return 0;
  return layer.outputShape[layer.outputShape.length - 1] ?? 0;
}

/**
 * Parameter and MAC counts per layer with weights or MACs, in the model's topological order, for
 * Sequential and functional (graph) models alike: Dense, Conv1D/2D, DepthwiseConv2D,
 * SeparableConv2D (one entry: depthwise + pointwise MACs, `units` = filters), Embedding,
 * BatchNormalization / LayerNormalization / PReLU (MACs 0), Dot (params 0). Parameter-free layers
 * without MACs are left out. params = Σ of the layer's weight sizes (so Σ params = {@link countParams}
 * when every weighted layer is listed); MACs as in {@link countMacs}. Typed errors as
 * `buildModelGraph` (`InvalidOptionError` for a non-model, `DisposedError`, `UnsupportedLayerError`
 * naming an unsupported layer).
 */
export function layerCosts(model: ModelLike): LayerCost[] {
  assertModelUsable(model);
  const graph = buildModelGraph(model);
  const byName = new Map<string, { className: string; units: number; macs: number }>();
  for (const { layer } of graph.nodes) {
    const macs = nodeMacs(layer);
    const prev = byName.get(layer.name);
    // A tfjs layer adapted as several nodes (SeparableConv2D: depthwise, pointwise; X + activation): sum the
    // MACs; the units are the last parametric node's, else the last node's with weights.
    if (prev) {
      prev.macs += macs;
      if (layer.kind === 'parametric' || layer.kind === 'weighted') prev.units = nodeUnits(layer);
    } else {
      byName.set(layer.name, { className: layer.className, units: nodeUnits(layer), macs });
    }
  }
  const out: LayerCost[] = [];
  for (const l of model.layers) {
    const c = byName.get(l.name);
    if (!c) continue;
    const params = l.weights.reduce((a, w) => a + prod(w.shape as number[]), 0);
    if (params === 0 && c.macs === 0) continue;
    out.push({ name: l.name, className: c.className, units: c.units, params, macs: c.macs });
  }
  return out;
}

/**
 * Total number of weights of the model: Σ over all its weight tensors of their sizes (trainable or
 * not). `InvalidOptionError` for a non-model, `DisposedError` for a disposed one.
 */
export function countParams(model: ModelLike): number {
  assertModelUsable(model);
  let n = 0;
  for (const layer of model.layers) for (const w of layer.weights) n += (w.shape as number[]).reduce((a, b) => a * b, 1);
  return n;
}

/**
 * Multiply-accumulates of one forward pass per example, walking the model's layer graph (Sequential
 * and functional models, residual / Concatenate / attention graphs alike). Conventions: Dense on
 * `[..., in]` tokens·in·out; Conv1D/Conv2D C_out·C_in·kh·kw·(output positions); DepthwiseConv2D
 * C·mult·kh·kw·H_out·W_out; SeparableConv2D its depthwise plus its 1×1 pointwise part; Dot P1·c·P2
 * (attention's q·kᵀ T·d·T and attn·v T·T·d); Embedding 0 (a lookup). Bias adds, activations,
 * pooling, BatchNormalization, LayerNormalization, PReLU and element-wise merges / Concatenate
 * count 0. Typed errors as {@link layerCosts}.
 */
export function countMacs(model: ModelLike): number {
  return layerCosts(model).reduce((a, l) => a + l.macs, 0);
}
