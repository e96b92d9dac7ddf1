/**
 * Rebuilding a model from an edited config with new weights: shared by chain removal
 * (`prune-units.ts`) and graph removal (`groups/graph-removal.ts`).
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { LayersModel, Sequential } from '@tensorflow/tfjs-layers';
import type { LayerLike } from '@spam/core';

/** A model or layer config as JSON. */
export type ConfigDict = Record<string, unknown>;

/**
 * A deep copy of the model's config. tfjs 4.22's SeparableConv2D `getConfig` omits
 * `depthMultiplier` (fromConfig would rebuild it with multiplier 1): it is restored from the layer.
 */
export function modelConfig(model: LayersModel): ConfigDict {
  const config = JSON.parse(JSON.stringify(model.getConfig())) as ConfigDict;
  for (const e of (config.layers ?? []) as Array<{ name?: string; config?: ConfigDict }>) {
    if (!e.config || e.config.depthMultiplier !== undefined) continue;
    const name = e.config.name ?? e.name;
    const layer = model.layers.find((l) => l.name === name);
    const mult = (layer as unknown as { depthMultiplier?: unknown } | undefined)?.depthMultiplier;
    if (typeof mult === 'number') e.config.depthMultiplier = mult;
  }
  return config;
}

/**
 * A new model from `config` (same class as `model`). Every layer of `model` with weights, except
 * those in `skip`, gets the tensors `weightsOf` returns (owned: disposed here) or, for `null`,
 * copies of its own weights. Leaves no tensors behind, also on failure.
 */
export function rebuildModel(
  model: LayersModel,
  config: ConfigDict,
  weightsOf: (layer: LayerLike) => Tensor[] | null,
  skip: ReadonlySet<string> = new Set(),
): LayersModel {
  const cls = model.getClassName() === 'Sequential' ? Sequential : LayersModel;
  const created = cls.fromConfig(cls, config as never, {}, true) as LayersModel;
  try {
    for (const layer of model.layers) {
      if (layer.weights.length === 0 || skip.has(layer.name)) continue;
      const own = weightsOf(layer);
      // Fresh copies through host memory: on tfjs 4.22's wasm backend a tensor sharing its data with a
      // reshaped one (a gather result) keeps the old rank in the backend, which fused Conv2D rejects.
      const weights = (own ?? layer.weights.map((w) => w.read())).map((t) => tf.tensor(t.dataSync(), t.shape, t.dtype));
      if (own) tf.dispose(own);
      try {
        created.getLayer(layer.name).setWeights(weights);
      } finally {
        tf.dispose(weights);
      }
    }
  } catch (e) {
    created.dispose();
    throw e;
  }
  return created;
}
