import type * as tf from '@tensorflow/tfjs-core';
import { ModelFileError } from './fs-errors.js';

/** Bytes per element of the weight dtypes a layers model stores (`string` weights are variable-length: refused). */
const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
/** Bytes per element of quantized weights. */
const QUANT_BYTES: Readonly<Record<string, number>> = { uint8: 1, uint16: 2, float16: 2 };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses and checks the text of a `model.json` (tfjs layers-model format): a JSON object with a
 * `modelTopology` object (`{class_name, config}`, optionally wrapped in `model_config`) and a
 * `weightsManifest` array of `{paths: string[], weights: WeightsManifestEntry[]}` groups whose
 * specs have a string name, a shape of non-negative integers and a known dtype / quantization.
 * Throws {@link ModelFileError} naming `file` and the field at fault.
 */
export function parseModelJSON(text: string, file: string): tf.io.ModelJSON {
  const fail = (why: string): never => {
    throw new ModelFileError(file, why);
  };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelFileError(file, `is not valid JSON (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  if (!isObject(json)) return fail('must hold a JSON object');
  const topology = json.modelTopology;
  if (!isObject(topology)) return fail('modelTopology must be an object (a tfjs layers-model topology); graph models are not supported');
  const model = isObject(topology.model_config) ? topology.model_config : topology;
  if (typeof model.class_name !== 'string' || !isObject(model.config)) {
    fail('modelTopology must have a string class_name and a config object (a tfjs layers-model topology)');
  }
  for (const key of ['trainingConfig', 'userDefinedMetadata', 'signature', 'modelInitializer'] as const) {
    if (json[key] !== undefined && json[key] !== null && !isObject(json[key])) fail(`${key} must be an object`);
  }
  for (const key of ['format', 'generatedBy', 'convertedBy'] as const) {
    if (json[key] !== undefined && json[key] !== null && typeof json[key] !== 'string') fail(`${key} must be a string`);
  }
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest)) return fail('weightsManifest must be an array of {paths, weights} groups');
  manifest.forEach((group: unknown, g) => {
    if (!isObject(group)) return fail(`weightsManifest[${g}] must be an object {paths, weights}`);
    if (!Array.isArray(group.paths)) fail(`weightsManifest[${g}].paths must be an array of file names`);
    (group.paths as unknown[]).forEach((p, i) => {
      if (typeof p !== 'string' || p.length === 0)
        fail(`weightsManifest[${g}].paths[${i}] must be a non-empty file name, got ${JSON.stringify(p)}`);
    });
    if (!Array.isArray(group.weights)) fail(`weightsManifest[${g}].weights must be an array of weight specs`);
    (group.weights as unknown[]).forEach((spec, i) => checkSpec(spec, `weightsManifest[${g}].weights[${i}]`, fail));
  });
  return json as unknown as tf.io.ModelJSON;
}

function checkSpec(spec: unknown, where: string, fail: (why: string) => never): void {
  if (!isObject(spec)) fail(`${where} must be a weight spec object {name, shape, dtype}`);
  const s = spec;
  if (typeof s.name !== 'string' || s.name.length === 0) fail(`${where}.name must be a non-empty string`);
  const shape = s.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    fail(`${where} ('${String(s.name)}'): shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (typeof s.dtype !== 'string' || !(s.dtype in DTYPE_BYTES)) {
    fail(`${where} ('${String(s.name)}'): dtype must be one of ${Object.keys(DTYPE_BYTES).join(', ')}, got ${JSON.stringify(s.dtype)}`);
  }
  if (s.quantization !== undefined) {
    const q = s.quantization;
    if (!isObject(q) || typeof q.dtype !== 'string' || !(q.dtype in QUANT_BYTES)) {
      fail(`${where} ('${String(s.name)}'): quantization.dtype must be one of ${Object.keys(QUANT_BYTES).join(', ')}`);
    }
  }
}

/** Bytes a checked weight spec occupies in the weights file: Π shape × bytes per element (of the quantized dtype if quantized). */
export function specBytes(spec: tf.io.WeightsManifestEntry): number {
  const per = spec.quantization ? QUANT_BYTES[spec.quantization.dtype] : DTYPE_BYTES[spec.dtype];
  return spec.shape.reduce((a, d) => a * d, 1) * per;
}
