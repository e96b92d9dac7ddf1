import { checkLikelihood, InvalidOptionError, type LikelihoodName } from '@spam/core';
import { CURVATURE_STRUCTURE_NAMES, type CurvatureStructure } from './curvature/structures.js';
import type { WorkersOption } from './parallel/workers.js';

export type { CurvatureStructure } from './curvature/structures.js';

/** Curvature types: exact GGN, Monte Carlo GGN with sampled labels, or the empirical Fisher. */
export type CurvatureType = 'ggn' | 'mc' | 'ef';

/**
 * KFAC convention for Conv2D layers: `'asdl'` ("expand", laplace-torch's ASDL backend, default)
 * or `'backpack'` (BackPACK's: locations summed in G, A divided by N only). Identical for Dense.
 */
export type KfacConvention = 'asdl' | 'backpack';

/** Progress of a curvature fit, reported once per batch. */
export interface CurvatureProgress {
  /** Always `'curvature'`. */
  stage: 'curvature';
  /** Batches done so far. */
  batches: number;
  /** Examples done so far. */
  examples: number;
  /** Total examples when known (tensor data), else undefined. */
  total?: number;
}

/** Options of `fitLaplace` / `fitCurvature`. */
export interface CurvatureOptions {
  /** `'classification'` (softmax cross-entropy) or `'regression'` (Gaussian). */
  likelihood: LikelihoodName;
  /** Structure of H. Default `'kron'`. */
  structure?: CurvatureStructure;
  /** Curvature type. Default `'ggn'`. */
  curvature?: CurvatureType;
  /** Observation noise σ for regression (H is stored for σ = 1; h_factor = 1/σ²). Default 1. */
  sigma?: number;
  /** Number of sampled labels per example for `curvature: 'mc'`. Default 1. */
  mcSamples?: number;
  /** Seed of the MC sampling. Default 0. */
  seed?: number;
  /** KFAC convention for Conv2D (`kron` only). Default `'asdl'`. */
  kfac?: KfacConvention;
  /** Called after every batch. */
  onProgress?: (p: CurvatureProgress) => void;
  /**
   * Data-parallel fit: a worker count, `'auto'` (one per core) or a `CurvatureWorkers` runner. Counts
   * need a registered runner (in Node: `import '@spam/laplace/parallel'`). Default 1 (in-process).
   */
  workers?: WorkersOption;
}

/** Options with defaults filled in and validated. */
export type ResolvedCurvatureOptions = Required<Omit<CurvatureOptions, 'onProgress' | 'workers'>> & Pick<CurvatureOptions, 'onProgress'>;

const TYPES: readonly CurvatureType[] = ['ggn', 'mc', 'ef'];

/** Fills defaults and throws `InvalidOptionError` naming any option outside its allowed set. */
export function resolveCurvatureOptions(o: CurvatureOptions): ResolvedCurvatureOptions {
  if (!o || typeof o !== 'object') throw new InvalidOptionError('options with a likelihood are required');
  const likelihood = checkLikelihood(o.likelihood);
  const structure = o.structure ?? 'kron';
  const curvature = o.curvature ?? 'ggn';
  if (!CURVATURE_STRUCTURE_NAMES.includes(structure)) {
    throw new InvalidOptionError(`structure must be one of ${CURVATURE_STRUCTURE_NAMES.join(', ')}, got '${String(structure)}'`);
  }
  if (!TYPES.includes(curvature)) throw new InvalidOptionError(`curvature must be one of ${TYPES.join(', ')}, got '${curvature}'`);
  const sigma = o.sigma ?? 1;
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new InvalidOptionError(`sigma must be a positive number, got ${sigma}`);
  const mcSamples = o.mcSamples ?? 1;
  if (!Number.isInteger(mcSamples) || mcSamples < 1) throw new InvalidOptionError(`mcSamples must be a positive integer, got ${mcSamples}`);
  const seed = o.seed ?? 0;
  if (!Number.isInteger(seed)) throw new InvalidOptionError(`seed must be an integer, got ${seed}`);
  const kfac = o.kfac ?? 'asdl';
  if (kfac !== 'asdl' && kfac !== 'backpack') throw new InvalidOptionError(`kfac must be 'asdl' or 'backpack', got '${String(kfac)}'`);
  return { likelihood, structure, curvature, sigma, mcSamples, seed, kfac, onProgress: o.onProgress };
}
