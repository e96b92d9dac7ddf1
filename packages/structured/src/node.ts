/**
 * `@spam/structured/node`: a Node file-system `tf.io` handler that needs no tfjs-node. Kept out of
 * the main entry so that it stays browser-safe.
 * @packageDocumentation
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidOptionError } from '@spam/core';
import { ModelFileError } from './fs-errors.js';
import { parseModelJSON, specBytes } from './fs-manifest.js';
import { checkDirArg, ensureTargetDir, existingDir, existingFileInside, fileInside, prepareFile, writeReplacing } from './fs-paths.js';

export { ModelFileError, PathEscapeError, TargetDirError } from './fs-errors.js';
export { ensureTargetDir } from './fs-paths.js';

/** Options of {@link fileSystem}. */
export interface FileSystemOptions {
  /** Name of the topology + manifest file, relative to the directory. Default `'model.json'`. */
  modelFile?: string;
  /** Name of the weights file, relative to the directory. Default `'weights.bin'`. */
  weightsFile?: string;
}

/** One ArrayBuffer from a tfjs `WeightData` (a buffer or a list of buffers). */
function joinWeightData(data: ArrayBuffer | ArrayBuffer[] | undefined): Uint8Array {
  const parts = data === undefined ? [] : Array.isArray(data) ? data : [data];
  const out = new Uint8Array(parts.reduce((a, p) => a + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), offset);
    offset += p.byteLength;
  }
  return out;
}

const reason = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * A `tf.io.IOHandler` that saves to and loads from a directory: `model.json` (topology, weights
 * manifest, training config and metadata, in the tfjs layers-model format) and `weights.bin` (all
 * weights, concatenated). `await model.save(fileSystem(dir))`; `await tf.loadLayersModel(fileSystem(dir))`.
 *
 * Guarantees: every file read or written lies inside `dir` — `modelFile`, `weightsFile` and the
 * `weightsManifest` paths of a loaded `model.json` must be relative and must not climb out with
 * `..` or through a symbolic link ({@link PathEscapeError}); on save the directory is created
 * (its nearest existing ancestor must be a directory on ordinary storage, not `/proc`, `/sys`,
 * `/dev` or another pseudo file system: {@link TargetDirError}, never a hang) and the files are
 * replaced through a temporary file and a rename (a symlink at a file name is replaced, not
 * followed); on load `model.json` is checked (JSON, `modelTopology`, `weightsManifest`, weight
 * specs) and the weights files must be regular files holding exactly the bytes the weight specs
 * need (Π shape × dtype size), else {@link ModelFileError} before any tensor is created.
 * Bad option types raise `InvalidOptionError` at once.
 */
export function fileSystem(dirArg: string, options: FileSystemOptions = {}): tf.io.IOHandler {
  // Resolved once, so that a later process.chdir() cannot move the files.
  const dir = resolve(checkDirArg(dirArg));
  if (options === null || typeof options !== 'object')
    throw new InvalidOptionError('fileSystem options must be an object {modelFile, weightsFile}');
  const modelFile = options.modelFile ?? 'model.json';
  const weightsFile = options.weightsFile ?? 'weights.bin';
  const modelPath = fileInside('modelFile', modelFile, dir);
  const weightsPath = fileInside('weightsFile', weightsFile, dir);
  if (modelPath === weightsPath) throw new InvalidOptionError(`modelFile and weightsFile are the same file '${modelFile}'`);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new InvalidOptionError('fileSystem: binary model topologies (graph models) are not supported; save a tfjs-layers model');
      }
      const realRoot = await ensureTargetDir(dir);
      const weightsTarget = await prepareFile('weightsFile', weightsFile, weightsPath, dir, realRoot);
      const modelTarget = await prepareFile('modelFile', modelFile, modelPath, dir, realRoot);
      const weights = joinWeightData(artifacts.weightData);
      const manifest: tf.io.WeightsManifestConfig = [{ paths: [weightsFile], weights: artifacts.weightSpecs ?? [] }];
      const json: Record<string, unknown> = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: manifest,
      };
      for (const key of ['trainingConfig', 'signature', 'userDefinedMetadata', 'modelInitializer', 'initializerSignature'] as const) {
        if (artifacts[key] !== undefined) json[key] = artifacts[key];
      }
      await writeReplacing(weightsTarget, weights, dir);
      await writeReplacing(modelTarget, JSON.stringify(json), dir);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const realRoot = await existingDir(dir);
      const model = await existingFileInside('model file', modelFile, modelPath, dir, realRoot);
      let text: string;
      try {
        text = await readFile(model.real, 'utf8');
      } catch (e) {
        throw new ModelFileError(modelPath, `cannot read the model file: ${reason(e)}`, { cause: e });
      }
      const modelJSON = parseModelJSON(text, modelPath);
      const specs: tf.io.WeightsManifestEntry[] = [];
      const files: Array<{ path: string; real: string; size: number }> = [];
      for (const [g, group] of modelJSON.weightsManifest.entries()) {
        const need = group.weights.reduce((a, s) => a + specBytes(s), 0);
        let have = 0;
        for (const name of group.paths) {
          const what = `weightsManifest[${g}] path`;
          const f = await existingFileInside(what, name, fileInside(what, name, dir), dir, realRoot);
          files.push({ path: name, ...f });
          have += f.size;
        }
        if (have !== need) {
          throw new ModelFileError(
            join(dir, group.paths[0] ?? ''),
            `weightsManifest[${g}]: the weights file(s) [${group.paths.join(', ')}] hold ${have} bytes, but the ${group.weights.length} ` +
              `weight specs need ${need} (Π shape × dtype size); the file is truncated, padded or belongs to another model`,
          );
        }
        specs.push(...group.weights);
      }
      const all = new Uint8Array(files.reduce((a, f) => a + f.size, 0));
      let offset = 0;
      for (const f of files) {
        const buf = await readFile(f.real).catch((e: unknown) => {
          throw new ModelFileError(join(dir, f.path), `cannot read the weights file: ${reason(e)}`, { cause: e });
        });
        if (buf.byteLength !== f.size)
          throw new ModelFileError(join(dir, f.path), `the weights file changed size while loading (${f.size} → ${buf.byteLength} bytes)`);
        all.set(buf, offset);
        offset += buf.byteLength;
      }
      return tf.io.getModelArtifactsForJSONSync(modelJSON, specs, all.buffer);
    },
  };
}
