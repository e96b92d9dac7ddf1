import * as tf from '@tensorflow/tfjs-core';
import { UnsupportedLayerError } from '../../errors.js';
import type { LayerLike } from '../../model-like.js';
import type { LayerAdapterContext, MergeLayer } from '../types.js';
import { perExampleAxis } from './util-merge.js';

/**
 * `tf.layers.concatenate` along any non-batch axis (config `axis` counts the batch axis; default
 * −1). The VJP slices the cotangent back into the inputs' pieces. tfjs 4.22 joins along the last
 * axis for every negative `axis` (its declared output shape uses the axis as given), so negative
 * axes other than −1 are refused rather than silently disagreeing with `model.predict`.
 */
export function concatenateLayer(layer: LayerLike, _inputShape: number[], context: LayerAdapterContext): MergeLayer {
  const className = layer.getClassName();
  const shapes = context.inputShapes.map((s) => s.slice());
  if (shapes.length < 2)
    throw new UnsupportedLayerError(layer.name, className, `Concatenate applied to ${shapes.length} input(s) (needs at least 2)`);
  const rawAxis = layer.getConfig().axis ?? -1;
  const rank = shapes[0].length + 1;
  if (typeof rawAxis === 'number' && rawAxis < -1) {
    throw new UnsupportedLayerError(
      layer.name,
      className,
      `axis ${rawAxis}: tfjs 4.22 concatenates along the last axis for every negative axis, unlike its declared output shape; give the axis as a positive index (batch axis 0)`,
    );
  }
  const axis = perExampleAxis(layer, 'axis', rawAxis, rank);
  for (const s of shapes) {
    const mismatch = s.length !== shapes[0].length || s.some((d, i) => i !== axis && d !== shapes[0][i]);
    if (mismatch) {
      throw new UnsupportedLayerError(
        layer.name,
        className,
        `inputs of shapes ${shapes.map((x) => `[${x}]`).join(', ')} do not match off the concatenation axis ${axis + 1}`,
      );
    }
  }
  const sizes = shapes.map((s) => s[axis]);
  const outputShape = shapes[0].slice();
  outputShape[axis] = sizes.reduce((a, b) => a + b, 0);
  return {
    kind: 'merge',
    name: layer.name,
    className,
    inputShapes: shapes,
    outputShape,
    linearity: 'linear',
    // Structured removal: on the last axis the inputs' channels stack; on another axis they coincide.
    channels: { flow: axis === outputShape.length - 1 ? 'concat' : 'follow' },
    forward: (xs) => tf.concat(xs, axis + 1),
    vjp: (dy) => tf.split(dy, sizes, axis + 2),
  };
}
