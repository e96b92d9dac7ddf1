import { InvalidOptionError, NonFiniteError, type ModelLike } from '@spam/core';
import type { UnitMasks } from '../masks-input.js';
import type { UnitScores } from '../unit-scores.js';
import { analyseGroups, checkGroupOptions, type DependencyGroup, type DependencyGroupOptions } from './dependency-groups.js';

/** How the unit scores of a group's members are combined. */
export type GroupAggregate = 'sum' | 'mean' | 'max';

/** Options of {@link groupScores}. */
export interface GroupScoreOptions extends DependencyGroupOptions {
  /** Σ (default, as the paper sums unit scores), mean or max over the group's member unit scores. */
  aggregate?: GroupAggregate;
}

/** One score per prunable dependency group (host memory, nothing to dispose). */
export interface GroupScores {
  /** The element criterion of the unit scores. */
  readonly criterion: string;
  /** The prunable groups, in {@link dependencyGroups} order. */
  readonly groups: readonly DependencyGroup[];
  /** One score per group (higher = more important = kept). */
  readonly scores: Float32Array;
  /** Every unit of the model's parametric layers, for masks: layer name → unit count. */
  readonly layers: Readonly<Record<string, number>>;
}

/**
 * Scores of the prunable dependency groups of `model` from per-layer unit scores (`unitScores`,
 * `randomUnitScores`, `magnitudeUnitScores`): the aggregate (Σ by default, mean or max) over the
 * group's units and the per-channel scores of the layers following them (BN, depthwise) that the
 * unit scores list. A group whose entries are all missing from `scores` gets 0.
 * `InvalidOptionError` for bad options or scores, `NonFiniteError` for a non-finite group score.
 */
export function groupScores(model: ModelLike, scores: UnitScores, options: GroupScoreOptions = {}): GroupScores {
  checkGroupOptions(options, 'groupScores');
  const aggregate = options.aggregate ?? 'sum';
  if (!['sum', 'mean', 'max'].includes(aggregate))
    throw new InvalidOptionError(`aggregate must be sum, mean or max, got '${String(aggregate)}'`);
  if (!scores || typeof scores !== 'object' || typeof scores.scores !== 'object' || scores.scores === null) {
    throw new InvalidOptionError('groupScores needs unit scores (unitScores, randomUnitScores or magnitudeUnitScores)');
  }
  const analysis = analyseGroups(model, options);
  const groups = analysis.groups.filter((g) => g.prunable);
  const out = new Float32Array(groups.length);
  groups.forEach((g, i) => {
    const values: number[] = [];
    for (const e of [...g.units, ...g.follows]) {
      const s = scores.scores[e.layer] as ArrayLike<number> | undefined;
      if (s && e.index < s.length) values.push(s[e.index]);
    }
    const v =
      values.length === 0
        ? 0
        : aggregate === 'max'
          ? Math.max(...values)
          : values.reduce((a, b) => a + b, 0) / (aggregate === 'mean' ? values.length : 1);
    if (!Number.isFinite(v)) throw new NonFiniteError(`dependency group '${g.name}' has a ${aggregate} ${scores.criterion} score of ${v}`);
    out[i] = v;
  });
  const layers: Record<string, number> = {};
  for (const n of analysis.channels.graph.nodes) if (n.layer.kind === 'parametric') layers[n.layer.name] = n.layer.units;
  return { criterion: scores.criterion, groups, scores: out, layers };
}

/** Options of {@link groupMasks}. */
export interface GroupMaskOptions {
  /** Fraction r ∈ [0, 1] of the prunable groups to remove (as `unitMasks`' `sparsity`). Required. */
  sparsity: number;
  /**
   * `'family'` (default, the per-layer rule of the paper): each family (the channels of one layer
   * or of one coupled residual stream; the heads of one attention) loses its ⌊n·r⌋ lowest groups.
   * `'global'`: the ⌊Σn·r⌋ lowest after dividing each family's scores by its mean absolute score.
   */
  scope?: 'family' | 'global';
  /** Groups every family keeps at least (integer ≥ 1; every layer keeps a unit, every attention a head). Default 1. */
  minGroups?: number;
}

/**
 * Unit keep masks (true = keep) for `pruneUnits` / `maskUnits` that remove the lowest-scored
 * dependency groups whole: per family (default) or globally, ties to the earlier group; masks list
 * every parametric layer. `InvalidOptionError` for a bad sparsity, scope or minGroups.
 */
export function groupMasks(scores: GroupScores, options: GroupMaskOptions): UnitMasks {
  if (
    !scores ||
    !Array.isArray(scores.groups) ||
    !(scores.scores instanceof Float32Array) ||
    scores.scores.length !== scores.groups.length
  ) {
    throw new InvalidOptionError('groupMasks needs the GroupScores of groupScores');
  }
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('groupMasks options must be an object {sparsity}');
  const { sparsity: r, scope = 'family', minGroups = 1 } = options;
  if (typeof r !== 'number' || !(r >= 0 && r <= 1))
    throw new InvalidOptionError(`sparsity must be a number in [0, 1] (the fraction of groups removed), got ${String(r)}`);
  if (scope !== 'family' && scope !== 'global') throw new InvalidOptionError(`scope must be 'family' or 'global', got '${String(scope)}'`);
  if (!Number.isInteger(minGroups) || minGroups < 1)
    throw new InvalidOptionError(`minGroups must be an integer ≥ 1, got ${String(minGroups)}`);
  const families = new Map<string, number[]>();
  scores.groups.forEach((g, i) => families.set(g.family, [...(families.get(g.family) ?? []), i]));
  const removed = new Set<number>();
  const byScore = (v: (i: number) => number) => (a: number, b: number) => v(a) - v(b) || a - b;
  if (scope === 'family') {
    for (const members of families.values()) {
      const n = Math.min(Math.floor(members.length * r), Math.max(0, members.length - minGroups));
      [...members]
        .sort(byScore((i) => scores.scores[i]))
        .slice(0, n)
        .forEach((i) => removed.add(i));
    }
  } else {
    const norm = new Float64Array(scores.groups.length);
    const left = new Map<string, number>();
    for (const [f, members] of families) {
      const meanAbs = members.reduce((a, i) => a + Math.abs(scores.scores[i]), 0) / members.length;
      members.forEach((i) => (norm[i] = meanAbs > 0 ? scores.scores[i] / meanAbs : 0));
      left.set(f, Math.max(0, members.length - minGroups));
    }
    let remaining = Math.floor(scores.groups.length * r);
    for (const i of scores.groups.map((_, i) => i).sort(byScore((i) => norm[i]))) {
      if (remaining === 0) break;
      const f = scores.groups[i].family;
      if (left.get(f)! === 0) continue;
      left.set(f, left.get(f)! - 1);
      removed.add(i);
      remaining--;
    }
  }
  const out: Record<string, boolean[]> = {};
  for (const [name, n] of Object.entries(scores.layers)) out[name] = new Array<boolean>(n).fill(true);
  removed.forEach((i) => scores.groups[i].units.forEach((u) => (out[u.layer][u.index] = false)));
  return out;
}
