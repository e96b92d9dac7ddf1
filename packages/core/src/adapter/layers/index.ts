/**
 * The built-in layer adapters, one file per layer type. To support a new layer type, add a file
 * beside these that builds an `OpLayer` or `ParametricLayer` and list it here (or call
 * `registerLayerAdapter` from your own code).
 */
import type { LayerAdapterFactory } from '../types.js';
import { activationLayer } from './activation.js';
import { conv2dLayer } from './conv2d.js';
import { denseLayer } from './dense.js';
import { globalAveragePooling2dLayer } from './global-average-pooling2d.js';
import { identityLayer } from './identity.js';
import { averagePooling2dLayer, maxPooling2dLayer } from './pooling2d.js';
import { reluLayer } from './relu.js';
import { flattenLayer, reshapeLayer } from './reshape.js';

/** tfjs class name → adapter factory, for every layer type SpaM supports out of the box. */
export const BUILTIN_LAYERS: Readonly<Record<string, LayerAdapterFactory>> = {
  InputLayer: identityLayer,
  Dropout: identityLayer,
  Dense: denseLayer,
  Conv2D: conv2dLayer,
  Activation: activationLayer,
  ReLU: reluLayer,
  Flatten: flattenLayer,
  Reshape: reshapeLayer,
  MaxPooling2D: maxPooling2dLayer,
  AveragePooling2D: averagePooling2dLayer,
  GlobalAveragePooling2D: globalAveragePooling2dLayer,
};
