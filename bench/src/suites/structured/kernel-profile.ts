/**
 * Where the predict time of a net goes, per tfjs kernel (`tf.profile`): which kernels shrink with
 * the MACs when units are removed and which do not.
 */
import * as tf from '@tensorflow/tfjs';
import { formatTable } from '../../lib/table.js';

/** Kernel name → median ms per predict call (over the profiled calls). */
export type KernelTimes = Map<string, number>;

/** Kernel times (ops that only wrap a kernel left out) of `calls` profiled `predict(x, {batchSize: n})` + read-back calls (one unprofiled warm-up call first). */
export async function kernelTimes(model: tf.LayersModel, x: tf.Tensor, calls: number): Promise<KernelTimes> {
  const once = () => tf.tidy(() => void (model.predict(x, { batchSize: x.shape[0] }) as tf.Tensor).dataSync());
  once();
  const perCall: Map<string, number>[] = [];
  for (let c = 0; c < calls; c++) {
    const info = await tf.profile(() => once());
    const m = new Map<string, number>();
    for (const k of info.kernels) {
      // tf.profile lists an op (`fusedConv2d__op`) and the kernel it runs (`FusedConv2D`): count the kernels only.
      if (k.name.endsWith('__op')) continue;
      const t = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : ((await k.kernelTimeMs) as number);
      m.set(k.name, (m.get(k.name) ?? 0) + t);
    }
    perCall.push(m);
  }
  const names = new Set(perCall.flatMap((m) => [...m.keys()]));
  const out: KernelTimes = new Map();
  for (const name of names) {
    const ts = perCall.map((m) => m.get(name) ?? 0).sort((a, b) => a - b);
    const h = ts.length >> 1;
    out.set(name, ts.length % 2 ? ts[h] : (ts[h - 1] + ts[h]) / 2);
  }
  return out;
}

/** One profile comparison: a dense net and its pruned copy at one fraction, on one batch. */
export interface KernelComparison {
  model: string;
  unitFraction: number;
  batch: number;
  macReduction: number;
  activationReduction: number;
  dense: KernelTimes;
  pruned: KernelTimes;
}

/** A table per comparison: kernel, ms dense / pruned, speedup and share of the dense kernel time, largest first. */
export function formatKernelComparison(c: KernelComparison): string {
  const total = (t: KernelTimes) => [...t.values()].reduce((a, b) => a + b, 0);
  const [td, tp] = [total(c.dense), total(c.pruned)];
  const names = [...new Set([...c.dense.keys(), ...c.pruned.keys()])].sort((a, b) => (c.dense.get(b) ?? 0) - (c.dense.get(a) ?? 0));
  const rows = names.map((n) => {
    const [d, p] = [c.dense.get(n) ?? 0, c.pruned.get(n) ?? 0];
    return [
      n,
      d.toFixed(2),
      p.toFixed(2),
      p > 0 ? `${(d / p).toFixed(2)}×` : '–',
      `${((100 * d) / td).toFixed(1)} %`,
      `${((100 * p) / tp).toFixed(1)} %`,
    ];
  });
  rows.push(['all kernels', td.toFixed(2), tp.toFixed(2), `${(td / tp).toFixed(2)}×`, '100 %', '100 %']);
  return [
    `${c.model}, ${c.unitFraction * 100} % of units removed, batch ${c.batch} (MACs ÷${c.macReduction.toFixed(2)}, ` +
      `activations ÷${c.activationReduction.toFixed(2)}): tf.profile kernel ms per predict call (median of the profiled calls)`,
    formatTable(['kernel', 'dense ms', 'pruned ms', 'speedup', 'share dense', 'share pruned'], rows),
  ].join('\n');
}
