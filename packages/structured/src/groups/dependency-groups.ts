import { assertModelUsable, InvalidOptionError, type LayerVariableLike, type ModelLike } from '@spam/core';
import { channelGraph, type ChannelGraph, type HeadBranch } from './channel-graph.js';

/** One weight slice of a dependency group: `layer`'s weight `weight`, entries `indices` along `axis`. */
export interface GroupMember {
  /** tfjs layer name. */
  readonly layer: string;
  /** tfjs class name. */
  readonly className: string;
  /** Weight name within the layer (`'kernel'`, `'bias'`, `'gamma'`, `'moving_mean'`, `'depthwise_kernel'`, …). */
  readonly weight: string;
  /** Axis of the weight the indices run along. */
  readonly axis: number;
  /** Entries along `axis` removed with the group. */
  readonly indices: readonly number[];
  /** `'unit'`: the group's own units (kernel columns, bias); `'input'`: a consumer's input rows; `'follow'`: per-channel weights of a following layer (BN, depthwise). */
  readonly role: 'unit' | 'input' | 'follow';
}

/** A set of units that structured removal must remove together. */
export interface DependencyGroup {
  /** Index in the list {@link dependencyGroups} returns. */
  readonly id: number;
  /** `'<layer>:<unit>'` of its first unit, or `'<concat>[<input>]'` for an attention head. */
  readonly name: string;
  /** `'channel'` (one channel, coupled through merges, BN, depthwise, …) or `'head'` (an attention head: its q/k/v units and its rows of the output projection). */
  readonly kind: 'channel' | 'head';
  /** Groups of one family are ranked together by `groupMasks` (`scope: 'family'`): the same source layers, or the heads of one Concatenate. */
  readonly family: string;
  /** The parametric units in the group: the entries a {@link UnitMasks} sets (true = keep) for this group. */
  readonly units: ReadonlyArray<{ readonly layer: string; readonly index: number }>;
  /** Per-channel positions of following weighted layers (BN, depthwise …), whose unit scores also count for the group. */
  readonly follows: ReadonlyArray<{ readonly layer: string; readonly index: number }>;
  /** Every weight slice removed with the group. */
  readonly members: readonly GroupMember[];
  /** Whether it may be removed (false for the model input/output, barriers, and by default a LayerNormalization-ed residual stream). */
  readonly prunable: boolean;
  /** Why not, when `prunable` is false. */
  readonly reason?: string;
}

/** Options of {@link dependencyGroups}. */
export interface DependencyGroupOptions {
  /**
   * Allow removing channels a LayerNormalization normalises over (a transformer's residual
   * stream). Default false. Removal then renormalises over fewer channels, so the pruned model
   * differs from the masked one.
   */
  residualStream?: boolean;
}

/** Internal: the public groups plus what removal needs. */
export interface GroupAnalysis {
  readonly groups: DependencyGroup[];
  readonly channels: ChannelGraph;
  /** Group index of every channel-id root. */
  readonly groupOfRoot: Map<number, number>;
  /** Per group: its slices with their live variables. */
  readonly slices: ReadonlyArray<ReadonlyArray<{ variable: LayerVariableLike; axis: number; indices: number[]; trainable: boolean }>>;
  /** Per group: the head it is, if any. */
  readonly headOf: ReadonlyArray<HeadBranch | undefined>;
}

const weightName = (v: LayerVariableLike) => v.name.slice(v.name.lastIndexOf('/') + 1).replace(/_\d+$/, '');

