import type { Activation } from '../../activations.js';
import type { LayerLike } from '../../model-like.js';
import type { OpLayer } from '../types.js';
import { activationOf } from './util.js';

/** An element-wise (or softmax) op layer built from an {@link Activation}. */
export function activationOpLayer(layer: LayerLike, inputShape: number[], act: Activation): OpLayer {
  return {
    kind: 'op',
    name: layer.name,
    className: layer.getClassName(),
    inputShape,
    outputShape: inputShape,
    activation: act,
    forward: (x) => act.apply(x),
    vjp: (dy, x, y) => act.vjp(dy, x, y),
    // Element-wise: channel c of y depends on channel c of x alone. Softmax couples the channels.
    ...(act.elementwise ? { mapChannels: (keep: Uint8Array) => keep.slice() } : {}),
  };
}

/** `tf.layers.activation`: y = f(x). */
export function activationLayer(layer: LayerLike, inputShape: number[]): OpLayer {
  return activationOpLayer(layer, inputShape, activationOf(layer, layer.getConfig().activation));
}
