/**
 * The data a training runs on, in host memory (float32 features, integer labels), and the decoding
 * of the bundled sets that scripts/build-data.mjs writes to `data/<id>.json` + `data/<id>.bin`.
 * Browser-safe (no Node import): used by the page, the worker and the Node tests.
 */

/** A classification data set split into training and test parts. */
export interface HostDataset {
  /** Short id (`mnist`, `breast-cancer`, `digits`, or `csv:<file name>`). */
  id: string;
  title: string;
  numFeatures: number;
  numClasses: number;
  classNames: string[];
  /** Row-major features `[nTrain·numFeatures]` / `[nTest·numFeatures]`. */
  xTrain: Float32Array;
  xTest: Float32Array;
  /** Labels 0..numClasses−1. */
  yTrain: Int32Array;
  yTest: Int32Array;
}

/** The `data/<id>.json` descriptor of a bundled set. */
export interface BundledMeta {
  id: string;
  title: string;
  source: string;
  numFeatures: number;
  numClasses: number;
  nTrain: number;
  nTest: number;
  classNames: string[];
  /** MNIST: the features are uint8 codes into this table of pixel values. */
  pixelTable?: number[];
  bytes: number;
  /** xTrain, xTest, yTrain, yTest in the `.bin` file: byte offset, element count, typed-array class. */
  layout: { offset: number; length: number; dtype: string }[];
}

/** The ids of the bundled sets, in menu order. */
export const BUNDLED_SETS = ['breast-cancer', 'digits', 'mnist'] as const;

/** Thrown for a bundled data file that does not match its descriptor. */
export class DataFileError extends Error {
  override name = 'DataFileError';
}

/** Decodes a bundled set from its descriptor and `.bin` bytes; `DataFileError` names the file on a mismatch. */
export function decodeBundled(meta: BundledMeta, bin: ArrayBuffer): HostDataset {
  if (bin.byteLength !== meta.bytes)
    throw new DataFileError(`data/${meta.id}.bin: ${bin.byteLength} bytes, the descriptor says ${meta.bytes}`);
  if (meta.layout.length !== 4) throw new DataFileError(`data/${meta.id}.json: layout must have 4 parts (xTrain, xTest, yTrain, yTest)`);
  const part = (i: number): Float32Array | Uint8Array => {
    const { offset, length, dtype } = meta.layout[i];
    if (dtype === 'Float32Array') return new Float32Array(bin, offset, length);
    if (dtype === 'Uint8Array') return new Uint8Array(bin, offset, length);
    throw new DataFileError(`data/${meta.id}.json: unknown dtype '${dtype}'`);
  };
  const features = (p: Float32Array | Uint8Array): Float32Array => {
    if (p instanceof Float32Array) return p.slice();
    if (!meta.pixelTable) throw new DataFileError(`data/${meta.id}.json: uint8 features need a pixelTable`);
    const table = Float32Array.from(meta.pixelTable);
    return Float32Array.from(p, (c) => table[c]);
  };
  const labels = (p: Float32Array | Uint8Array) => Int32Array.from(p);
  const d: HostDataset = {
    id: meta.id,
    title: meta.title,
    numFeatures: meta.numFeatures,
    numClasses: meta.numClasses,
    classNames: meta.classNames,
    xTrain: features(part(0)),
    xTest: features(part(1)),
    yTrain: labels(part(2)),
    yTest: labels(part(3)),
  };
  if (d.xTrain.length !== meta.nTrain * meta.numFeatures || d.yTrain.length !== meta.nTrain || d.yTest.length !== meta.nTest) {
    throw new DataFileError(
      `data/${meta.id}.bin: part sizes do not match ${meta.nTrain} / ${meta.nTest} rows of ${meta.numFeatures} features`,
    );
  }
  return d;
}

/** The first `nTrain` training rows and `nTest` test rows of `d` (all when undefined or larger). */
export function headRows(d: HostDataset, nTrain?: number, nTest?: number): HostDataset {
  const tr = Math.min(nTrain ?? d.yTrain.length, d.yTrain.length);
  const te = Math.min(nTest ?? d.yTest.length, d.yTest.length);
  const f = d.numFeatures;
  return {
    ...d,
    xTrain: d.xTrain.slice(0, tr * f),
    yTrain: d.yTrain.slice(0, tr),
    xTest: d.xTest.slice(0, te * f),
    yTest: d.yTest.slice(0, te),
  };
}
