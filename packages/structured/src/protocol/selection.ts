import { InvalidOptionError, ShapeMismatchError, type ModelAdapter, type ModelLike } from '@spam/core';
import { CoupledUnitsError } from '../errors.js';
import { groupMasks, groupScores, type GroupScores } from '../groups/group-scores.js';
import { chainAdapter, resolveMasks, usesChainRemoval, type UnitMasks } from '../masks-input.js';
import type { UnitScores } from '../unit-scores.js';
import { layerFractionMasks } from './layer-masks.js';

/**
 * How {@link structuredProtocol} picks the units to remove at a fraction r:
 * `'layer'` — the paper's per-layer rule for chains: in each Dense/Conv2D layer but the output,
 * the ⌊n·r⌋ units with the lowest score (`layerFractionMasks`);
 * `'group'` — by dependency groups for graphs (residual `Add`s, BatchNormalization, attention):
 * each group's score is the sum of its member unit scores (`groupScores`), and each family of
 * groups (the channels of one layer or of one coupled stream, the heads of one attention) loses
 * its ⌊n·r⌋ lowest groups, at least one kept (`groupMasks`, scope `'family'`).
 */
export type ProtocolSelection = 'layer' | 'group';

/** The selections {@link structuredProtocol} knows. */
const SELECTIONS: readonly ProtocolSelection[] = ['layer', 'group'];

/** One model of the protocol's plan: its masks and, with group selection, how many groups it removes. */
export interface SelectionPlanEntry {
  criterion: string;
  fraction: number;
  masks: UnitMasks;
  /** Prunable dependency groups removed / in total (group selection only). */
  groups?: { removed: number; total: number };
}

/**
 * The selection to use: `selection` when given (`InvalidOptionError` naming the option for any
 * other value), else `'layer'` for a model the chain rules remove (Dense/Conv2D and parameter-free
 * layers in a chain) and `'group'` for any other supported model.
 */
export function resolveSelection(model: ModelLike, selection: unknown): ProtocolSelection {
  if (selection === undefined) return usesChainRemoval(model) ? 'layer' : 'group';
  if (!(SELECTIONS as readonly unknown[]).includes(selection)) {
    throw new InvalidOptionError(
      `selection must be 'layer' (per Dense/Conv2D layer, chains) or 'group' (per dependency group, graphs), got ${
        typeof selection === 'string' ? `'${selection}'` : String(selection)
      }`,
    );
  }
  return selection as ProtocolSelection;
}

/** Runs `f`, prefixing the message of an error it throws with the criterion's name. */
function forCriterion<T>(criterion: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof Error && !e.message.startsWith(`scores '${criterion}': `)) e.message = `scores '${criterion}': ${e.message}`;
    throw e;
  }
}

/**
 * Masks for every criterion × fraction, all computed (and checked against the model) before any
 * model is built. `'layer'` refuses a model with merges with the `CoupledUnitsError` naming the
 * merge layer; `'group'` passes `residualStream` to `groupScores`. Errors of the scores name the
 * criterion.
 */
export function selectionPlan(
  model: ModelLike,
  scores: Readonly<Record<string, UnitScores>>,
  fractions: readonly number[],
  selection: ProtocolSelection,
  residualStream: boolean,
): SelectionPlanEntry[] {
  const plan: SelectionPlanEntry[] = [];
  if (selection === 'layer') {
    let adapter: ModelAdapter;
    try {
      adapter = chainAdapter(model);
    } catch (e) {
      if (e instanceof CoupledUnitsError)
        e.message += " Use selection: 'group' (the default for graph models) to remove dependency groups instead.";
      throw e;
    }
    const parametric = new Set(adapter.parametric.map((l) => l.name));
    const follows = new Set(model.layers.map((l) => l.name).filter((name) => !parametric.has(name)));
    for (const [criterion, us] of Object.entries(scores)) {
      const own = unitLayersOnly(us, follows);
      for (const fraction of fractions) {
        const masks = forCriterion(criterion, () => layerFractionMasks(own, fraction));
        forCriterion(criterion, () => resolveMasks(adapter, masks)); // unknown layers, wrong lengths
        plan.push({ criterion, fraction, masks });
      }
    }
    return plan;
  }
  for (const [criterion, us] of Object.entries(scores)) {
    const gs = forCriterion(criterion, () => checkedGroupScores(model, us, residualStream));
    for (const fraction of fractions) {
      const masks = groupMasks(gs, { sparsity: fraction, scope: 'family', minGroups: 1 });
      const removed = gs.groups.filter((g) => g.units.every((u) => masks[u.layer][u.index] === false)).length;
      plan.push({ criterion, fraction, masks, groups: { removed, total: gs.groups.length } });
    }
  }
  return plan;
}

/**
 * The unit scores without the layers in `drop` (BatchNormalization, depthwise: per-channel scores
 * that only group selection adds to their producer's), so that the per-layer rule sees the
 * Dense/Conv2D layers alone, the output last. Malformed scores are returned as they are (for
 * `layerFractionMasks` to refuse).
 */
function unitLayersOnly(us: UnitScores, drop: ReadonlySet<string>): UnitScores {
  if (!us || typeof us !== 'object' || !Array.isArray(us.layers) || !us.scores || typeof us.scores !== 'object') return us;
  if (!us.layers.some((name) => drop.has(name))) return us;
  const scores = Object.fromEntries(Object.entries(us.scores).filter(([name]) => !drop.has(name)));
  return { ...us, layers: us.layers.filter((name) => !drop.has(name)), scores };
}

/**
 * `groupScores` (sum) after checking that the unit scores belong to `model`: `groupScores` reads
 * the layers it knows and gives 0 to the rest, so scores of another model would rank nothing.
 * `InvalidOptionError` for scores naming a layer the model lacks or none of its Dense/Conv2D
 * layers, `ShapeMismatchError` for a layer's score count ≠ its units.
 */
function checkedGroupScores(model: ModelLike, us: UnitScores, residualStream: boolean): GroupScores {
  const gs = groupScores(model, us, { aggregate: 'sum', residualStream });
  const names = new Set(model.layers.map((l) => l.name));
  const listed = Object.keys(us.scores);
  const unknown = listed.filter((name) => !names.has(name));
  if (unknown.length > 0)
    throw new InvalidOptionError(`unit scores for layers [${unknown.join(', ')}] that model '${model.name}' does not have`);
  const parametric = Object.keys(gs.layers);
  if (!listed.some((name) => name in gs.layers))
    throw new InvalidOptionError(`unit scores list none of the Dense/Conv2D layers of model '${model.name}': [${parametric.join(', ')}]`);
  for (const name of listed) {
    const n = gs.layers[name];
    const got = (us.scores[name] as ArrayLike<number>).length;
    if (n !== undefined && got !== n)
      throw new ShapeMismatchError(`unit scores of layer '${name}' have ${got} entries; the layer has ${n} units`);
  }
  return gs;
}
