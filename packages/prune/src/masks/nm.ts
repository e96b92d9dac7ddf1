import { InvalidOptionError } from '@spam/core';
import type { ParamScores } from '../scores/scores.js';
import { Mask } from './mask.js';

/** Options of {@link nmMask}. */
export interface NmOptions {
  /** Kept entries per group. Default 2. */
  n?: number;
  /** Group size along the input axis. Default 4. */
  m?: number;
}

/**
 * N:M semi-structured mask: in every group of M consecutive kernel entries along the input axis
 * (Dense `[in, out]`: axis 0; Conv2D `[kh, kw, in, out]`: the input channels) keep the N
 * highest-scored (ties: the lower index is pruned first). A trailing group of r < M entries keeps
 * min(N, r). Biases are kept.
 */
export function nmMask(scores: ParamScores, options: NmOptions = {}): Mask {
  const n = options.n ?? 2;
  const m = options.m ?? 4;
  if (!Number.isInteger(m) || m < 1) throw new InvalidOptionError(`N:M needs an integer M ≥ 1, got M = ${m}`);
  if (!Number.isInteger(n) || n < 1 || n >= m) throw new InvalidOptionError(`N:M needs an integer 1 ≤ N < M, got N = ${n}, M = ${m}`);
  const flat = scores.flat();
  const keep = new Uint8Array(scores.numParams).fill(1);
  for (const p of scores.params) {
    if (p.role !== 'kernel') continue;
    const inAxis = p.shape.length - 2;
    const fanIn = p.shape[inAxis];
    const units = p.shape[p.shape.length - 1];
    const windows = p.size / (fanIn * units); // kh·kw for conv, 1 for dense
    for (let w = 0; w < windows; w++) {
      for (let o = 0; o < units; o++) {
        for (let g0 = 0; g0 < fanIn; g0 += m) {
          const size = Math.min(m, fanIn - g0);
          const drop = Math.max(0, size - n);
          if (drop === 0) continue;
          const idx: number[] = [];
          for (let j = 0; j < size; j++) idx.push(p.offset + (w * fanIn + g0 + j) * units + o);
          idx.sort((a, b) => flat[a] - flat[b] || a - b);
          for (let j = 0; j < drop; j++) keep[idx[j]] = 0;
        }
      }
    }
  }
  return new Mask(scores.params, keep);
}
