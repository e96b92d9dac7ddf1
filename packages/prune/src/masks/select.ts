import { InvalidOptionError } from '@spam/core';
import type { ParamScores, ScoredParam } from '../scores/scores.js';
import { Mask, assertMask, assertSameParams, describeValue } from './mask.js';

/** Options of {@link scoreMask}. */
export interface MaskOptions {
  /** Fraction s ∈ [0, 1) of the prunable parameters to prune: exactly ⌊P·s⌋ (per layer: ⌊P_l·s⌋). */
  sparsity: number;
  /**
   * `'global'`: one ranking over all prunable tensors (the default here); `'layer'`: the same
   * fraction in every layer. `@spam/structured`'s `unitMasks` defaults to `'layer'` instead (the
   * paper removes units per layer; unit scores are not comparable across layers unnormalised).
   */
  scope?: 'global' | 'layer';
  /** Also prune biases (default false: kernels only; biases always kept). */
  includeBias?: boolean;
  /** Entries pruned in this mask stay pruned (they rank below everything else, and the count is at least theirs), e.g. for gradual schedules. */
  previous?: Mask;
}

/** Checks a sparsity s ∈ [0, 1). */
export function checkSparsity(s: number, name = 'sparsity'): number {
  if (typeof s !== 'number' || !(s >= 0 && s < 1)) throw new InvalidOptionError(`${name} must be in [0, 1), got ${s}`);
  return s;
}

/**
 * ⌊n·s⌋ robust to binary rounding (0.29·100 = 28.999… counts as 29). `InvalidOptionError` unless
 * `n` is a non-negative integer and `s` ∈ [0, 1).
 */
export function pruneCount(n: number, s: number): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    throw new InvalidOptionError(`count must be a non-negative integer, got ${describeValue(n)}`);
  checkSparsity(s);
  return Math.min(n, Math.floor(n * s + 1e-9 * Math.max(1, n)));
}

/**
 * A mask pruning the lowest-scored prunable parameters: exactly ⌊P·s⌋ of them, globally or per
 * layer. Ties break deterministically: the lower canonical flat index is pruned first.
 */
export function scoreMask(scores: ParamScores, options: MaskOptions): Mask {
  if (options === null || typeof options !== 'object')
    throw new InvalidOptionError(`mask options must be an object {sparsity, scope?, …}, got ${describeValue(options)}`);
  const s = checkSparsity(options.sparsity);
  const scope = options.scope ?? 'global';
  if (scope !== 'global' && scope !== 'layer') throw new InvalidOptionError(`scope must be 'global' or 'layer', got '${String(scope)}'`);
  if (options.previous !== undefined) assertMask(options.previous, 'previous');
  if (options.previous) assertSameParams(scores.params, options.previous.params, 'previous mask');
  const prunable = scores.params.filter((p) => p.role === 'kernel' || options.includeBias);
  const groups: ScoredParam[][] = scope === 'global' ? [prunable] : groupByLayer(prunable);
  const flat = scores.flat();
  const keep = new Uint8Array(scores.numParams).fill(1);
  const prev = options.previous?.keep;
  for (const group of groups) {
    const n = group.reduce((a, p) => a + p.size, 0);
    const idx = new Uint32Array(n);
    let k = 0;
    for (const p of group) for (let j = 0; j < p.size; j++) idx[k++] = p.offset + j;
    const rank = (i: number) => (prev && !prev[i] ? 0 : 1);
    idx.sort((a, b) => rank(a) - rank(b) || flat[a] - flat[b] || a - b);
    // Entries pruned in `previous` stay pruned even when s asks for fewer.
    let prevPruned = 0;
    if (prev) for (let j = 0; j < n; j++) prevPruned += prev[idx[j]] ? 0 : 1;
    const count = Math.max(pruneCount(n, s), prevPruned);
    for (let j = 0; j < count; j++) keep[idx[j]] = 0;
  }
  return new Mask(scores.params, keep);
}

/** Global mask over all prunable tensors: `scoreMask` with `scope: 'global'`. */
export function globalMask(scores: ParamScores, options: Omit<MaskOptions, 'scope'>): Mask {
  return scoreMask(scores, { ...options, scope: 'global' });
}

/** Per-layer mask (the same fraction in every layer): `scoreMask` with `scope: 'layer'`. */
export function layerMask(scores: ParamScores, options: Omit<MaskOptions, 'scope'>): Mask {
  return scoreMask(scores, { ...options, scope: 'layer' });
}

function groupByLayer(params: ScoredParam[]): ScoredParam[][] {
  const by = new Map<string, ScoredParam[]>();
  for (const p of params) by.set(p.layerName, [...(by.get(p.layerName) ?? []), p]);
  return [...by.values()];
}
