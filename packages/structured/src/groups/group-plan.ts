import { InvalidOptionError, ShapeMismatchError, type LayerVariableLike, type ModelLike } from '@spam/core';
import { GroupMaskError } from '../errors.js';
import type { UnitMasks } from '../masks-input.js';
import type { HeadBranch } from './channel-graph.js';
import { analyseGroups, type DependencyGroup, type DependencyGroupOptions, type GroupAnalysis } from './dependency-groups.js';

/** What removing the masked groups does to the graph and its weights. */
export interface GroupRemovalPlan {
  readonly analysis: GroupAnalysis;
  /** Per group: removed. */
  readonly removed: readonly boolean[];
  /** Per node: keep flags of its output's last-axis positions. */
  readonly keepOut: readonly Uint8Array[];
  /** Per variable: the removed entries along each axis (trainable and not). */
  readonly cuts: Map<LayerVariableLike, Map<number, Set<number>>>;
  /** Heads removed whole (their branch's layers are deleted). */
  readonly removedHeads: readonly HeadBranch[];
}

/** `'<layer>/<weight>'` names of a group's members. */
export function memberNames(g: DependencyGroup): string[] {
  return [...new Set(g.members.map((m) => `${m.layer}/${m.weight}`))];
}

/**
 * Resolves unit masks (keyed by parametric layer names, true = keep; a missing layer keeps all
 * its units) against the model's dependency groups: every group must be kept or removed whole
 * ({@link GroupMaskError} `'split'`), only prunable groups may go (`'fixed'`), no layer may lose
 * all its units unless it belongs to a removed attention head (`'empty-layer'`), and every
 * Concatenate of heads keeps one (`'no-heads'`). `InvalidOptionError` / `ShapeMismatchError` for
 * malformed masks and unknown layers.
 */
export function planGroupRemoval(model: ModelLike, masks: UnitMasks, options: DependencyGroupOptions = {}): GroupRemovalPlan {
  if (masks === null || typeof masks !== 'object' || Array.isArray(masks)) {
    throw new InvalidOptionError('unit masks must be an object mapping Dense/Conv2D layer names to boolean arrays');
  }
  const analysis = analyseGroups(model, options);
  const { groups, channels: cg } = analysis;
  const sizes = new Map<string, number>();
  for (const n of cg.graph.nodes) if (n.layer.kind === 'parametric') sizes.set(n.layer.name, n.layer.units);
  const keep = new Map<string, Uint8Array>();
  for (const [name, mask] of Object.entries(masks)) {
    const size = sizes.get(name);
    if (size === undefined) {
      const other = cg.graph.nodes.find((n) => n.layer.name === name)?.layer;
      throw new InvalidOptionError(
        (other
          ? `unit mask for layer '${name}' (${other.className}), which has no units of its own (its channels follow its producer's; mask the producer, e.g. with groupMasks)`
          : `unit mask for unknown layer '${name}'`) +
          `; masks are keyed by the parametric layers of model '${model.name}': [${[...sizes.keys()].join(', ')}]`,
      );
    }
    if (mask === null || typeof mask !== 'object' || typeof (mask as ArrayLike<boolean>).length !== 'number') {
      throw new InvalidOptionError(`unit mask for layer '${name}' must be an array of ${size} booleans`);
    }
    if (mask.length !== size)
      throw new ShapeMismatchError(`unit mask for layer '${name}' has ${mask.length} entries; the layer has ${size} units`);
    const k = new Uint8Array(size);
    for (let i = 0; i < size; i++) {
      const v: unknown = mask[i];
      if (typeof v !== 'boolean') {
        throw new InvalidOptionError(
          `unit mask for layer '${name}': entry ${i} is ${String(v)} (${typeof v}), expected a boolean (true = keep)`,
        );
      }
      k[i] = v ? 1 : 0;
    }
    keep.set(name, k);
  }
  const flag = (u: { layer: string; index: number }) => keep.get(u.layer)?.[u.index] ?? 1;
  const removed = groups.map((g) => {
    const kept = g.units.filter((u) => flag(u) === 1);
    if (kept.length === g.units.length) return false;
    if (kept.length > 0) {
      const gone = g.units.filter((u) => flag(u) === 0);
      throw new GroupMaskError(
        'split',
        g.name,
        memberNames(g),
        `unit masks split dependency group '${g.name}': they keep ${kept.map((u) => `${u.layer}:${u.index}`).join(', ')} ` +
          `but remove ${gone.map((u) => `${u.layer}:${u.index}`).join(', ')}; its units must be kept or removed together`,
      );
    }
    if (!g.prunable) {
      throw new GroupMaskError(
        'fixed',
        g.name,
        memberNames(g),
        `unit masks remove dependency group '${g.name}', which cannot be removed: ${g.reason}`,
      );
    }
    return true;
  });
  const removedHeads = groups.flatMap((g, i) => (removed[i] && analysis.headOf[i] ? [analysis.headOf[i]] : []));
  const inRemovedHead = new Set(removedHeads.flatMap((h) => h.nodes.map((n) => cg.graph.nodes[n].layer.name)));
  for (const [name, size] of sizes) {
    const k = keep.get(name);
    if (!k || k.some((v) => v === 1) || inRemovedHead.has(name)) continue;
    const touched = groups.filter((g) => g.units.some((u) => u.layer === name));
    throw new GroupMaskError(
      'empty-layer',
      name,
      touched.map((g) => g.name),
      `unit masks remove all ${size} units of layer '${name}'; keep at least one`,
    );
  }
  const headsByConcat = new Map<number, HeadBranch[]>();
  analysis.headOf.forEach((h) => h && headsByConcat.set(h.concat, [...(headsByConcat.get(h.concat) ?? []), h]));
  for (const [concat, heads] of headsByConcat) {
    if (heads.every((h) => removedHeads.includes(h))) {
      const name = cg.graph.nodes[concat].layer.name;
      throw new GroupMaskError(
        'no-heads',
        name,
        heads.map((h) => groups[analysis.headOf.indexOf(h)].name),
        `unit masks remove all ${heads.length} attention heads joined by '${name}'; keep at least one`,
      );
    }
  }
  const groupOf = (id: number) => analysis.groupOfRoot.get(cg.root(id));
  const keepOut = cg.chans.map((ids) =>
    Uint8Array.from(ids, (id) => {
      const g = groupOf(id);
      return g !== undefined && removed[g] ? 0 : 1;
    }),
  );
  const cuts = new Map<LayerVariableLike, Map<number, Set<number>>>();
  analysis.slices.forEach((slices, g) => {
    if (!removed[g]) return;
    for (const s of slices) {
      if (!cuts.has(s.variable)) cuts.set(s.variable, new Map());
      const byAxis = cuts.get(s.variable)!;
      if (!byAxis.has(s.axis)) byAxis.set(s.axis, new Set());
      for (const i of s.indices) byAxis.get(s.axis)!.add(i);
    }
  });
  return { analysis, removed, keepOut, cuts, removedHeads };
}
