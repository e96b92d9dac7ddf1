/**
 * Structured removal through graphs: the smaller functional model (configs with the new unit
 * counts, deleted attention heads, sliced weights) and the masked copy (the same entries zeroed).
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { ShapeMismatchError, type LayerVariableLike } from '@spam/core';
import type { UnitMasks } from '../masks-input.js';
import { channelFacts } from './channel-graph.js';
import type { DependencyGroupOptions } from './dependency-groups.js';
import { planGroupRemoval, type GroupRemovalPlan } from './group-plan.js';
import { modelConfig, rebuildModel, type ConfigDict } from '../rebuild.js';

/** `[layerName, nodeIndex, tensorIndex, kwargs]` of a functional config's inbound nodes / outputs. */
type NodeRef = [string, number, number, ...unknown[]];
/** A layer of a functional config (tfjs 4.22's getConfig uses camelCase keys; snake_case from model.json). */
interface LayerEntry {
  name?: string;
  config: ConfigDict;
  inboundNodes?: NodeRef[][];
  inbound_nodes?: NodeRef[][];
}

const INBOUND = ['inboundNodes', 'inbound_nodes'] as const;
const OUTPUTS = ['outputLayers', 'output_layers'] as const;

const count = (keep: Uint8Array) => keep.reduce((a, v) => a + v, 0);

/** The model config with new unit counts, resized Reshapes and removed heads (their branches deleted, the Concatenate narrowed or bypassed). */
function prunedConfig(model: LayersModel, plan: GroupRemovalPlan): { config: ConfigDict; deleted: Set<string> } {
  const config = modelConfig(model);
  const layers = (config.layers ?? []) as LayerEntry[];
  const entry = (name: string) => {
    const e = layers.find((l) => (l.config?.name ?? l.name) === name);
    if (!e) throw new ShapeMismatchError(`layer '${name}' is missing from the model config`);
    return e;
  };
  const { nodes } = plan.analysis.channels.graph;
  const deleted = new Set(plan.removedHeads.flatMap((h) => h.nodes.map((n) => nodes[n].layer.name)));
  nodes.forEach((n, i) => {
    const l = n.layer;
    if (deleted.has(l.name)) return;
    if (l.kind === 'parametric' && l.unitSlicing) entry(l.name).config[l.unitSlicing.unitsKey] = count(plan.keepOut[i]);
    const f = channelFacts(l);
    if (f?.resize) f.resize(entry(l.name).config, count(plan.keepOut[i]));
  });
  if (deleted.size === 0) return { config, deleted };
  const concats = new Set(plan.removedHeads.map((h) => nodes[h.concat].layer.name));
  const bypass = new Map<string, NodeRef>();
  for (const name of concats) {
    const e = entry(name);
    const key = INBOUND.find((k) => e[k]) ?? 'inboundNodes';
    const refs = (e[key]?.[0] ?? []).filter((r) => !deleted.has(r[0]));
    e[key] = [refs];
    if (refs.length === 1) {
      bypass.set(name, refs[0]);
      deleted.add(name);
    }
  }
  const redirect = (r: NodeRef): NodeRef => {
    const to = bypass.get(r[0]);
    return to ? [to[0], to[1], to[2], ...r.slice(3)] : r;
  };
  config.layers = layers.filter((l) => !deleted.has(String(l.config?.name ?? l.name ?? '')));
  for (const l of config.layers as LayerEntry[]) for (const k of INBOUND) if (l[k]) l[k] = l[k].map((node) => node.map(redirect));
  for (const k of OUTPUTS) if (Array.isArray(config[k])) config[k] = (config[k] as NodeRef[]).map(redirect);
  return { config, deleted };
}

/** `w` without the cut entries (a copy in any case). */
function sliceWeight(w: Tensor, cuts: Map<number, Set<number>> | undefined): Tensor {
  return tf.tidy(() => {
    let t = w;
    for (const [axis, gone] of cuts ?? []) {
      const keep: number[] = [];
      for (let i = 0; i < (t.shape[axis] ?? 0); i++) if (!gone.has(i)) keep.push(i);
      t = tf.gather(t, tf.tensor1d(keep, 'int32'), axis);
    }
    return t === w ? tf.clone(w) : t;
  });
}

/** `w` with the cut entries set to +0. */
function zeroWeight(w: Tensor, cuts: Map<number, Set<number>> | undefined): Tensor {
  return tf.tidy(() => {
    let t = w;
    for (const [axis, gone] of cuts ?? []) {
      const shape = w.shape.map((d, a) => (a === axis ? d : 1));
      const flags = Array.from({ length: w.shape[axis] }, (_, i) => !gone.has(i));
      const m = tf.broadcastTo(tf.reshape(tf.tensor1d(flags, 'bool'), shape), w.shape);
      t = tf.where(m, t, tf.zerosLike(t));
    }
    return t === w ? tf.clone(w) : t;
  });
}

/** A new model from `config` whose layers (except deleted ones) get `transform` of each source weight. */
function rebuildWith(
  model: LayersModel,
  config: ConfigDict,
  deleted: ReadonlySet<string>,
  transform: (variable: LayerVariableLike, value: Tensor) => Tensor,
): LayersModel {
  return rebuildModel(model, config, (layer) => layer.weights.map((v) => transform(v, v.read())), deleted);
}

/** {@link pruneUnits} for graphs: removes every masked dependency group (see the README's section on graphs). */
export function pruneGraph(model: LayersModel, masks: UnitMasks, options: DependencyGroupOptions = {}): LayersModel {
  const plan = planGroupRemoval(model, masks, options);
  const { config, deleted } = prunedConfig(model, plan);
  return rebuildWith(model, config, deleted, (v, value) => sliceWeight(value, plan.cuts.get(v)));
}

/**
 * {@link maskUnits} for graphs: zeroes every trainable weight slice of the masked groups (units'
 * kernel columns and biases, consumers' input rows, BN γ/β, depthwise kernels); moving
 * statistics and the graph are unchanged. Equals {@link pruneGraph}'s output.
 */
export function maskGraph(model: LayersModel, masks: UnitMasks, options: DependencyGroupOptions = {}): LayersModel {
  const plan = planGroupRemoval(model, masks, options);
  const config = modelConfig(model);
  return rebuildWith(model, config, new Set(), (v, value) => (v.trainable ? zeroWeight(value, plan.cuts.get(v)) : tf.clone(value)));
}
