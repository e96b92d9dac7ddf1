/**
 * The saved-Laplace format (version 1): a JSON manifest and one little-endian float32 weights
 * buffer, in the style of `tf.io` model artifacts. Described field by field in the package README
 * ("Saving and loading"). This file checks a manifest's fields; `load.ts` checks it against the
 * structure's layout and the model.
 * @packageDocumentation
 */
import type { LikelihoodName } from '@spam/core';
import type { PriorJSON } from '@spam/priors';
import type { CurvatureType } from '../options.js';
import { crc32 } from './crc32.js';
import { LaplaceFormatError, LaplaceVersionError } from './errors.js';

/** The `format` field of every saved Laplace. */
export const LAPLACE_FORMAT = 'spam-laplace';
/** The format version this build writes and the newest it reads. */
export const LAPLACE_FORMAT_VERSION = 1;

/** One parameter tensor of the layout a Laplace was fitted on (the model's canonical order). */
export interface SavedParam {
  /** `<layer>/<weight>`, e.g. `dense_1/kernel`. */
  name: string;
  /** The layer's name in the model. */
  layerName: string;
  /** The tfjs weight name in the layer (`kernel`, `bias`, `gamma`, `embeddings`, …). */
  weight: string;
  /** `kernel`, `bias` or `scale`. */
  role: 'kernel' | 'bias' | 'scale';
  /** Whether the layer has a Kronecker form (else its curvature is an exact diagonal block under `kron`). */
  kron: boolean;
  /** tfjs shape. */
  shape: number[];
}

/** Where one tensor lies in the weights buffer. */
export interface SavedTensorSpec {
  /** Tensor name, e.g. `theta/dense_1/kernel`, `diag`, `H`, `kron/dense_1/A`, `eigen/dense_1/G/Q` (README lists them). */
  name: string;
  /** Shape. */
  shape: number[];
  /** Always `'float32'` in version 1 (little-endian). */
  dtype: 'float32';
  /** Offset of the first byte in the weights buffer. */
  byteOffset: number;
  /** 4 × the number of entries. */
  byteLength: number;
}

/** The JSON manifest of a saved Laplace (format version 1). */
export interface LaplaceManifest {
  /** Always `'spam-laplace'`. */
  format: typeof LAPLACE_FORMAT;
  /** Format version (1). A reader refuses a newer one with `LaplaceVersionError`. */
  version: number;
  /** Writer, `'@spam/laplace'`. */
  generatedBy: string;
  /** Curvature structure: a key of `CURVATURE_STRUCTURES` (`diag`, `kron`, `full`). */
  structure: string;
  /** Curvature type (`ggn`, `mc`, `ef`). */
  curvature: CurvatureType;
  /** Likelihood (`classification`, `regression`). */
  likelihood: LikelihoodName;
  /** Number of training examples N the curvature sums over. */
  nData: number;
  /** Observation noise σ. */
  sigma: number;
  /** Summed training loss at θ (for log p(D|θ)). */
  loss: number;
  /** Posterior temperature T recorded with the fit (1 unless given to `saveLaplace`). */
  temperature: number;
  /** Total number of parameters P. */
  numParams: number;
  /** Parameter layout, canonical order. */
  params: SavedParam[];
  /** The prior saved with the Laplace (its `toJSON()`), or null. */
  prior: PriorJSON | null;
  /** Whether the `kron` factors' eigendecompositions are in the buffer. */
  eigendecomposition: boolean;
  /** Bytes of the weights buffer. */
  byteLength: number;
  /** Every tensor in the buffer, in order, contiguous from byte 0. */
  tensors: SavedTensorSpec[];
  /** CRC-32 of the manifest's JSON without this field, and of the weights buffer. */
  checksum: { manifest: number; weights: number };
}

/** A saved Laplace in memory: the manifest and the weights buffer. */
export interface LaplaceArtifacts {
  /** The JSON manifest (an object; handlers serialise it as they like). */
  manifest: LaplaceManifest;
  /** All tensors, float32 little-endian, concatenated as `manifest.tensors` lists them. */
  weightData: ArrayBuffer;
}

