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
// Layers with weights beyond Dense/Conv2D (graph-weighted-layers).
import { batchNormalizationLayer } from './batch-normalization.js';
import { conv1dLayer } from './conv1d.js';
import { depthwiseConv2dLayer } from './depthwise-conv2d.js';
import { embeddingLayer } from './embedding.js';
import { layerNormalizationLayer } from './layer-normalization.js';
import { preluLayer } from './prelu.js';
import { separableConv2dLayer } from './separable-conv2d.js';
// Parameter-free merges and op layers (graph-op-layers).
import { eluLayer, leakyReluLayer, thresholdedReluLayer } from './advanced-activations.js';
import { concatenateLayer } from './concatenate.js';
import { dotLayer } from './dot.js';
import { globalAveragePooling1dLayer, globalMaxPooling1dLayer, globalMaxPooling2dLayer } from './global-pooling.js';
import { addLayer, averageLayer, maximumLayer, minimumLayer, multiplyLayer } from './merge-elementwise.js';
import { permuteLayer } from './permute.js';
import { repeatVectorLayer } from './repeat-vector.js';
import { softmaxLayer } from './softmax.js';
import { zeroPadding2dLayer } from './zero-padding2d.js';

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
  // Layers with weights beyond Dense/Conv2D (graph-weighted-layers).
  Conv1D: conv1dLayer,
  Embedding: embeddingLayer,
  BatchNormalization: batchNormalizationLayer,
  LayerNormalization: layerNormalizationLayer,
  DepthwiseConv2D: depthwiseConv2dLayer,
  SeparableConv2D: separableConv2dLayer,
  PReLU: preluLayer,
  // Parameter-free merges and op layers (graph-op-layers).
  Add: addLayer,
  Average: averageLayer,
  Multiply: multiplyLayer,
  Maximum: maximumLayer,
  Minimum: minimumLayer,
  Concatenate: concatenateLayer,
  Dot: dotLayer,
  Permute: permuteLayer,
  RepeatVector: repeatVectorLayer,
  ZeroPadding2D: zeroPadding2dLayer,
  GlobalAveragePooling1D: globalAveragePooling1dLayer,
  GlobalMaxPooling1D: globalMaxPooling1dLayer,
  GlobalMaxPooling2D: globalMaxPooling2dLayer,
  Softmax: softmaxLayer,
  LeakyReLU: leakyReluLayer,
  ELU: eluLayer,
  ThresholdedReLU: thresholdedReluLayer,
};
