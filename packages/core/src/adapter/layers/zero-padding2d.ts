import * as tf from '@tensorflow/tfjs-core';
import { UnsupportedLayerError } from '../../errors.js';
import type { LayerLike } from '../../model-like.js';
import type { OpLayer } from '../types.js';
import { requireRank } from './util.js';

/** tfjs's ZeroPadding2D `padding` (number, [h, w] or [[top, bottom], [left, right]]) as [[top, bottom], [left, right]]. */
function paddingPairs(layer: LayerLike, padding: unknown): [[number, number], [number, number]] {
  const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  if (padding === undefined || padding === null)
    return [
      [1, 1],
      [1, 1],
    ];
  if (isInt(padding))
    return [
      [padding, padding],
      [padding, padding],
    ];
  if (Array.isArray(padding) && padding.length === 2) {
    const [h, w] = padding as unknown[];
    if (isInt(h) && isInt(w))
      return [
        [h, h],
        [w, w],
      ];
    const pair = (p: unknown) => Array.isArray(p) && p.length === 2 && isInt(p[0]) && isInt(p[1]);
    if (pair(h) && pair(w)) return [h as [number, number], w as [number, number]];
  }
  throw new UnsupportedLayerError(layer.name, layer.getClassName(), `padding ${JSON.stringify(padding)}`);
}

/**
 * `tf.layers.zeroPadding2d`: zero rows/columns around the spatial axes (H, W of channels-last
 * `[H, W, C]`; the last two axes for channelsFirst). The VJP slices the padding off.
 */
export function zeroPadding2dLayer(layer: LayerLike, inputShape: number[]): OpLayer {
  requireRank(layer, inputShape, 3);
  const cfg = layer.getConfig();
  const fmt = cfg.dataFormat ?? 'channelsLast';
  if (fmt !== 'channelsLast' && fmt !== 'channelsFirst')
    throw new UnsupportedLayerError(layer.name, layer.getClassName(), `dataFormat '${String(fmt)}'`);
  const [[top, bottom], [left, right]] = paddingPairs(layer, cfg.padding);
  const last = fmt === 'channelsLast';
  // Per-example spatial axes.
  const [ah, aw] = last ? [0, 1] : [1, 2];
  const outputShape = inputShape.slice();
  outputShape[ah] += top + bottom;
  outputShape[aw] += left + right;
  const pattern: Array<[number, number]> = [
    [0, 0],
    [0, 0],
    [0, 0],
  ];
  pattern[ah] = [top, bottom];
  pattern[aw] = [left, right];
  const begin = [0, 0, 0];
  begin[ah] = top;
  begin[aw] = left;
  return {
    kind: 'op',
    name: layer.name,
    className: layer.getClassName(),
    inputShape,
    outputShape,
    linearity: 'linear',
    forward: (x) => tf.pad(x, [[0, 0], ...pattern]),
    vjp: (dy) => tf.slice(dy, [0, 0, ...begin], [-1, -1, ...inputShape]),
    // Channels-last padding keeps every channel's values in that channel.
    ...(last ? { mapChannels: (keep: Uint8Array) => keep.slice() } : {}),
  };
}
