/**
 * `@spam/core`: the model adapter that re-expresses a tfjs-layers model with tfjs-core ops
 * (captured forward, batched backward), the canonical parameter layout, likelihoods, data
 * batching and SpaM's typed errors.
 * @packageDocumentation
 */
export * from './errors.js';
export type { LayerLike, LayerVariableLike, ModelLike } from './model-like.js';
export { getActivation, SUPPORTED_ACTIVATIONS, type Activation } from './activations.js';
export type {
  AdaptedLayer,
  ChannelFacts,
  ChannelWeight,
  LayerAdapterContext,
  LayerAdapterFactory,
  LayerWeight,
  MergeLayer,
  OpLayer,
  ParametricLayer,
  ParamLayer,
  UnitLayout,
  WeightedLayer,
} from './adapter/types.js';
export { buildModelGraph, type GraphNode, type ModelGraph } from './adapter/graph.js';
export { checkModelInput, type ModelInputSpec } from './adapter/input-check.js';
export { registerLayerAdapter, getLayerAdapter, supportedLayerTypes } from './adapter/registry.js';
export {
  buildModelAdapter,
  type AdapterOptions,
  type ForwardTrace,
  type LayerCapture,
  type ModelAdapter,
} from './adapter/model-adapter.js';
export { canonicalParams, layerWeights, paramTensors, type ParamBlock } from './params.js';
export {
  checkLikelihood,
  checkSigma,
  denseTargets,
  lossSum,
  logLikelihoodFromLoss,
  nllGradient,
  outputHessianSqrt,
  type OutputHessianSqrtOptions,
  sampledOutputHessianSqrt,
  type LikelihoodName,
} from './likelihood.js';
export { assertModelUsable, assertTensorUsable, isModelDisposed } from './disposed.js';
export {
  assertFinite,
  countExamples,
  knownExampleCount,
  iterateBatches,
  permutation,
  type IterateOptions,
  type Batch,
  type DataSource,
  type DatasetLike,
  type OwnedBatch,
  type TensorData,
} from './data.js';
export { meanNllGradients, type LossAndGradients } from './train/loss-gradients.js';
export { parameterGradients } from './train/parameter-gradients.js';
export { trainEpoch, type EpochResult, type TrainEpochOptions } from './train/train-epoch.js';
export { evaluate, type ClassificationMetrics, type EvaluateOptions, type RegressionMetrics } from './metrics.js';
export { mulberry32 } from './random.js';
export { eventLoopYielder } from './event-loop.js';
export { sumAll, weightedSum } from './sums.js';
export { deprecated } from './deprecated.js';
export { checkTfjsVersion, isSupportedTfjsVersion, SUPPORTED_TFJS_CORE_RANGE } from './tfjs-version.js';

import { checkTfjsVersion } from './tfjs-version.js';
// Warn once, at load, when the installed tfjs-core is outside the supported range (buildModelAdapter
// checks again, so a bundler that drops this statement still gets the warning on first use).
checkTfjsVersion();
