import {
  assertModelUsable,
  buildModelAdapter,
  buildModelGraph,
  InvalidOptionError,
  ShapeMismatchError,
  type LayerLike,
  type ModelAdapter,
  type ModelLike,
  type ParametricLayer,
} from '@spam/core';
import { CoupledUnitsError } from './errors.js';

/** Unit keep masks keyed by Dense/Conv2D layer name: one flag per unit (true = keep). Missing layers keep all units. */
export type UnitMasks = Readonly<Record<string, ReadonlyArray<boolean>>>;

/** Throws `CoupledUnitsError` for the first layer that merges several inputs. */
export function checkNoMerges(model: ModelLike): void {
  for (const layer of model.layers) {
    const inbound = layer.inboundNodes[0]?.inboundLayers ?? [];
    if (inbound.length > 1) {
      const coupled = inbound.map((l) => nearestParametric(l));
      throw new CoupledUnitsError(
        layer.name,
        layer.getClassName(),
        inbound.map((l) => l.name),
        [...new Set(coupled)],
      );
    }
  }
}

/** The first layer with weights (or the model input) walking upstream from `layer`. */
function nearestParametric(layer: LayerLike): string {
  let l: LayerLike = layer;
  for (;;) {
    if (l.weights.length > 0 || l.getClassName() === 'InputLayer') return l.name;
    const inbound = l.inboundNodes[0]?.inboundLayers ?? [];
    if (inbound.length !== 1) return l.name;
    l = inbound[0];
  }
}

/**
 * Whether `pruneUnits` / `maskUnits` use the chain rules (units of Dense/Conv layers in a chain of
 * parametric and parameter-free layers, f(0) folded into the consumer's bias) rather than
 * dependency groups. `InvalidOptionError` for a non-model, `DisposedError` for a disposed one.
 */
export function usesChainRemoval(model: ModelLike): boolean {
  assertModelUsable(model);
  const graph = buildModelGraph(model);
  return graph.isChain && graph.nodes.every((n) => n.layer.kind === 'parametric' || n.layer.kind === 'op');
}

/**
 * The adapter of a chain model, after refusing a non-model (`InvalidOptionError`), a disposed
 * model (`DisposedError`) and merges (`CoupledUnitsError`).
 */
export function chainAdapter(model: ModelLike): ModelAdapter {
  assertModelUsable(model);
  checkNoMerges(model);
  return buildModelAdapter(model);
}

/**
 * Checks unit masks against the model's parametric layers and returns keep flags for every one
 * of them (all ones where no mask is given). Throws `InvalidOptionError` for unknown names,
 * non-boolean entries (also 0/1 numbers and typed arrays), a mask removing every unit or any unit of the last parametric layer, and
 * `ShapeMismatchError` for a wrong length.
 */
export function resolveMasks(adapter: ModelAdapter, masks: UnitMasks): Map<string, Uint8Array> {
  if (masks === null || typeof masks !== 'object' || Array.isArray(masks)) {
    throw new InvalidOptionError('unit masks must be an object mapping Dense/Conv2D layer names to boolean arrays');
  }
  const parametric = adapter.parametric;
  const names = parametric.map((l) => l.name);
  const byName = new Map<string, ParametricLayer>(parametric.map((l) => [l.name, l]));
  const last = parametric[parametric.length - 1];
  const out = new Map<string, Uint8Array>(parametric.map((l) => [l.name, new Uint8Array(l.units).fill(1)]));
  for (const [name, mask] of Object.entries(masks)) {
    const layer = byName.get(name);
    if (!layer) {
      const other = adapter.layers.find((l) => l.name === name);
      throw new InvalidOptionError(
        (other ? `unit mask for layer '${name}' (${other.className}), which has no units` : `unit mask for unknown layer '${name}'`) +
          `; masks are keyed by the Dense/Conv2D layer names of model '${adapter.name}': [${names.join(', ')}]`,
      );
    }
    if (mask === null || typeof mask !== 'object' || typeof (mask as ArrayLike<boolean>).length !== 'number') {
      throw new InvalidOptionError(`unit mask for layer '${name}' must be an array of ${layer.units} booleans`);
    }
    if (mask.length !== layer.units) {
      throw new ShapeMismatchError(`unit mask for layer '${name}' has ${mask.length} entries; the layer has ${layer.units} units`);
    }
    const keep = out.get(name)!;
    let kept = 0;
    for (let i = 0; i < mask.length; i++) {
      const v: unknown = mask[i];
      if (typeof v !== 'boolean') {
        throw new InvalidOptionError(
          `unit mask for layer '${name}': entry ${i} is ${typeof v === 'string' ? JSON.stringify(v) : String(v)} (${typeof v}), expected a boolean (true = keep)`,
        );
      }
      keep[i] = mask[i] ? 1 : 0;
      kept += keep[i];
    }
    if (kept === 0) throw new InvalidOptionError(`unit mask for layer '${name}' removes all ${layer.units} units; keep at least one`);
    if (layer === last && kept < layer.units) {
      throw new InvalidOptionError(
        `unit mask for layer '${name}' removes ${layer.units - kept} units, but it is the last parametric layer ` +
          '(its units are the model outputs) and is never removed',
      );
    }
  }
  return out;
}

/** Whether every flag is set. */
export function allKept(keep: Uint8Array): boolean {
  for (let i = 0; i < keep.length; i++) if (!keep[i]) return false;
  return true;
}

/** Indices of the set flags. */
export function keptIndices(keep: Uint8Array): number[] {
  const idx: number[] = [];
  for (let i = 0; i < keep.length; i++) if (keep[i]) idx.push(i);
  return idx;
}
