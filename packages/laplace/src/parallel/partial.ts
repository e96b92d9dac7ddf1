import * as tf from '@tensorflow/tfjs-core';
import { buildModelAdapter, InvalidDataError, type DataSource, type ModelAdapter, type ModelLike } from '@spam/core';
import { accumulateCurvature, assertFiniteCurvature } from '../accumulate.js';
import { CURVATURE_STRUCTURES } from '../curvature/structures.js';
import type { LaplaceInfo } from '../curvature/base.js';
import type { Laplace } from '../curvature/structures.js';
import { resolveCurvatureOptions, type CurvatureOptions, type ResolvedCurvatureOptions } from '../options.js';
import { PartialMismatchError } from './errors.js';

/** A tensor as plain host data (structured-clone and transfer friendly). */
export interface HostArray {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

/** The format tag and version of {@link CurvaturePartial}. */
export const PARTIAL_FORMAT = 'spam-curvature-partial';
/** The version of {@link CurvaturePartial} this build writes and reads. */
export const PARTIAL_VERSION = 1;

/**
 * The curvature sums of a fit over part of the data, as plain float32 buffers: mergeable (sums add)
 * and serialisable (structured clone, or JSON + the buffers), so a fit can be split over workers,
 * processes or machines and summed. Produced by {@link fitCurvaturePartial}, combined by
 * {@link mergeCurvaturePartials}, turned into a Laplace by {@link laplaceFromPartial}.
 */
export interface CurvaturePartial {
  format: typeof PARTIAL_FORMAT;
  version: number;
  /** Curvature structure, type and the options that change the sums. */
  structure: ResolvedCurvatureOptions['structure'];
  curvature: ResolvedCurvatureOptions['curvature'];
  likelihood: ResolvedCurvatureOptions['likelihood'];
  kfac: ResolvedCurvatureOptions['kfac'];
  mcSamples: number;
  seed: number;
  /** Parameter layout the sums refer to: `layer/weight` names and shapes, canonical order. */
  params: Array<{ name: string; shape: number[] }>;
  /** Global index of the first batch summed, and how many batches / examples. */
  firstBatch: number;
  batches: number;
  nData: number;
  /** Summed loss. */
  loss: number;
  /** The structure's summed contributions. */
  sums: HostArray[];
}

/** Options of {@link fitCurvaturePartial}: `fitLaplace`'s, plus where the shard starts. */
export interface PartialOptions extends CurvatureOptions {
  /** Global index of the data's first batch (seeds the MC labels as a single fit would). Default 0. */
  firstBatch?: number;
}

function layout(adapter: ModelAdapter): CurvaturePartial['params'] {
  return adapter.params.map((p) => ({ name: p.name, shape: p.shape.slice() }));
}

/**
 * Fits the curvature sums of `model` over `data` (one shard of a larger data set) without building
 * a Laplace: the result holds no tensors. `mergeCurvaturePartials` over the shards of a data set,
 * then `laplaceFromPartial`, gives `fitLaplace` over the whole set (to float32 rounding of the sums).
 *
 * @example
 * const parts = [await fitCurvaturePartial(model, shard0, opts), await fitCurvaturePartial(model, shard1, { ...opts, firstBatch: 4 })];
 * const la = laplaceFromPartial(model, mergeCurvaturePartials(parts), opts);
 */
export async function fitCurvaturePartial(model: ModelLike, data: DataSource, options: PartialOptions): Promise<CurvaturePartial> {
  const o = resolveCurvatureOptions(options);
  const firstBatch = options.firstBatch ?? 0;
  if (!Number.isInteger(firstBatch) || firstBatch < 0)
    throw new PartialMismatchError(`firstBatch must be a non-negative integer, got ${firstBatch}`);
  const adapter = buildModelAdapter(model, { logits: o.likelihood === 'classification' });
  const spec = CURVATURE_STRUCTURES[o.structure];
  spec.check?.(adapter);
  const r = await accumulateCurvature(adapter, spec.accumulator(o), o, data, firstBatch, (batches, examples) =>
    o.onProgress?.({ stage: 'curvature', batches, examples }),
  );
  try {
    const sums = await Promise.all(
      r.sums.map(async (s): Promise<HostArray> => ({ shape: s.shape.slice(), dtype: 'float32', data: (await s.data()) as Float32Array })),
    );
    return {
      format: PARTIAL_FORMAT,
      version: PARTIAL_VERSION,
      structure: o.structure,
      curvature: o.curvature,
      likelihood: o.likelihood,
      kfac: o.kfac,
      mcSamples: o.mcSamples,
      seed: o.seed,
      params: layout(adapter),
      firstBatch,
      batches: r.batches,
      nData: r.nData,
      loss: r.loss,
      sums,
    };
  } finally {
    tf.dispose(r.sums);
  }
}

const OPTION_KEYS = ['structure', 'curvature', 'likelihood', 'kfac', 'mcSamples', 'seed'] as const;

function checkPartial(p: CurvaturePartial, what: string): void {
  if (!p || typeof p !== 'object' || p.format !== PARTIAL_FORMAT)
    throw new PartialMismatchError(`${what} is not a curvature partial (format '${String(p?.format)}', expected '${PARTIAL_FORMAT}')`);
  if (p.version !== PARTIAL_VERSION)
    throw new PartialMismatchError(`${what} has format version ${p.version}; this build reads version ${PARTIAL_VERSION}`);
  if (!Array.isArray(p.sums) || p.sums.some((s) => s.data.length !== s.shape.reduce((a, b) => a * b, 1)))
    throw new PartialMismatchError(`${what}: a summed term's buffer length does not match its shape (truncated or corrupt)`);
}

/**
 * Adds partial sums of disjoint shards (in their data order, by `firstBatch`): the merged partial
 * covers their union. Throws `PartialMismatchError` when the partials differ in structure, options
 * or parameter layout, or overlap.
 */
export function mergeCurvaturePartials(partials: readonly CurvaturePartial[]): CurvaturePartial {
  const given: unknown = partials;
  if (!Array.isArray(given) || partials.length === 0) throw new PartialMismatchError('mergeCurvaturePartials needs at least one partial');
  partials.forEach((p, i) => checkPartial(p, `partial ${i}`));
  const sorted = [...partials].sort((a, b) => a.firstBatch - b.firstBatch);
  const [first] = sorted;
  const sig = JSON.stringify(first.params);
  for (let i = 1; i < sorted.length; i++) {
    const p = sorted[i];
    for (const k of OPTION_KEYS) {
      if (p[k] !== first[k]) throw new PartialMismatchError(`partials disagree on ${k}: '${String(first[k])}' vs '${String(p[k])}'`);
    }
    if (JSON.stringify(p.params) !== sig) throw new PartialMismatchError('partials were fitted on models with different parameter layouts');
    const prev = sorted[i - 1];
    if (p.firstBatch < prev.firstBatch + prev.batches)
      throw new PartialMismatchError(`partials overlap: batches from ${p.firstBatch} are also in the partial from ${prev.firstBatch}`);
    if (p.sums.length !== first.sums.length || p.sums.some((s, j) => s.data.length !== first.sums[j].data.length))
      throw new PartialMismatchError('partials have different summed terms');
  }
  const sums = first.sums.map((s, j): HostArray => {
    const out = new Float32Array(s.data.length);
    for (const p of sorted) {
      const d = p.sums[j].data;
      for (let t = 0; t < out.length; t++) out[t] += d[t];
    }
    return { shape: s.shape.slice(), dtype: 'float32', data: out };
  });
  return {
    ...first,
    params: first.params.map((p) => ({ name: p.name, shape: p.shape.slice() })),
    firstBatch: first.firstBatch,
    batches: sorted.reduce((a, p) => a + p.batches, 0),
    nData: sorted.reduce((a, p) => a + p.nData, 0),
    loss: sorted.reduce((a, p) => a + p.loss, 0),
    sums,
  };
}

/**
 * Builds the fitted Laplace of `model` from (merged) partial sums, at the model's current weights.
 * `options` must match the partial's (structure, curvature type, likelihood, KFAC convention, MC
 * samples and seed); σ is taken from `options`.
 */
export function laplaceFromPartial(model: ModelLike, partial: CurvaturePartial, options: CurvatureOptions): Laplace {
  checkPartial(partial, 'the partial');
  const o = resolveCurvatureOptions(options);
  for (const k of OPTION_KEYS) {
    if (partial[k] !== o[k])
      throw new PartialMismatchError(`the partial was fitted with ${k} '${String(partial[k])}', the options say '${String(o[k])}'`);
  }
  const adapter = buildModelAdapter(model, { logits: o.likelihood === 'classification' });
  if (JSON.stringify(layout(adapter)) !== JSON.stringify(partial.params))
    throw new PartialMismatchError(`the partial was fitted on another model: parameter layout differs from model '${adapter.name}'`);
  if (partial.nData === 0) throw new InvalidDataError('the partial covers no examples');
  const spec = CURVATURE_STRUCTURES[o.structure];
  const sums = partial.sums.map((s) => tf.tensor(s.data, s.shape, 'float32'));
  assertFiniteCurvature(adapter, sums, partial.loss);
  const info: LaplaceInfo = {
    likelihood: o.likelihood,
    curvature: o.curvature,
    sigma: o.sigma,
    nData: partial.nData,
    loss: partial.loss,
    params: adapter.params,
    theta: adapter.params.map((p) => tf.clone(p.variable.read())),
  };
  return spec.create(info, sums, adapter, o);
}