/** CRC-32 of a manifest's JSON text without its `checksum` field (key order as given). */
export function manifestChecksum(manifest: object): number {
  const rest: Record<string, unknown> = { ...(manifest as Record<string, unknown>) };
  delete rest.checksum;
  return crc32(JSON.stringify(rest));
}

const kindOf = (x: unknown): string => (x === null ? 'null' : Array.isArray(x) ? `an array of ${x.length}` : typeof x);
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Field checkers that throw {@link LaplaceFormatError} naming the field and the source. */
function checkers(source?: string) {
  const fail = (field: string, why: string): never => {
    throw new LaplaceFormatError(field, why, source);
  };
  const int = (x: unknown, field: string, min = 0): number =>
    typeof x === 'number' && Number.isSafeInteger(x) && x >= min ? x : fail(field, `must be an integer ≥ ${min}, got ${String(x)}`);
  const positive = (x: unknown, field: string): number =>
    typeof x === 'number' && Number.isFinite(x) && x > 0 ? x : fail(field, `must be a positive finite number, got ${String(x)}`);
  const str = (x: unknown, field: string): string => (typeof x === 'string' ? x : fail(field, `must be a string, got ${kindOf(x)}`));
  const shape = (x: unknown, field: string): number[] =>
    Array.isArray(x) ? x.map((d, k) => int(d, `${field}[${k}]`)) : fail(field, `must be an array of sizes, got ${kindOf(x)}`);
  const oneOf = <T extends string>(x: unknown, field: string, allowed: readonly T[]): T =>
    allowed.includes(x as T) ? (x as T) : fail(field, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(x) ?? 'undefined'}`);
  const array = (x: unknown, field: string): unknown[] => (Array.isArray(x) ? x : fail(field, `must be an array, got ${kindOf(x)}`));
  const object = (x: unknown, field: string): Record<string, unknown> =>
    isObject(x) ? x : fail(field, `must be an object, got ${kindOf(x)}`);
  return { fail, int, positive, str, shape, oneOf, array, object };
}

/**
 * Checks a parsed manifest's fields (format, version, types and ranges, tensor specs contiguous
 * from byte 0 and summing to `byteLength`, the manifest checksum) without creating any tensor.
 * Throws {@link LaplaceVersionError} for a newer version, {@link LaplaceFormatError} otherwise.
 * The structure name is checked by the loader (it knows the registry).
 */
export function parseManifest(json: unknown, source?: string): LaplaceManifest {
  const c = checkers(source);
  const m = c.object(json, '(root)');
  if (m.format !== LAPLACE_FORMAT)
    c.fail('format', `not a saved SpaM Laplace (format must be "${LAPLACE_FORMAT}", got ${JSON.stringify(m.format) ?? 'undefined'})`);
  const version = c.int(m.version, 'version', 1);
  if (version > LAPLACE_FORMAT_VERSION) throw new LaplaceVersionError(version, LAPLACE_FORMAT_VERSION, source);
  const params = c.array(m.params, 'params').map((x, i): SavedParam => {
    const f = `params[${i}]`;
    const p = c.object(x, f);
    if (typeof p.kron !== 'boolean') c.fail(`${f}.kron`, `must be a boolean, got ${kindOf(p.kron)}`);
    return {
      name: c.str(p.name, `${f}.name`),
      layerName: c.str(p.layerName, `${f}.layerName`),
      weight: c.str(p.weight, `${f}.weight`),
      role: c.oneOf(p.role, `${f}.role`, ['kernel', 'bias', 'scale'] as const),
      kron: p.kron as boolean,
      shape: c.shape(p.shape, `${f}.shape`),
    };
  });
  const numParams = c.int(m.numParams, 'numParams');
  const sum = params.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
  if (sum !== numParams) c.fail('numParams', `is ${numParams} but the params' shapes hold ${sum} entries`);
  let offset = 0;
  const tensors = c.array(m.tensors, 'tensors').map((x, i): SavedTensorSpec => {
    const f = `tensors[${i}]`;
    const t = c.object(x, f);
    const shape = c.shape(t.shape, `${f}.shape`);
    c.oneOf(t.dtype, `${f}.dtype`, ['float32'] as const);
    const byteOffset = c.int(t.byteOffset, `${f}.byteOffset`);
    const byteLength = c.int(t.byteLength, `${f}.byteLength`);
    if (byteOffset !== offset) c.fail(`${f}.byteOffset`, `is ${byteOffset}, expected ${offset} (tensors lie contiguously in order)`);
    const need = 4 * shape.reduce((a, b) => a * b, 1);
    if (byteLength !== need) c.fail(`${f}.byteLength`, `is ${byteLength}, but a float32 tensor of shape [${shape}] takes ${need}`);
    offset += byteLength;
    return { name: c.str(t.name, `${f}.name`), shape, dtype: 'float32', byteOffset, byteLength };
  });
  const byteLength = c.int(m.byteLength, 'byteLength');
  if (byteLength !== offset) c.fail('byteLength', `is ${byteLength} but the tensors take ${offset} bytes`);
  if (m.prior !== null && !isObject(m.prior)) c.fail('prior', `must be a prior JSON object or null, got ${kindOf(m.prior)}`);
  if (typeof m.eigendecomposition !== 'boolean') c.fail('eigendecomposition', `must be a boolean, got ${kindOf(m.eigendecomposition)}`);
  const loss = m.loss;
  if (typeof loss !== 'number' || !Number.isFinite(loss)) c.fail('loss', `must be a finite number, got ${String(loss)}`);
  const checksum = c.object(m.checksum, 'checksum');
  c.int(checksum.weights, 'checksum.weights');
  const expected = manifestChecksum(m);
  if (c.int(checksum.manifest, 'checksum.manifest') !== expected)
    c.fail(
      'checksum.manifest',
      `is ${String(checksum.manifest)} but the manifest's CRC-32 is ${expected}: the file was edited or corrupted`,
    );
  return {
    format: LAPLACE_FORMAT,
    version,
    generatedBy: typeof m.generatedBy === 'string' ? m.generatedBy : '',
    structure: c.str(m.structure, 'structure'),
    curvature: c.oneOf(m.curvature, 'curvature', ['ggn', 'mc', 'ef'] as const),
    likelihood: c.oneOf(m.likelihood, 'likelihood', ['classification', 'regression'] as const),
    nData: c.int(m.nData, 'nData', 1),
    sigma: c.positive(m.sigma, 'sigma'),
    loss: loss as number,
    temperature: c.positive(m.temperature, 'temperature'),
    numParams,
    params,
    prior: (m.prior ?? null) as PriorJSON | null,
    eigendecomposition: m.eigendecomposition as boolean,
    byteLength,
    tensors,
    checksum: { manifest: expected, weights: checksum.weights as number },
  };
}

/**
 * Checks the weights buffer against a parsed manifest: its length (a truncated or padded buffer)
 * and its CRC-32 (flipped bytes). Throws {@link LaplaceFormatError} with field `weights`.
 */
export function checkWeights(manifest: LaplaceManifest, weightData: unknown, source?: string): Uint8Array {
  if (!(weightData instanceof ArrayBuffer))
    throw new LaplaceFormatError('weights', `the weight data must be an ArrayBuffer, got ${kindOf(weightData)}`, source);
  const bytes = new Uint8Array(weightData);
  if (bytes.byteLength !== manifest.byteLength) {
    throw new LaplaceFormatError(
      'weights',
      `the weights hold ${bytes.byteLength} bytes but the manifest's tensors need ${manifest.byteLength}: ` +
        'the weights file is truncated, padded or belongs to another save',
      source,
    );
  }
  const crc = crc32(bytes);
  if (crc !== manifest.checksum.weights) {
    throw new LaplaceFormatError(
      'weights',
      `CRC-32 ${crc} of the weights differs from the manifest's ${manifest.checksum.weights}: the weights are corrupted or belong to another save`,
      source,
    );
  }
  return bytes;
}
