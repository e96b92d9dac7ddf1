/**
 * `@spam/laplace`: Laplace curvature of tfjs-layers models — diagonal, KFAC and full GGN, with
 * exact, Monte Carlo and empirical-Fisher curvature types — summed over a whole data set.
 * @packageDocumentation
 */
export { fitLaplace, MAX_FULL_PARAMS, type Laplace, type LaplaceFor } from './fit.js';
export {
  resolveCurvatureOptions,
  type CurvatureOptions,
  type CurvatureProgress,
  type CurvatureStructure,
  type CurvatureType,
  type KfacConvention,
  type ResolvedCurvatureOptions,
} from './options.js';
export {
  BaseLaplace,
  resolveKronPrior,
  type KronPriorMode,
  type LaplaceInfo,
  type StructureSpec,
  type CurvatureAccumulator,
  type LayerInput,
} from './curvature/base.js';
export { CURVATURE_STRUCTURES, CURVATURE_STRUCTURE_NAMES } from './curvature/structures.js';
export { DiagLaplace } from './curvature/diag.js';
export { KronLaplace, type KronFactor } from './curvature/kron.js';
export { FullLaplace } from './curvature/full.js';
export type { KronLogDetMethod, PrecisionStructure } from './curvature/base.js';
export { MAX_EXACT_BLOCK } from './curvature/kron.js';
export type { FactorEigen } from './curvature/kron-eigen.js';
export { eigh, eigvalsh, type Eigh, type EighOptions } from './linalg/eigh.js';
export { EighNotConvergedError } from './linalg/eigh-checks.js';
export {
  checkPriorFits,
  logMarginalLikelihood,
  logMarginalLikelihoodTerms,
  kronPriorOf,
  type LogMarglikOptions,
  type LogMarglikTerms,
} from './marglik/log-marglik.js';
export { MarglikTuner, type HyperProgress, type MarglikStepResult, type MarglikTunerOptions } from './marglik/tuner.js';
export {
  marglikTraining,
  type MarglikHistoryEntry,
  type MarglikProgress,
  type MarglikTrainingOptions,
  type MarglikTrainingResult,
  type MarglikHooks,
  type MarglikStepState,
} from './marglik/training.js';
export {
  fitCurvaturePartial,
  laplaceFromPartial,
  mergeCurvaturePartials,
  PARTIAL_FORMAT,
  PARTIAL_VERSION,
  type CurvaturePartial,
  type HostArray,
  type PartialOptions,
} from './parallel/partial.js';
export {
  setDefaultCurvatureWorkers,
  type CurvatureJob,
  type CurvatureShard,
  type CurvatureWorkers,
  type WorkersOption,
} from './parallel/workers.js';
export { PartialMismatchError, WorkerPoolDisposedError, WorkerShardError } from './parallel/errors.js';
export { lossWithPrior, marglikCallback, type MarglikCallback, type MarglikCallbackOptions } from './marglik/fit-callback.js';
export {
  saveLaplace,
  loadLaplace,
  toMemory,
  fromMemory,
  browserDownloads,
  browserFiles,
  laplaceFileNames,
  LAPLACE_FORMAT,
  LAPLACE_FORMAT_VERSION,
  LAPLACE_CODECS,
  LaplaceFormatError,
  LaplaceMismatchError,
  LaplaceVersionError,
  type SaveLaplaceOptions,
  type LoadedLaplace,
  type LaplaceIOHandler,
  type LaplaceSaveResult,
  type MemoryLaplaceHandler,
  type DownloadHost,
  type NamedBlob,
  type LaplaceArtifacts,
  type LaplaceManifest,
  type SavedParam,
  type SavedTensorSpec,
  type LaplaceCodec,
  type LayoutEntry,
} from './io/index.js';
export * from './predictive/index.js';
