import type { Tensor } from '@tensorflow/tfjs-core';
import { InvalidOptionError, ShapeMismatchError } from '@spam/core';
import { Prior } from '@spam/priors';
import { BaseLaplace } from '../curvature/base.js';
import { checkPriorFits } from '../marglik/log-marglik.js';
import { LAPLACE_CODECS } from './codecs.js';
import { crc32 } from './crc32.js';
import {
  LAPLACE_FORMAT,
  LAPLACE_FORMAT_VERSION,
  manifestChecksum,
  type LaplaceArtifacts,
  type LaplaceManifest,
  type SavedParam,
  type SavedTensorSpec,
} from './format.js';
import type { LaplaceIOHandler, LaplaceSaveResult } from './handler.js';

/** Options of {@link saveLaplace}. */
export interface SaveLaplaceOptions {
  /** A prior over the same parameters, saved with the Laplace (its `toJSON()`); `loadLaplace` rebuilds it. */
  prior?: Prior;
  /**
   * `kron`: whether to save the factors' eigendecompositions (the loaded Laplace then skips the
   * float64 eigendecomposition). Default: saved when the Laplace has computed them, so that the
   * loaded Laplace is in the same state (round trip bit-exact). Ignored by other structures.
   */
  eigendecomposition?: boolean;
  /** Posterior temperature to record with the fit (returned by `loadLaplace`). Default 1. */
  temperature?: number;
}

/** Whether this machine stores float32 little-endian (the file format's byte order). */
const LITTLE_ENDIAN = new Uint8Array(new Float32Array([1]).buffer)[3] === 0x3f;

/** Writes float32 values little-endian at byte `offset`. */
export function writeFloat32LE(bytes: Uint8Array, offset: number, values: Float32Array): void {
  if (LITTLE_ENDIAN) {
    bytes.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), offset);
    return;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  for (let i = 0; i < values.length; i++) view.setFloat32(offset + 4 * i, values[i], true);
}

/** Reads `n` float32 values stored little-endian at byte `offset` (a copy). */
export function readFloat32LE(bytes: Uint8Array, offset: number, n: number): Float32Array {
  if (LITTLE_ENDIAN) return new Float32Array(bytes.slice(offset, offset + 4 * n).buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  return Float32Array.from({ length: n }, (_, i) => view.getFloat32(offset + 4 * i, true));
}

/**
 * Saves a fitted Laplace (and optionally a prior) through a handler: a JSON manifest (format,
 * version, structure, curvature type, likelihood, N, σ, loss, temperature, parameter layout, the
 * prior's JSON, tensor specs, CRC-32 checksums) and one float32 buffer holding θ and the
 * structure's curvature tensors (README, "Saving and loading", lists them). Reads the tensors'
 * values and creates no tensor (for `kron` with `eigendecomposition: true` the Laplace computes
 * and caches its eigendecomposition, as the marginal likelihood would).
 *
 * Throws `InvalidOptionError` for a non-Laplace, a handler without `save` or a bad option,
 * `DisposedError` for a disposed Laplace or prior, `PriorMismatchError` for a prior over other
 * parameters; the handler's own errors pass through (nothing is written before they occur).
 *
 * @example
 * const h = toMemory();
 * await saveLaplace(lap, h, { prior });
 * const { laplace, prior: p } = await loadLaplace(h, model);
 */
export async function saveLaplace(
  la: BaseLaplace,
  handler: LaplaceIOHandler,
  options: SaveLaplaceOptions = {},
): Promise<LaplaceSaveResult> {
  if (!(la instanceof BaseLaplace))
    throw new InvalidOptionError(`saveLaplace needs a fitted Laplace (from fitLaplace), got ${describe(la)}`);
  la.assertNotDisposed();
  if (typeof handler?.save !== 'function')
    throw new InvalidOptionError('saveLaplace: the handler has no save() method (use toMemory(), browserDownloads() or fileSystem(dir))');
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('saveLaplace options must be an object');
  const { prior, eigendecomposition, temperature = 1 } = options;
  if (!(typeof temperature === 'number' && Number.isFinite(temperature) && temperature > 0))
    throw new InvalidOptionError(`saveLaplace option temperature must be a positive finite number, got ${String(temperature)}`);
  if (eigendecomposition !== undefined && typeof eigendecomposition !== 'boolean')
    throw new InvalidOptionError(`saveLaplace option eigendecomposition must be a boolean, got ${String(eigendecomposition)}`);
  if (prior !== undefined && !(prior instanceof Prior))
    throw new InvalidOptionError(`saveLaplace option prior must be a Prior (createPrior / priorFromJSON), got ${describe(prior)}`);
  if (prior) checkPriorFits(la, prior);
  const priorJSON = prior ? prior.toJSON() : null;
  if (!Object.prototype.hasOwnProperty.call(LAPLACE_CODECS, la.structure))
    throw new InvalidOptionError(
      `saveLaplace: structure '${la.structure}' has no saved format (known: ${Object.keys(LAPLACE_CODECS).join(', ')})`,
    );
  const codec = LAPLACE_CODECS[la.structure as keyof typeof LAPLACE_CODECS];

  const params: SavedParam[] = la.params.map((p) => ({
    name: p.name,
    layerName: p.layerName,
    weight: p.weight,
    role: p.role,
    kron: p.kron,
    shape: [...p.shape],
  }));
  const eigen = (eigendecomposition ?? codec.hasEigen(la)) && codec.layout(params, true).length > codec.layout(params, false).length;
  const layout = [...params.map((p) => ({ name: `theta/${p.name}`, shape: p.shape })), ...codec.layout(params, eigen)];
  const tensors: Tensor[] = [...la.theta, ...codec.tensors(la, eigen)];
  if (tensors.length !== layout.length)
    throw new ShapeMismatchError(`saveLaplace: ${tensors.length} tensors for ${layout.length} layout entries`);
  let offset = 0;
  const specs: SavedTensorSpec[] = layout.map((l, i) => {
    if (tensors[i].shape.join() !== l.shape.join())
      throw new ShapeMismatchError(`saveLaplace: tensor '${l.name}' has shape [${tensors[i].shape}], the layout says [${l.shape}]`);
    const byteLength = 4 * tensors[i].size;
    const spec: SavedTensorSpec = { name: l.name, shape: [...l.shape], dtype: 'float32', byteOffset: offset, byteLength };
    offset += byteLength;
    return spec;
  });
  const bytes = new Uint8Array(offset);
  const values = await Promise.all(tensors.map((t) => t.data<'float32'>()));
  values.forEach((v, i) => writeFloat32LE(bytes, specs[i].byteOffset, Float32Array.from(v)));

  const body: Omit<LaplaceManifest, 'checksum'> = {
    format: LAPLACE_FORMAT,
    version: LAPLACE_FORMAT_VERSION,
    generatedBy: '@spam/laplace',
    structure: la.structure,
    curvature: la.curvature,
    likelihood: la.likelihood,
    nData: la.nData,
    sigma: la.sigma,
    loss: la.loss,
    temperature,
    numParams: la.numParams,
    params,
    prior: priorJSON,
    eigendecomposition: eigen,
    byteLength: offset,
    tensors: specs,
  };
  const manifest: LaplaceManifest = { ...body, checksum: { manifest: manifestChecksum(body), weights: crc32(bytes) } };
  const artifacts: LaplaceArtifacts = { manifest, weightData: bytes.buffer };
  return handler.save(artifacts);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return `${typeof v} ${String(v)}`;
  return v.constructor?.name ?? 'an object';
}
