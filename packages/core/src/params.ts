import type { Tensor } from '@tensorflow/tfjs-core';
import type { LayerVariableLike } from './model-like.js';
import type { LayerWeight, ParamLayer, UnitLayout } from './adapter/types.js';

/** One parameter tensor in the canonical layout (model order, a layer's trainable weights in tfjs order, tfjs shapes). */
export interface ParamBlock {
  /** `<layerName>/<weight>`, e.g. `dense_1/kernel`, `bn/gamma` (the tfjs weight name without uniquifying suffix). */
  readonly name: string;
  /** The owning layer's name. */
  readonly layerName: string;
  /** Index of the owning layer in `ModelAdapter.paramLayers`. */
  readonly layerIndex: number;
  /** tfjs weight name within the layer: `'kernel'`, `'bias'`, `'gamma'`, `'depthwise_kernel'`, `'embeddings'`, … */
  readonly weight: string;
  /**
   * `'kernel'` (multiplies inputs; pruned by default), `'bias'` (additive vector, incl. norm beta)
   * or `'scale'` (element-wise multiplier, e.g. norm gamma).
   */
  readonly role: 'kernel' | 'bias' | 'scale';
  /** Whether the owning layer has a Kronecker form (Dense, Conv, Embedding); else its curvature is an exact diagonal block. */
  readonly kron: boolean;
  /** Unit structure for unit-wise priors. */
  readonly units: UnitLayout;
  /** tfjs shape (`[in, out]`, `[kh, kw, in, out]`, `[out]`, …). */
  readonly shape: number[];
  /** Number of entries. */
  readonly size: number;
  /** Offset of the first entry in the flat canonical vector. */
  readonly offset: number;
  /** The live variable. */
  readonly variable: LayerVariableLike;
}

/** Unit layout of an affine kernel `[...window, in, out]`. */
function kernelUnits(shape: number[]): UnitLayout {
  const out = shape[shape.length - 1];
  const inUnits = shape[shape.length - 2];
  return { window: shape.slice(0, -2).reduce((a, b) => a * b, 1), inUnits, outUnits: out };
}

/** The trainable weights of a parameter layer, canonical order. */
export function layerWeights(layer: ParamLayer): LayerWeight[] {
  if (layer.kind === 'weighted') return [...layer.weights];
  const kernelShape = layer.kernel.shape as number[];
  const out: LayerWeight[] = [
    { weight: layer.kernelWeight ?? 'kernel', role: 'kernel', variable: layer.kernel, units: kernelUnits(kernelShape) },
  ];
  if (layer.bias)
    out.push({ weight: 'bias', role: 'bias', variable: layer.bias, units: { window: 1, inUnits: null, outUnits: layer.units } });
  return out;
}

/** The canonical parameter layout of a list of parameter layers (model order). */
export function canonicalParams(layers: readonly ParamLayer[]): ParamBlock[] {
  const blocks: ParamBlock[] = [];
  let offset = 0;
  layers.forEach((layer, layerIndex) => {
    for (const w of layerWeights(layer)) {
      const shape = w.variable.shape as number[];
      const size = shape.reduce((a, b) => a * b, 1);
      blocks.push({
        name: `${layer.name}/${w.weight}`,
        layerName: layer.name,
        layerIndex,
        weight: w.weight,
        role: w.role,
        kron: layer.kind === 'parametric',
        units: w.units,
        shape: [...shape],
        size,
        offset,
        variable: w.variable,
      });
      offset += size;
    }
  });
  return blocks;
}

/** Current parameter values as live tensors, in canonical order (do not dispose them). */
export function paramTensors(blocks: readonly ParamBlock[]): Tensor[] {
  return blocks.map((b) => b.variable.read());
}
