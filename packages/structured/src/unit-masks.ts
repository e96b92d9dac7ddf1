import { deprecated, InvalidOptionError, NonFiniteError, ShapeMismatchError } from '@spam/core';
import type { UnitMasks } from './masks-input.js';
import { checkOptionsObject, type UnitScores } from './unit-scores.js';

/** Options of {@link unitMasks}. */
export interface UnitMaskOptions {
  /**
   * Fraction r ∈ [0, 1] of units to remove — the same idea and name as `@spam/prune`'s `sparsity`
   * (the fraction of parameters pruned), counted in units: ⌊n_l·r⌋ per layer, or ⌊Σ n_l·r⌋ over all
   * layers but the last. Required (or the deprecated `fraction`). r = 1 is allowed: `minUnits`
   * still keeps units in every layer.
   */
  sparsity?: number;
  /** @deprecated Use `sparsity` (the same number: the fraction of units removed). */
  fraction?: number;
  /**
   * `'layer'` (the default here, as the paper prunes units layer by layer): every layer but the
   * last loses its ⌊n_l·r⌋ lowest-scored units. `'global'`: the ⌊Σ n_l·r⌋ lowest units over all
   * those layers after dividing each layer's scores by the layer's mean absolute unit score. Note
   * that `@spam/prune`'s element masks (`scoreMask`) default to `'global'` instead: OPD scores of
   * single weights are comparable across layers, unit scores are not without that normalisation.
   */
  scope?: 'layer' | 'global';
  /** Units every layer keeps at least (integer ≥ 1). Default 1. */
  minUnits?: number;
}

/**
 * Unit keep masks from unit scores (true = keep). Per layer (`scope: 'layer'`, the default):
 * remove the ⌊n·r⌋ lowest units, r = `sparsity`; global: rank s_o / mean_o'(|s_o'|) across layers
 * and remove the ⌊Σn·r⌋ lowest. Every layer keeps at least `minUnits` (or all its units if it has
 * fewer); the last layer (the model output) keeps all. Ties: the lower unit index (then the
 * earlier layer) is removed first.
 */
export function unitMasks(scores: UnitScores, options: UnitMaskOptions): UnitMasks {
  checkOptionsObject(options, 'unitMasks');
  const fraction = unitSparsity(options);
  const scope = options.scope ?? 'layer';
  const minUnits = options.minUnits ?? 1;
  if (scope !== 'layer' && scope !== 'global') throw new InvalidOptionError(`scope must be 'layer' or 'global', got '${String(scope)}'`);
  if (!Number.isInteger(minUnits) || minUnits < 1) throw new InvalidOptionError(`minUnits must be an integer ≥ 1, got ${String(minUnits)}`);
  const layers = checkScores(scores);
  const keep = layers.map((s) => new Array<boolean>(s.length).fill(true));
  const prunable = layers.length - 1; // the last layer is never removed
  const cap = layers.map((s) => Math.max(0, s.length - Math.min(minUnits, s.length)));
  if (scope === 'layer') {
    for (let l = 0; l < prunable; l++) {
      const s = layers[l];
      const remove = Math.min(Math.floor(s.length * fraction), cap[l]);
      const order = Array.from(s.keys()).sort((a, b) => s[a] - s[b] || a - b);
      for (let k = 0; k < remove; k++) keep[l][order[k]] = false;
    }
  } else {
    const entries: Array<{ l: number; o: number; v: number }> = [];
    let total = 0;
    for (let l = 0; l < prunable; l++) {
      const s = layers[l];
      total += s.length;
      let meanAbs = 0;
      for (const v of s) meanAbs += Math.abs(v);
      meanAbs /= s.length;
      s.forEach((v, o) => entries.push({ l, o, v: meanAbs > 0 ? v / meanAbs : 0 }));
    }
    entries.sort((a, b) => a.v - b.v || a.o - b.o || a.l - b.l);
    let remaining = Math.floor(total * fraction);
    const removed = new Array<number>(layers.length).fill(0);
    for (const e of entries) {
      if (remaining === 0) break;
      if (removed[e.l] >= cap[e.l]) continue;
      keep[e.l][e.o] = false;
      removed[e.l]++;
      remaining--;
    }
  }
  const out: Record<string, boolean[]> = {};
  scores.layers.forEach((name, l) => (out[name] = keep[l]));
  return out;
}

/** `sparsity` (or the deprecated `fraction`, warned once), checked to be in [0, 1]. */
function unitSparsity(options: UnitMaskOptions): number {
  const alias = deprecated(options.fraction, 'unitMasks option `fraction`', '`sparsity` (the same fraction of units removed)');
  if (options.sparsity !== undefined && alias !== undefined && !Object.is(options.sparsity, alias)) {
    throw new InvalidOptionError(
      `unitMasks got both sparsity (${String(options.sparsity)}) and its deprecated alias fraction (${String(alias)}): give only sparsity`,
    );
  }
  const r = options.sparsity ?? alias;
  const name = options.sparsity === undefined && alias !== undefined ? 'fraction' : 'sparsity';
  if (typeof r !== 'number' || !(r >= 0 && r <= 1))
    throw new InvalidOptionError(`${name} must be a number in [0, 1] (the fraction of units removed), got ${String(r)}`);
  return r;
}

/** The per-layer score arrays in order, after checking the structure. */
function checkScores(scores: UnitScores): Float32Array[] {
  if (
    !scores ||
    typeof scores !== 'object' ||
    !Array.isArray(scores.layers) ||
    typeof scores.scores !== 'object' ||
    scores.scores === null ||
    scores.layers.length === 0
  ) {
    throw new InvalidOptionError('unit scores must list at least one layer (use unitScores, randomUnitScores or magnitudeUnitScores)');
  }
  const seen = new Set<string>();
  return scores.layers.map((name) => {
    if (typeof name !== 'string') throw new InvalidOptionError(`unit scores list a layer name that is not a string: ${String(name)}`);
    if (seen.has(name)) throw new InvalidOptionError(`unit scores list layer '${name}' twice`);
    seen.add(name);
    const s: unknown = scores.scores[name];
    if (s === undefined || s === null || (s as ArrayLike<number>).length === 0) {
      throw new ShapeMismatchError(`unit scores list layer '${name}' but have no scores for it`);
    }
    if (!(s instanceof Float32Array || s instanceof Float64Array || Array.isArray(s))) {
      throw new InvalidOptionError(`unit scores of layer '${name}' must be a Float32Array (or an array of numbers)`);
    }
    for (let i = 0; i < s.length; i++) {
      if (typeof s[i] !== 'number')
        throw new InvalidOptionError(`unit score ${i} of layer '${name}' is ${typeof s[i]} ${String(s[i])}, not a number`);
    }
    const f32 = s instanceof Float32Array ? s : Float32Array.from(s as ArrayLike<number>);
    for (let i = 0; i < f32.length; i++) {
      if (!Number.isFinite(f32[i]))
        throw new NonFiniteError(`unit score ${i} of layer '${name}' is ${s[i]}${Number.isFinite(s[i]) ? ' (beyond float32)' : ''}`);
    }
    return f32;
  });
}
