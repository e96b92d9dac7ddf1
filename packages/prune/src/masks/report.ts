import { buildModelAdapter, InvalidOptionError, type ModelLike, type ParamBlock } from '@spam/core';
import { Mask } from './mask.js';

/** Zero counts of one group of parameters. */
export interface SparsityCount {
  /** Number of parameters. */
  total: number;
  /** Number of zero (pruned) parameters. */
  zeros: number;
  /** zeros / total (0 when total is 0). */
  sparsity: number;
}

/** Per-layer and overall sparsity, for kernels, biases and both. */
export interface SparsityReport {
  layers: Array<{ layer: string; kernel: SparsityCount; bias: SparsityCount; all: SparsityCount }>;
  overall: { kernel: SparsityCount; bias: SparsityCount; all: SparsityCount };
}

/**
 * Sparsity per layer and overall: of a mask (pruned entries), or of a model's current weights
 * (exact zeros), kernels and biases counted separately and together.
 */
export function sparsityReport(source: ModelLike | Mask): SparsityReport {
  const rows: Array<{ layer: string; role: ParamBlock['role']; total: number; zeros: number }> = [];
  if (source instanceof Mask) {
    source.params.forEach((p, i) => {
      const b = source.block(i);
      let z = 0;
      for (let j = 0; j < b.length; j++) z += b[j] ? 0 : 1;
      rows.push({ layer: p.layerName, role: p.role, total: p.size, zeros: z });
    });
  } else {
    for (const p of buildModelAdapter(source).params) {
      const v = p.variable.read().dataSync();
      let z = 0;
      for (let j = 0; j < v.length; j++) z += v[j] === 0 ? 1 : 0;
      rows.push({ layer: p.layerName, role: p.role, total: p.size, zeros: z });
    }
  }
  const count = (rs: typeof rows): SparsityCount => {
    const total = rs.reduce((a, r) => a + r.total, 0);
    const zeros = rs.reduce((a, r) => a + r.zeros, 0);
    return { total, zeros, sparsity: total ? zeros / total : 0 };
  };
  const names = [...new Set(rows.map((r) => r.layer))];
  return {
    layers: names.map((layer) => {
      const rs = rows.filter((r) => r.layer === layer);
      return {
        layer,
        kernel: count(rs.filter((r) => r.role === 'kernel')),
        bias: count(rs.filter((r) => r.role === 'bias')),
        all: count(rs),
      };
    }),
    overall: {
      kernel: count(rows.filter((r) => r.role === 'kernel')),
      bias: count(rows.filter((r) => r.role === 'bias')),
      all: count(rows),
    },
  };
}

/**
 * The report as a plain-text table (layer, kernel/bias/all sparsity in %). `InvalidOptionError`
 * unless `report` has the shape {@link sparsityReport} returns.
 */
export function formatSparsityReport(report: SparsityReport): string {
  checkReport(report);
  const pct = (c: SparsityCount) => (c.total ? `${(100 * c.sparsity).toFixed(2)}% of ${c.total}` : '-');
  const rows = [
    ['layer', 'kernel', 'bias', 'all'],
    ...report.layers.map((l) => [l.layer, pct(l.kernel), pct(l.bias), pct(l.all)]),
    ['overall', pct(report.overall.kernel), pct(report.overall.bias), pct(report.overall.all)],
  ];
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) =>
      r
        .map((x, c) => x.padEnd(w[c]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function checkReport(report: SparsityReport): void {
  const isCount = (c: unknown): boolean => {
    if (c === null || typeof c !== 'object') return false;
    const { total, zeros, sparsity } = c as Record<string, unknown>;
    return [total, zeros, sparsity].every((v) => typeof v === 'number' && Number.isFinite(v));
  };
  const isGroup = (g: unknown): boolean =>
    g !== null && typeof g === 'object' && ['kernel', 'bias', 'all'].every((k) => isCount((g as Record<string, unknown>)[k]));
  const bad = (what: string) => new InvalidOptionError(`formatSparsityReport needs a report from sparsityReport(): ${what}`);
  if (report === null || typeof report !== 'object') throw bad(`got ${report === null ? 'null' : typeof report}`);
  if (!Array.isArray(report.layers)) throw bad('`layers` is not an array');
  report.layers.forEach((l, i) => {
    if (l === null || typeof l !== 'object' || typeof l.layer !== 'string' || !isGroup(l)) {
      throw bad(`layers[${i}] is not {layer: string, kernel, bias, all} with finite counts`);
    }
  });
  if (!isGroup(report.overall)) throw bad('`overall` is not {kernel, bias, all} with finite counts');
}
