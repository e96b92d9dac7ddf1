/** The printed report of the graph-structured example: one table per model, dense row first. */
import { fixed, formatTable } from '@spam/harness';
import type { StructuredMeasurement } from '@spam/structured';
import type { PrunePoint } from './prune-point.js';
import type { GraphModel } from './schedule.js';

/** One model of a run: its training, the unpruned measurement and the pruned points. */
export interface ModelRow {
  model: GraphModel;
  training: string;
  dense: StructuredMeasurement;
  points: PrunePoint[];
  /** Wall times (ms): `marglikTraining`, unit scores, all points. */
  trainMs: number;
  scoreMs: number;
  pruneMs: number;
  precision: { min: number; max: number; geomean: number };
}

/** MAC reduction (dense / pruned MACs), latency speedup (dense / pruned latency, timed interleaved) and their ratio. */
export function speedups(dense: StructuredMeasurement, p: PrunePoint): { macReduction: number; speedup: number; efficiency: number } {
  const macReduction = dense.macs / p.macs;
  const speedup = p.denseLatencyMs / (p.latencyMs ?? NaN);
  return { macReduction, speedup, efficiency: speedup / macReduction };
}

const pct = (x: number | undefined) => fixed(x === undefined ? undefined : x * 100, 1);

/** The table of one model: rows dense + criterion × sparsity. */
export function formatModelTable(r: ModelRow): string[] {
  const d = r.dense;
  const header = [
    'criterion',
    'removed',
    'ch/heads',
    'params',
    'MACs',
    'KB',
    'MACs ÷',
    'latency ms',
    'speedup',
    'speedup/MACs÷',
    'one-shot %',
    'acc %',
    'NLL',
    'ECE',
    'max|Δ| masked / reload',
  ];
  const rows = [
    [
      'dense',
      '0 %',
      '–',
      String(d.params),
      String(d.macs),
      fixed(d.bytes / 1024, 1),
      '1.00',
      fixed(d.latencyMs, 1),
      '1.00',
      '–',
      '–',
      pct(d.accuracy),
      fixed(d.nll, 3),
      fixed(d.ece, 3),
      '–',
    ],
    ...r.points.map((p) => {
      const s = speedups(d, p);
      return [
        p.criterion,
        `${fixed(p.sparsity * 100, 0)} %`,
        `${p.removed.channels}/${p.removed.heads}`,
        String(p.params),
        String(p.macs),
        fixed(p.bytes / 1024, 1),
        fixed(s.macReduction, 2),
        `${fixed(p.denseLatencyMs, 1)} → ${fixed(p.latencyMs, 1)}`,
        fixed(s.speedup, 2),
        fixed(s.efficiency, 2),
        pct(p.oneShotAccuracy),
        pct(p.accuracy),
        fixed(p.nll, 3),
        fixed(p.ece, 3),
        `${p.maskedDelta.toExponential(1)} / ${p.reloadDelta.toExponential(1)}`,
      ];
    }),
  ];
  return [
    `${r.model} (${r.training}; trained ${fixed(r.trainMs / 1000, 1)} s, pruned + fine-tuned + saved + measured ${fixed(r.pruneMs / 1000, 1)} s)`,
    ...formatTable(header, rows, 3),
  ];
}
