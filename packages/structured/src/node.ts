/**
 * `@spam/structured/node`: a Node file-system `tf.io` handler that needs no tfjs-node. Kept out of
 * the main entry so that it stays browser-safe.
 * @packageDocumentation
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link fileSystem}. */
export interface FileSystemOptions {
  /** Name of the topology + manifest file. Default `'model.json'`. */
  modelFile?: string;
  /** Name of the weights file. Default `'weights.bin'`. */
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

/** A Node Buffer's bytes as a standalone ArrayBuffer. */
function toArrayBuffer(buf: Uint8Array): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

/**
 * A `tf.io.IOHandler` that saves to and loads from a directory: `model.json` (topology, weights
 * manifest, training config and metadata, in the tfjs layers-model format) and `weights.bin` (all
 * weights, concatenated). `await model.save(fileSystem(dir))`; `await tf.loadLayersModel(fileSystem(dir))`.
 * The directory is created on save; the files are overwritten.
 */
export function fileSystem(dir: string, options: FileSystemOptions = {}): tf.io.IOHandler {
  const modelFile = options.modelFile ?? 'model.json';
  const weightsFile = options.weightsFile ?? 'weights.bin';
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error('fileSystem: binary model topologies (graph models) are not supported; save a tfjs-layers model');
      }
      await mkdir(dir, { recursive: true });
      const weights = joinWeightData(artifacts.weightData as ArrayBuffer | ArrayBuffer[] | undefined);
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
      await writeFile(join(dir, weightsFile), weights);
      await writeFile(join(dir, modelFile), JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const modelJSON = JSON.parse(await readFile(join(dir, modelFile), 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: Uint8Array[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const path of group.paths) buffers.push(await readFile(join(dir, path)));
        }
        const all = new Uint8Array(buffers.reduce((a, b) => a + b.byteLength, 0));
        let offset = 0;
        for (const b of buffers) {
          all.set(b, offset);
          offset += b.byteLength;
        }
        return [specs, toArrayBuffer(all)];
      });
    },
  };
}
