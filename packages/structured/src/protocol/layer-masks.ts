import { InvalidOptionError, NonFiniteError, ShapeMismatchError } from '@spam/core';
import type { UnitMasks } from '../masks-input.js';
import type { UnitScores } from '../unit-scores.js';

/**
 * The fraction of units removed per layer: one number for every prunable layer, or one per layer
 * name (layers not named lose nothing). Each fraction r ∈ [0, 1).
 */
export type LayerFractions = number | Readonly<Record<string, number>>;

/** `InvalidOptionError` unless `r` is a number in [0, 1); `what` names the option in the message. */
export function checkFraction(r: unknown, what: string): number {
  if (typeof r !== 'number' || !(r >= 0 && r < 1)) {
    throw new InvalidOptionError(
      `${what} must be a number in [0, 1) (the fraction of units removed per layer; 1 would empty the layer), got ${String(r)}`,
    );
  }
  return r;
}

/**
 * The paper's per-layer selection: in EACH prunable layer (every Dense/Conv2D layer of the scores
 * but the last, whose units are the model outputs) remove the ⌊n_l·r_l⌋ units with the lowest
 * score (e.g. the summed OPD score of the unit), ties to the lower unit index. Since r_l < 1, at
 * least one unit of every layer is kept. Throws `InvalidOptionError` for a fraction outside
 * [0, 1), a fraction for the output layer or for a layer the scores do not list, and
 * `ShapeMismatchError` / `NonFiniteError` for malformed scores.
 */
export function layerFractionMasks(scores: UnitScores, fractions: LayerFractions): UnitMasks {
  if (!scores || typeof scores !== 'object' || !Array.isArray(scores.layers) || scores.layers.length === 0 || !scores.scores) {
    throw new InvalidOptionError('layerFractionMasks needs unit scores (unitScores, randomUnitScores or magnitudeUnitScores)');
  }
  const layers = scores.layers;
  const output = layers[layers.length - 1];
  const perLayer = new Map<string, number>();
  if (typeof fractions === 'number' || typeof fractions !== 'object' || fractions === null) {
    const r = checkFraction(fractions, 'fraction');
    for (const name of layers.slice(0, -1)) perLayer.set(name, r);
  } else {
    for (const [name, r] of Object.entries(fractions)) {
      if (name === output) {
        throw new InvalidOptionError(
          `fraction for layer '${name}': it is the output layer (its units are the model outputs) and is never pruned`,
        );
      }
      if (!layers.includes(name)) {
        throw new InvalidOptionError(`fraction for unknown layer '${name}'; the unit scores list [${layers.join(', ')}]`);
      }
      perLayer.set(name, checkFraction(r, `fraction for layer '${name}'`));
    }
  }
  const masks: Record<string, boolean[]> = {};
  for (const name of layers) {
    const s: ArrayLike<number> | undefined = scores.scores[name];
    if (!s || s.length === 0) throw new ShapeMismatchError(`unit scores list layer '${name}' but have no scores for it`);
    for (let i = 0; i < s.length; i++) {
      if (typeof s[i] !== 'number' || !Number.isFinite(s[i]))
        throw new NonFiniteError(`unit score ${i} of layer '${name}' is ${String(s[i])}`);
    }
    const keep = new Array<boolean>(s.length).fill(true);
    const remove = Math.floor(s.length * (perLayer.get(name) ?? 0));
    const order = Array.from({ length: s.length }, (_, i) => i).sort((a, b) => s[a] - s[b] || a - b);
    for (let k = 0; k < remove; k++) keep[order[k]] = false;
    masks[name] = keep;
  }
  return masks;
}
