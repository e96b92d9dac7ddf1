import type { LayerAdapterFactory } from './types.js';
import { BUILTIN_LAYERS } from './layers/index.js';

const FACTORIES = new Map<string, LayerAdapterFactory>(Object.entries(BUILTIN_LAYERS));

/**
 * Registers (or replaces) the adapter for a tfjs layer class name. This is where a new layer type
 * plugs in: write one file under `adapter/layers/` and list it in
 * `adapter/layers/index.ts`, or call this from your own code for a custom layer class.
 */
export function registerLayerAdapter(className: string, factory: LayerAdapterFactory): void {
  FACTORIES.set(className, factory);
}

/** The adapter factory for a class name, or `undefined` when the layer type is unsupported. */
export function getLayerAdapter(className: string): LayerAdapterFactory | undefined {
  return FACTORIES.get(className);
}

/** Class names that currently have an adapter. */
export function supportedLayerTypes(): string[] {
  return [...FACTORIES.keys()].sort();
}
