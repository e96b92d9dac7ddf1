/**
 * The `structured` suite: does removing whole units make tfjs faster in proportion to the MACs it
 * removes? Five nets are trained briefly with SpaM and their units removed with `@spam/structured`:
 * two MLPs and the digits LeNet per layer by OPD, magnitude (L1 per unit) and random scores; the
 * ResNet-style CNN and the SimpleViT by OPD over dependency groups (residual streams, attention
 * heads). The measured latency of `model.predict` before and after is compared with the MAC
 * reduction. `--models` runs a subset and keeps the other nets' rows of the record.
 */
import * as tf from '@tensorflow/tfjs';
import { registerWasmKernels } from '@spam/tfjs-wasm-kernels';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describeBackend, useBackend } from '../../lib/backend.js';
import type { Suite, SuiteContext, SuiteOutput } from '../types.js';
import { CHAIN_NETS, measureChainNet } from './chain-nets.js';
import { GRAPH_NETS, measureGraphNet } from './graph-nets.js';
import { formatKernelComparison, type KernelComparison } from './kernel-profile.js';
import { report } from './report.js';
import { WARMUP, type ScanRow, type StructuredRow } from './rows.js';

export type { StructuredRow } from './rows.js';

/** Every net of the suite, in run (and record) order. */
export const STRUCTURED_MODELS: readonly string[] = [...CHAIN_NETS.map((n) => n.model), ...GRAPH_NETS.map((n) => n.model)];

const resultsFile = (quick: boolean) => fileURLToPath(new URL(`../../../results/structured${quick ? '.quick' : ''}.json`, import.meta.url));

/** The nets `--models` asks for (all without it); throws on a name the suite does not have. */
function selectModels(models: readonly string[] | null | undefined): string[] {
  if (!models) return [...STRUCTURED_MODELS];
  const unknown = models.filter((m) => !STRUCTURED_MODELS.includes(m));
  if (unknown.length)
    throw new Error(
      `structured: unknown model(s) ${unknown.map((u) => `'${u}'`).join(', ')} in --models; available: ${STRUCTURED_MODELS.join(', ')}`,
    );
  return STRUCTURED_MODELS.filter((m) => models.includes(m));
}

/** The rows of the previous record for the nets not measured now (none when every net runs or there is no record). */
function keptRows(measured: readonly string[], quick: boolean): StructuredRow[] {
  const file = resultsFile(quick);
  if (measured.length === STRUCTURED_MODELS.length || !existsSync(file)) return [];
  const old = JSON.parse(readFileSync(file, 'utf8')) as StructuredRow[];
  if (!Array.isArray(old)) throw new Error(`structured: ${file} is not a JSON array of rows`);
  return old.filter((r) => !measured.includes(r.model));
}

/** Record order: the suite's net order, rows of nets it no longer has first. */
const byNet = (a: StructuredRow, b: StructuredRow) => STRUCTURED_MODELS.indexOf(a.model) - STRUCTURED_MODELS.indexOf(b.model);

export const structuredSuite: Suite = {
  name: 'structured',
  description:
    'structured unit removal (50–90 % of units): MACs vs measured predict latency, wasm — MLPs on MNIST and the digits LeNet ' +
    '(OPD / magnitude / random per layer), ResNet-style CNN and SimpleViT on MNIST (OPD over dependency groups); --models picks nets',
  async run(ctx: SuiteContext): Promise<SuiteOutput<StructuredRow>> {
    await useBackend('wasm');
    registerWasmKernels();
    const backend = await describeBackend();
    const repeats = Math.max(ctx.quick ? 5 : 15, ctx.repeats);
    const models = selectModels(ctx.models);
    const kept = keptRows(models, ctx.quick);
    const loadStart = loadavg()[0];
    const tensorsBefore = tf.memory().numTensors;
    ctx.log(
      `structured: backend ${backend}, @spam/tfjs-wasm-kernels registered; latency = median of ${repeats} paired predict calls after ${WARMUP} warm-ups`,
    );
    const rows: StructuredRow[] = [];
    const scan: ScanRow[] = [];
    const profiles: KernelComparison[] = [];
    const lines: string[] = [];
    for (const cfg of CHAIN_NETS) if (models.includes(cfg.model)) lines.push(await measureChainNet(cfg, ctx, repeats, rows, scan));
    for (const cfg of GRAPH_NETS)
      if (models.includes(cfg.model)) lines.push(await measureGraphNet(cfg, ctx, repeats, rows, scan, profiles));
    const tensorsAfter = tf.memory().numTensors;
    if (tensorsAfter !== tensorsBefore)
      throw new Error(`TENSOR LEAK in structured: tf.memory().numTensors went ${tensorsBefore} → ${tensorsAfter}`);
    const load = `1-min load average ${loadStart.toFixed(2)} at the start, ${loadavg()[0].toFixed(2)} at the end (machine has ${cpus().length} logical CPUs)`;
    if (kept.length) lines.push(`kept from the previous record (not measured now): ${[...new Set(kept.map((r) => r.model))].join(', ')}`);
    const all = [...kept, ...rows].sort(byNet);
    const text = [report(all, scan, lines, backend, repeats, ctx.quick), ...profiles.map(formatKernelComparison), load];
    return { rows: all, report: text.join('\n\n') };
  },
};