/** Checks the options object of the group functions. */
export function checkGroupOptions(options: unknown, fn: string): DependencyGroupOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidOptionError(`${fn} options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  const o = options as DependencyGroupOptions;
  if (o.residualStream !== undefined && typeof o.residualStream !== 'boolean') {
    throw new InvalidOptionError(`${fn} option residualStream must be a boolean, got ${String(o.residualStream)}`);
  }
  return o;
}

/** Builds every dependency group of a model (see {@link dependencyGroups}). */
export function analyseGroups(model: ModelLike, options: DependencyGroupOptions = {}): GroupAnalysis {
  assertModelUsable(model);
  const cg = channelGraph(model);
  const byRoot = new Map<number, number[]>();
  cg.members.forEach((_, id) => {
    const r = cg.root(id);
    if (!byRoot.has(r)) byRoot.set(r, []);
    byRoot.get(r)!.push(id);
  });
  const headByRoot = new Map(cg.heads.map((h) => [cg.root(h.id), h]));
  const groups: DependencyGroup[] = [];
  const slices: GroupAnalysis['slices'][number][] = [];
  const headOf: Array<HeadBranch | undefined> = [];
  const groupOfRoot = new Map<number, number>();
  for (const [r, ids] of byRoot) {
    const units = ids.flatMap((id) => cg.units[id]);
    if (units.length === 0) continue; // channels of the input or of parameter-free layers: nothing to remove
    let reason = ids.map((id) => cg.fixed[id]).find((x) => x !== undefined);
    const norm = ids.map((id) => cg.normalized[id]).find((x) => x !== undefined);
    if (!reason && norm && !options.residualStream) reason = `${norm} (a residual stream; pass residualStream: true to remove it)`;
    const bySlice = new Map<
      string,
      { variable: LayerVariableLike; axis: number; indices: number[]; m: GroupMember & { indices: number[] } }
    >();
    const keyOf = new Map<LayerVariableLike, number>();
    for (const id of ids) {
      for (const m of cg.members[id]) {
        if (!keyOf.has(m.variable)) keyOf.set(m.variable, keyOf.size);
        const key = `${keyOf.get(m.variable)}:${m.axis}:${m.role}`;
        let s = bySlice.get(key);
        if (!s) {
          const pub = {
            layer: m.layer,
            className: m.className,
            weight: weightName(m.variable),
            axis: m.axis,
            indices: [] as number[],
            role: m.role,
          };
          s = { variable: m.variable, axis: m.axis, indices: pub.indices, m: pub };
          bySlice.set(key, s);
        }
        if (!s.indices.includes(m.index)) s.indices.push(m.index);
      }
    }
    for (const s of bySlice.values()) s.indices.sort((a, b) => a - b);
    const head = headByRoot.get(r);
    const concatName = head ? cg.graph.nodes[head.concat].layer.name : '';
    const idx = groups.length;
    groupOfRoot.set(r, idx);
    const sources = [...new Set(units.map((u) => u.layer))].sort();
    groups.push({
      id: idx,
      name: head ? `${concatName}[${head.input}]` : `${units[0].layer}:${units[0].index}`,
      kind: head ? 'head' : 'channel',
      family: head ? `heads:${concatName}` : sources.join('+'),
      units,
      follows: ids.flatMap((id) => cg.follows[id]),
      members: [...bySlice.values()].map((s) => s.m),
      prunable: reason === undefined,
      ...(reason !== undefined ? { reason } : {}),
    });
    slices.push(
      [...bySlice.values()].map((s) => ({ variable: s.variable, axis: s.axis, indices: s.indices, trainable: s.variable.trainable })),
    );
    headOf.push(head);
  }
  return { groups, channels: cg, groupOfRoot, slices, headOf };
}

/**
 * The dependency groups of a model's units: the sets of units (Dense neurons, convolution
 * channels, attention heads) that structured removal must remove together, found from the
 * adapter graph. A parametric layer's unit starts a channel; layers that carry channels
 * (activations, BatchNormalization, depthwise convolutions, pooling, Dropout, ZeroPadding2D,
 * Flatten, global pooling, a channel-preserving Reshape) pass it on; `Add`/`Multiply`/`Average`/
 * `Maximum`/`Minimum` join the channels of their inputs (the residual stream), `Concatenate` stacks
 * them, a `Dot` contracting two last axes joins q's and k's channels; a branch feeding one input
 * of a Concatenate that holds such a Dot is an attention head (its q/k/v units and its rows of
 * the output projection are one group). Every group lists its units (mask entries) and every
 * weight slice removed with it (kernels' columns and input rows, biases, BN γ/β/moving
 * statistics, depthwise kernels). Groups touching the model input or output, a layer that does
 * not carry channels, or (unless `residualStream`) a LayerNormalization are not prunable, with
 * the reason. Typed adapter errors for models the adapter refuses; `InvalidOptionError` for bad
 * options; nothing to dispose.
 */
export function dependencyGroups(model: ModelLike, options: DependencyGroupOptions = {}): DependencyGroup[] {
  return analyseGroups(model, checkGroupOptions(options, 'dependencyGroups')).groups;
}
