/**
 * The built-in layer adapters, one file per layer type. To support a new layer type, add a file
 * beside these that builds an `OpLayer` or `ParametricLayer`, and register it here.
 */
import { registerLayerAdapter } from '../registry.js';
import { activationLayer } from './activation.js';
import { conv2dLayer } from './conv2d.js';
import { denseLayer } from './dense.js';
import { globalAveragePooling2dLayer } from './global-average-pooling2d.js';
import { identityLayer } from './identity.js';
import { averagePooling2dLayer, maxPooling2dLayer } from './pooling2d.js';
import { reluLayer } from './relu.js';
import { flattenLayer, reshapeLayer } from './reshape.js';

/** Registers every built-in adapter; idempotent. */
export function registerBuiltinLayers(): void {
  registerLayerAdapter('InputLayer', identityLayer);
  registerLayerAdapter('Dropout', identityLayer);
  registerLayerAdapter('Dense', denseLayer);
  registerLayerAdapter('Conv2D', conv2dLayer);
  registerLayerAdapter('Activation', activationLayer);
  registerLayerAdapter('ReLU', reluLayer);
  registerLayerAdapter('Flatten', flattenLayer);
  registerLayerAdapter('Reshape', reshapeLayer);
  registerLayerAdapter('MaxPooling2D', maxPooling2dLayer);
  registerLayerAdapter('AveragePooling2D', averagePooling2dLayer);
  registerLayerAdapter('GlobalAveragePooling2D', globalAveragePooling2dLayer);
}
