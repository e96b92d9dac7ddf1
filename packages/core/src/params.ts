import type { Tensor } from '@tensorflow/tfjs-core';
import type { LayerVariableLike } from './model-like.js';
import type { ParametricLayer } from './adapter/types.js';

/** One parameter tensor in the canonical layout (model order, kernel then bias, tfjs shapes). */
export interface ParamBlock {
  /** `<layerName>/kernel` or `<layerName>/bias`. */
  readonly name: string;
  /** The owning layer's name. */
  readonly layerName: string;
  /** Index of the owning layer among the parametric layers. */
  readonly layerIndex: number;
  /** Kernel or bias. */
  readonly role: 'kernel' | 'bias';
  /** tfjs shape (`[in, out]`, `[kh, kw, in, out]`, `[out]`). */
  readonly shape: number[];
  /** Number of entries. */
  readonly size: number;
  /** Offset of the first entry in the flat canonical vector. */
  readonly offset: number;
  /** The live variable. */
  readonly variable: LayerVariableLike;
}

/** The canonical parameter layout of a list of parametric layers. */
export function canonicalParams(layers: readonly ParametricLayer[]): ParamBlock[] {
  const blocks: ParamBlock[] = [];
  let offset = 0;
  layers.forEach((layer, layerIndex) => {
    const add = (role: 'kernel' | 'bias', variable: LayerVariableLike) => {
      const shape = variable.shape as number[];
      const size = shape.reduce((a, b) => a * b, 1);
      blocks.push({ name: `${layer.name}/${role}`, layerName: layer.name, layerIndex, role, shape: [...shape], size, offset, variable });
      offset += size;
    };
    add('kernel', layer.kernel);
    if (layer.bias) add('bias', layer.bias);
  });
  return blocks;
}

/** Current parameter values as live tensors, in canonical order (do not dispose them). */
export function paramTensors(blocks: readonly ParamBlock[]): Tensor[] {
  return blocks.map((b) => b.variable.read());
}
