/** The printed report of the structured suite: the rows, the batch scan and the target verdicts. */
import { median } from '../../lib/stats.js';
import { formatTable } from '../../lib/table.js';
import { FLOOR_FRACTION, FRACTIONS, TARGET, WARMUP, type ScanRow, type StructuredRow } from './rows.js';

/** The report of one run (`rows` may include rows kept from the previous record; `lines` describe the nets measured now). */
export function report(rows: StructuredRow[], scan: ScanRow[], lines: string[], backend: string, repeats: number, quick: boolean): string {
  const out: string[] = [
    `Backend: ${backend}. Latency: median of ${repeats} paired, interleaved predict calls after ${WARMUP} warm-ups.`,
    ...lines.map((l) => `  ${l}`),
    '',
  ];
  out.push(
    formatTable(
      [
        'model',
        'criterion',
        'units removed',
        'MACs before',
        'MACs after',
        'MACs ÷',
        'lat before ms',
        'lat after ms',
        'speedup',
        'speedup/MAC÷',
        'acc before',
        'acc after',
        'bytes after',
      ],
      rows.map((r) => [
        r.model,
        r.criterion,
        `${r.unitFraction * 100}%`,
        r.macsBefore,
        r.macsAfter,
        r.macReduction.toFixed(2),
        r.latencyBeforeMs.toFixed(2),
        r.latencyAfterMs.toFixed(2),
        r.speedup.toFixed(2),
        r.speedupPerMacReduction.toFixed(2),
        (r.accuracyBefore * 100).toFixed(1),
        (r.accuracy * 100).toFixed(1),
        r.bytesAfter,
      ]),
    ),
  );
  out.push(
    '',
    'Latency vs batch size (magnitude masks for the MLPs and the LeNet, where every criterion gives the same architecture at a fraction; ' +
      'OPD group masks at the row batch only for the ResNet and the ViT): speedup, and speedup / MAC reduction in parentheses',
  );
  const batches = [...new Set(scan.map((s) => s.batch))];
  const keys = [...new Set(scan.map((s) => `${s.model}|${s.unitFraction}`))];
  out.push(
    formatTable(
      ['model', 'units removed', 'MACs ÷', ...batches.map((b) => `batch ${b}: before→after ms`), ...batches.map((b) => `speedup @${b}`)],
      keys.map((k) => {
        const [model, f] = k.split('|');
        const at = (b: number) => scan.find((s) => s.model === model && String(s.unitFraction) === f && s.batch === b);
        const first = at(batches[0])!;
        return [
          model,
          `${Number(f) * 100}%`,
          first.macReduction.toFixed(2),
          ...batches.map((b) => {
            const s = at(b);
            return s ? `${s.before.toFixed(2)}→${s.after.toFixed(2)}` : '–';
          }),
          ...batches.map((b) => {
            const s = at(b);
            return s ? `${(s.before / s.after).toFixed(2)}× (${(s.before / s.after / s.macReduction).toFixed(2)})` : '–';
          }),
        ];
      }),
    ),
  );
  out.push(
    '',
    quick
      ? `Target (not judged in --quick): speedup ≥ ${TARGET}× the MAC reduction at ≥ 50 % units removed`
      : `Target: speedup ≥ ${TARGET}× the MAC reduction at ≥ 50 % units removed (per model and fraction; median ratio over the criteria measured, which prune to the same architecture):`,
  );
  const models = [...new Set(rows.map((r) => r.model))];
  const verdicts: (string | number)[][] = [];
  for (const model of models) {
    for (const f of FRACTIONS) {
      const rs = rows.filter((r) => r.model === model && r.unitFraction === f);
      if (rs.length === 0) continue;
      const ratio = median(rs.map((r) => r.speedupPerMacReduction));
      // The part of the latency that does not shrink with the MACs: the latency of the net with
      // 99 % of its units removed (≈ 1 % of the MACs) at the same batch.
      const floor = scan.find((x) => x.model === model && x.unitFraction === FLOOR_FRACTION && x.batch === rs[0].batch)?.after;
      const dense = median(rs.map((r) => r.latencyBeforeMs));
      const affine = floor === undefined ? undefined : dense / (floor + (dense - floor) / rs[0].macReduction) / rs[0].macReduction;
      verdicts.push([
        model,
        `${f * 100}%`,
        rs[0].macReduction.toFixed(2),
        median(rs.map((r) => r.speedup)).toFixed(2),
        ratio.toFixed(2),
        floor === undefined ? '–' : `${floor.toFixed(2)} / ${dense.toFixed(2)}`,
        affine === undefined ? '–' : affine.toFixed(2),
        quick ? '–' : ratio >= TARGET ? 'met' : 'MISSED',
      ]);
    }
  }
  out.push(
    formatTable(
      ['model', 'units removed', 'MACs ÷', 'speedup (median)', 'speedup/MAC÷', 'floor / dense ms', 'floor model', 'verdict'],
      verdicts,
    ),
  );
  out.push(
    "floor = latency of the same net with 99 % of its units removed (what does not shrink with the MACs: predict's input slice, reading the input, " +
      'per-op costs); floor model = the speedup/MAC÷ that latency = floor + (dense − floor)·MACs/MACs_dense would give.',
  );
  const withActivations = rows.filter((r) => r.activationsBefore !== undefined && r.activationsAfter !== undefined);
  if (withActivations.length) {
    out.push(
      '',
      'Elementwise work (values written per example by all layers, which countMacs leaves out): the speedup against both reductions',
      formatTable(
        ['model', 'units removed', 'MACs ÷', 'activations ÷', 'speedup', 'speedup/MAC÷', 'speedup/activations÷'],
        withActivations.map((r) => {
          const act = r.activationsBefore! / r.activationsAfter!;
          return [
            r.model,
            `${r.unitFraction * 100}%`,
            r.macReduction.toFixed(2),
            act.toFixed(2),
            r.speedup.toFixed(2),
            r.speedupPerMacReduction.toFixed(2),
            (r.speedup / act).toFixed(2),
          ];
        }),
      ),
    );
  }
  return out.join('\n');
}
