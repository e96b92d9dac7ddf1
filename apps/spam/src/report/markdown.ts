/**
 * report.md: what ran, where, how long, and per data set the sweep tables, OPD vs magnitude,
 * structured removal, learned prior precisions and the plots.
 */
import type { Report } from '../types.js';
import { calibrationTable } from './calibration.js';
import { codeSpan, escapeText, shellQuote } from './escape.js';
import {
  type Kind,
  type SweepPoint,
  count,
  datasetsOf,
  distinct,
  duration,
  finite,
  kindOf,
  num,
  orderCriteria,
  orderTrainings,
  pct,
  planPlots,
  structuredOf,
  sweepOf,
} from './summary.js';

/** At most this many training × criterion columns in one table; wider tables split per training. */
const MAX_COLUMNS = 8;

export interface MarkdownOptions {
  /** Plots could not be drawn: say why instead of linking them. */
  plotError?: string;
}

function cell(v: unknown): string {
  return String(v).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function table(head: string[], rows: string[][], align?: Array<'l' | 'r'>): string {
  const sep = head.map((_, i) => ((align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'r' ? '---:' : '---'));
  return [head, sep, ...rows].map((r) => `| ${r.map(cell).join(' | ')} |`).join('\n');
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function inline(v: unknown): string {
  if (v === undefined) return '–';
  if (typeof v === 'string') return v === '' ? '""' : escapeText(v);
  if (Array.isArray(v) && v.every((x) => !isPlainObject(x) && !Array.isArray(x))) return v.map((x) => inline(x)).join(', ');
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return codeSpan(JSON.stringify(v));
}

/** Objects of objects and arrays of objects become their own tables; everything else one row. */
function renderConfig(config: Record<string, unknown>): string {
  const simple: string[][] = [];
  const nested: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    const objs = Array.isArray(value) && value.length > 0 && value.every(isPlainObject);
    const recordOfObjs = isPlainObject(value) && Object.keys(value).length > 0 && Object.values(value).every(isPlainObject);
    if (objs) {
      const items = value;
      const cols = distinct(items.flatMap((o) => Object.keys(o)));
      nested.push(
        `**${key}**\n\n${table(
          cols,
          items.map((o) => cols.map((c) => inline(o[c]))),
          cols.map(() => 'l'),
        )}`,
      );
    } else if (recordOfObjs) {
      const entries = Object.entries(value as Record<string, Record<string, unknown>>);
      const cols = distinct(entries.flatMap(([, o]) => Object.keys(o)));
      nested.push(
        `**${key}**\n\n${table(
          ['', ...cols],
          entries.map(([k, o]) => [k, ...cols.map((c) => inline(o[c]))]),
        )}`,
      );
    } else {
      simple.push([key, inline(value)]);
    }
  }
  const parts: string[] = [];
  if (simple.length) parts.push(table(['setting', 'value'], simple, ['l', 'l']));
  parts.push(...nested);
  return parts.length ? parts.join('\n\n') : '_(none recorded)_';
}

function metricOf(kind: Kind): {
  key: 'accuracy' | 'mse';
  name: string;
  fmt: (x?: number) => string;
  higherBetter: boolean;
} {
  return kind === 'regression'
    ? { key: 'mse', name: 'test MSE', fmt: num, higherBetter: false }
    : { key: 'accuracy', name: 'test accuracy', fmt: (x) => pct(x, 1), higherBetter: true };
}

/**
 * Rows = sparsity (the unpruned network first), columns = training × criterion; best per row in
 * bold. Split into one table per training when there are more than {@link MAX_COLUMNS} columns.
 */
function sweepTables(points: SweepPoint[], key: 'accuracy' | 'mse' | 'nll', fmt: (x?: number) => string, higherBetter: boolean): string {
  const trainings = orderTrainings(points.map((p) => p.training));
  const criteria = orderCriteria(points.filter((p) => p.criterion !== 'none').map((p) => p.criterion));
  const columns = trainings.flatMap((t) =>
    criteria.filter((c) => points.some((p) => p.training === t && p.criterion === c)).map((c) => ({ training: t, criterion: c })),
  );
  const groups =
    columns.length > MAX_COLUMNS && trainings.length > 1
      ? trainings.map((t) => ({ title: t, cols: columns.filter((c) => c.training === t) }))
      : [{ title: '', cols: columns }];
  const hasDense = points.some((p) => p.criterion === 'none');
  const sparsities = distinct(points.filter((p) => p.criterion !== 'none').map((p) => p.sparsity)).sort((a, b) => a - b);
  const value = (training: string, criterion: string, sparsity: number | 'dense') => {
    const p =
      sparsity === 'dense'
        ? points.find((q) => q.training === training && q.criterion === 'none')
        : points.find((q) => q.training === training && q.criterion === criterion && q.sparsity === sparsity);
    return p ? finite(p[key]) : undefined;
  };
  return groups
    .map(({ title, cols }) => {
      const head = ['sparsity', ...cols.map((c) => (groups.length > 1 ? c.criterion : `${c.training} · ${c.criterion}`))];
      const rowKeys: Array<number | 'dense'> = [...(hasDense ? (['dense'] as const) : []), ...sparsities];
      const rows = rowKeys.map((s) => {
        const vals = cols.map((c) => value(c.training, c.criterion, s));
        const ok = vals.filter((v): v is number => v !== undefined);
        const best = ok.length > 1 ? (higherBetter ? Math.max(...ok) : Math.min(...ok)) : undefined;
        return [
          s === 'dense' ? 'unpruned' : pct(s),
          ...vals.map((v) => (v !== undefined && v === best && s !== 'dense' ? `**${fmt(v)}**` : fmt(v))),
        ];
      });
      return (title ? `**${title}**\n\n` : '') + table(head, rows);
    })
    .join('\n\n');
}

/** OPD minus magnitude per training and sparsity (positive = OPD better), and the best pair per sparsity. */
function opdVsMagnitude(points: SweepPoint[], kind: Kind): string {
  const m = metricOf(kind);
  const trainings = orderTrainings(points.map((p) => p.training));
  const withBoth = trainings.filter(
    (t) =>
      points.some((p) => p.training === t && p.criterion === 'opd') && points.some((p) => p.training === t && p.criterion === 'magnitude'),
  );
  const pruned = points.filter((p) => p.criterion !== 'none' && finite(p[m.key]) !== undefined);
  const sparsities = distinct(pruned.map((p) => p.sparsity)).sort((a, b) => a - b);
  if (!sparsities.length) return '';
  const at = (t: string, c: string, s: number) =>
    finite(pruned.find((p) => p.training === t && p.criterion === c && p.sparsity === s)?.[m.key]);
  const diff = (t: string, s: number) => {
    const o = at(t, 'opd', s);
    const g = at(t, 'magnitude', s);
    if (o === undefined || g === undefined) return undefined;
    return m.higherBetter ? o - g : g - o;
  };
  const fmtDiff = (d?: number) =>
    d === undefined
      ? '–'
      : kind === 'regression'
        ? `${d >= 0 ? '+' : '−'}${num(Math.abs(d))}`
        : `${d >= 0 ? '+' : '−'}${Math.abs(d * 100).toFixed(1)} pp`;
  const best = (s: number) => {
    const cands = pruned.filter((p) => p.sparsity === s);
    const b = cands.reduce((acc, p) => ((m.higherBetter ? p[m.key]! > acc[m.key]! : p[m.key]! < acc[m.key]!) ? p : acc));
    return `${b.training} · ${b.criterion} (${m.fmt(b[m.key])})`;
  };
  const unit =
    kind === 'regression'
      ? 'OPD advantage = MSE with magnitude − MSE with OPD'
      : 'OPD advantage = accuracy with OPD − accuracy with magnitude, in percentage points';
  const lines: string[] = [];
  if (withBoth.length) {
    lines.push(
      '### OPD vs magnitude',
      '',
      `Positive = OPD better (${unit}). Last column: the best training × criterion at that sparsity.`,
      '',
    );
  } else {
    lines.push(
      '### Best training × criterion per sparsity',
      '',
      '(OPD and magnitude were not both run for any training, so there is no OPD vs magnitude comparison.)',
      '',
    );
  }
  lines.push(
    table(
      ['sparsity', ...withBoth.map((t) => `${t}: OPD advantage`), 'best'],
      sparsities.map((s) => [pct(s), ...withBoth.map((t) => fmtDiff(diff(t, s))), best(s)]),
      ['l', ...withBoth.map(() => 'r' as const), 'l'],
    ),
  );
  const notes: string[] = [];
  for (const t of withBoth) {
    const ds = sparsities.map((s) => diff(t, s)).filter((d): d is number => d !== undefined);
    if (!ds.length) continue;
    const wins = ds.filter((d) => d > 0).length;
    const top = sparsities.filter((s) => diff(t, s) !== undefined).at(-1)!;
    notes.push(`- **${t}**: OPD ahead of magnitude at ${wins} of ${ds.length} sparsities; at ${pct(top)}: ${fmtDiff(diff(t, top))}.`);
  }
  if (notes.length) lines.push('', ...notes);
  return lines.join('\n');
}

function structuredTable(report: Report, dataset: string): string {
  const rows = report.structured.filter((r) => r.dataset === dataset);
  if (!rows.length) return '';
  const kind = kindOf(rows);
  const m = metricOf(kind);
  const points = structuredOf(rows);
  const rel = (after?: number, before?: number) =>
    after === undefined ? '–' : before ? `${count(after)} (${pct(after / before, 1)})` : count(after);
  const head = [
    'training',
    'criterion',
    'units removed',
    'params (kept)',
    'MACs (kept)',
    kind === 'regression' ? 'MSE' : 'accuracy',
    'NLL',
    ...(kind === 'regression' ? [] : ['ECE', 'one-shot accuracy']),
    'latency',
  ];
  const body = points.map((p) => [
    p.training,
    p.criterion,
    p.unitFraction === 0 ? '0 % (unpruned)' : pct(p.unitFraction),
    rel(p.paramsAfter, p.paramsBefore),
    rel(p.macsAfter, p.macsBefore),
    m.fmt(finite(p[m.key])),
    num(p.nll),
    ...(kind === 'regression' ? [] : [num(finite(p.ece)), m.fmt(finite(p.oneShotAccuracy))]),
    p.latencyMs === undefined ? '–' : `${num(p.latencyMs)} ms`,
  ]);
  const epochs = distinct(rows.map((r) => r.fineTuneEpochs ?? 0));
  const protocol =
    epochs.length === 1 && epochs[0] === 0
      ? 'One-shot: the smaller model is measured right after removal, without fine-tuning.'
      : `The paper's protocol: the smaller model is fine-tuned for ${epochs.join(' / ')} epoch(s) after removal ` +
        '(Adam at the training learning rate, MAP objective with δ₀) and then measured' +
        (kind === 'regression' ? '.' : '; one-shot accuracy = before fine-tuning.');
  const how = rows.some((r) => r.selection === 'group')
    ? 'Graph model, units removed by dependency groups (channels coupled through residual Adds and BatchNormalization, attention heads ' +
      'with their q/k/v units and rows of the output projection, MLP units): groups were ranked by the sum of their member unit scores and ' +
      'the lowest-ranked fraction of each family (one layer or one coupled residual stream; the heads of one attention) removed, ' +
      'a transformer residual stream and the model output kept; '
    : 'Whole units (neurons / channels) removed per layer by the lowest unit scores, the last layer kept; ';
  return (
    how +
    'params and MACs per example after removal ' +
    '(share of the unpruned network in brackets); latency = median predict time of the pruned model on a fixed batch. ' +
    `${protocol}\n\n` +
    table(
      head,
      body,
      head.map((_, i) => (i < 2 ? 'l' : 'r')),
    )
  );
}

function precisionTable(report: Report, dataset: string): string {
  const rows = report.precisions.filter((p) => p.dataset === dataset);
  if (!rows.length) return '';
  const order = orderTrainings(rows.map((r) => r.training));
  const sorted = [...rows].sort((a, b) => order.indexOf(a.training) - order.indexOf(b.training));
  return (
    'Prior precision per parameter tensor after training (larger = stronger pull to zero, the weights OPD prunes first).\n\n' +
    table(
      ['training', 'tensor', 'min', 'geometric mean', 'max'],
      sorted.map((r) => [r.training, r.tensor, num(r.min), num(r.geomean), num(r.max)]),
      ['l', 'l', 'r', 'r', 'r'],
    )
  );
}

function datasetSection(report: Report, dataset: string, opts: MarkdownOptions): string {
  const rows = report.results.filter((r) => r.dataset === dataset);
  const kind = kindOf(rows.length ? rows : report.structured.filter((r) => r.dataset === dataset));
  const m = metricOf(kind);
  const points = sweepOf(rows);
  const seeds = distinct(rows.map((r) => r.seed));
  const out: string[] = [`## ${dataset} (${kind})`];
  const pruned = points.some((p) => p.criterion !== 'none');
  if (points.length && !pruned) {
    out.push(
      'Only the unpruned networks were evaluated (no pruning results yet).',
      table(
        ['training', kind === 'regression' ? 'test MSE' : 'test accuracy', 'test NLL'],
        points.map((p) => [p.training, m.fmt(finite(p[m.key])), num(finite(p.nll))]),
      ),
    );
  }
  if (pruned) {
    out.push(
      `Unstructured pruning: ${m.name} after removing the given share of weights, per training and criterion` +
        (seeds.length > 1 ? `, mean over ${seeds.length} seeds (${seeds.join(', ')})` : `, seed ${seeds[0]}`) +
        `. Best per row in bold (${m.higherBetter ? 'higher' : 'lower'} is better).`,
    );
    out.push(`### ${kind === 'regression' ? 'Test MSE' : 'Test accuracy'}`, sweepTables(points, m.key, m.fmt, m.higherBetter));
    if (kind === 'regression') {
      out.push('### Test NLL (nats per example)', sweepTables(points, 'nll', num, false));
    } else {
      out.push(`<details><summary>Test NLL (nats per example)</summary>\n\n${sweepTables(points, 'nll', num, false)}\n\n</details>`);
    }
    const cmp = opdVsMagnitude(points, kind);
    if (cmp) out.push(cmp);
    const cal = calibrationTable(rows);
    if (cal) out.push('### Calibration: MAP, SpaM and SpaM + GLM predictive (OPD)', cal);
  }
  const st = structuredTable(report, dataset);
  if (st) out.push('### Structured removal', st);
  const pr = precisionTable(report, dataset);
  if (pr) out.push('### Learned prior precisions', pr);
  const plots = planPlots(report).filter((p) => p.dataset === dataset);
  if (plots.length) {
    out.push('### Plots');
    if (opts.plotError) out.push(`_The plots could not be drawn: ${opts.plotError}_`);
    else out.push(plots.map((p) => `[![${p.caption}](plots/${p.name})](plots/${p.name})`).join('\n\n'));
  }
  return out.join('\n\n');
}

/** report.md for a report (plots linked as `plots/<name>.svg`, the names {@link renderPlots} uses). */
export function renderMarkdown(report: Report, opts: MarkdownOptions = {}): string {
  const out: string[] = ['# SpaM report'];
  if (report.partial) {
    out.push(
      `> **⚠ Partial report — ${cell(escapeText(report.partialReason ?? 'the run did not finish'))}.**\n` +
        '> The run stopped before it finished: the tables and plots below cover only what was done by then.',
    );
  }
  const started = Date.parse(report.startedAt);
  const finished = report.finishedAt ? Date.parse(report.finishedAt) : NaN;
  const datasets = datasetsOf(report);
  out.push(
    [
      `- **Command:** ${codeSpan(['spam', ...report.command.map(shellQuote)].join(' '))}`,
      `- **Started:** ${report.startedAt}` +
        (report.finishedAt
          ? ` · **finished:** ${report.finishedAt}` +
            (Number.isFinite(started) && Number.isFinite(finished) ? ` (${duration(finished - started)})` : '')
          : ' · **not finished**'),
      `- **Data sets:** ${datasets.length ? datasets.join(', ') : '–'} · **results:** ${report.results.length} sweep rows, ` +
        `${report.structured.length} structured rows`,
    ].join('\n'),
  );
  out.push('## Configuration', renderConfig(report.config));
  const e = report.environment;
  out.push(
    '## Environment',
    table(
      ['Node', 'platform', 'CPUs', 'TF.js', 'backend'],
      [[e.node, `${e.platform} ${e.arch}`, String(e.cpus), e.tfjs, e.backend]],
      ['l', 'l', 'r', 'l', 'l'],
    ),
  );
  out.push(
    '## Timings',
    report.timings.length
      ? table(
          ['stage', 'wall time'],
          report.timings.map((t) => [t.stage, duration(t.ms)]),
        )
      : '_(none recorded)_',
  );
  if (!datasets.length) out.push('_No results yet._');
  for (const d of datasets) out.push(datasetSection(report, d, opts));
  return out.join('\n\n') + '\n';
}
