import { assertModelUsable, type ModelLike } from '@spam/core';
import { chainAdapter } from './masks-input.js';

/** Parameter and MAC count of one Dense/Conv2D layer. */
export interface LayerCost {
  /** Layer name. */
  readonly name: string;
  /** tfjs class name. */
  readonly className: string;
  /** Number of units (Dense units, Conv2D filters). */
  readonly units: number;
  /** Kernel and bias entries. */
  readonly params: number;
  /** Multiply-accumulates per example: fanIn·units·locations. */
  readonly macs: number;
}

/**
 * Parameter and MAC counts per Dense/Conv2D layer, model order: params = |W| + |b|, MACs =
 * in·out (Dense) or C_out·C_in·kh·kw·H_out·W_out (Conv2D); parameter-free layers cost 0.
 */
export function layerCosts(model: ModelLike): LayerCost[] {
  return chainAdapter(model).parametric.map((l) => ({
    name: l.name,
    className: l.className,
    units: l.units,
    params: l.fanIn * l.units + (l.bias ? l.units : 0),
    macs: l.fanIn * l.units * l.locations,
  }));
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
 * Multiply-accumulates of one forward pass per example: Σ over Dense layers of in·out plus Σ over
 * Conv2D layers of C_out·C_in·kh·kw·H_out·W_out (bias adds, activations and pooling count 0).
 */
export function countMacs(model: ModelLike): number {
  return layerCosts(model).reduce((a, l) => a + l.macs, 0);
}
