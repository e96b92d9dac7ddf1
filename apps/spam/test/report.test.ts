import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportDirError, checkWritable, renderMarkdown, writeReport } from '../src/report/index.js';
import type { Report } from '../src/types.js';
import { CRITERIA, SPARSITIES, TRAININGS, UNIT_CRITERIA, syntheticReport } from './report-fixture.js';

interface El {
  tag: string;
  attrs: Record<string, string>;
  text: string;
  /** Classes of this element and every ancestor. */
  classes: string[];
}

/** Parse an SVG (throws unless well-formed XML) into a flat list of elements. */
function parseSvg(svg: string): El[] {
  const valid = XMLValidator.validate(svg);
  if (valid !== true) throw new Error(`not well-formed XML: ${JSON.stringify(valid.err)}`);
  const tree = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '' }).parse(svg) as unknown[];
  const out: El[] = [];
  const walk = (nodes: unknown[], classes: string[]) => {
    for (const node of nodes as Array<Record<string, unknown>>) {
      const tag = Object.keys(node).find((k) => k !== ':@' && k !== '#text');
      if (!tag) continue;
      const attrs = (node[':@'] ?? {}) as Record<string, string>;
      const children = node[tag] as unknown[];
      const own = [...classes, ...(attrs.class ? attrs.class.split(/\s+/) : [])];
      const text = children
        .map((c) => (c as Record<string, unknown>)['#text'])
        .filter((t) => t !== undefined)
        .join('');
      out.push({ tag, attrs, text: String(text), classes: own });
      walk(children, own);
    }
  };
  walk(tree, []);
  return out;
}

const lineMarks = (els: El[]) =>
  els.filter((e) => e.tag === 'path' && e.attrs['aria-roledescription'] === 'line mark' && e.classes.includes('mark-line'));
const textsIn = (els: El[], cls: string) => els.filter((e) => e.tag === 'text' && e.classes.includes(cls)).map((e) => e.text);

describe('writeReport', () => {
  let dir: string;
  let report: Report;
  let files: string[];
  beforeAll(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'spam-report-')), 'out', 'nested');
    report = syntheticReport(false);
    ({ files } = await writeReport(dir, report));
  });
  afterAll(async () => {
    await rm(join(dir, '..', '..'), { recursive: true, force: true });
  });

  it('writes report.json, report.md and one SVG per plot, and returns their paths', async () => {
    const plots = ['diabetes-mse.svg', 'diabetes-nll.svg', 'mnist-accuracy.svg', 'mnist-nll.svg', 'mnist-structured.svg'];
    expect([...files].sort()).toEqual(
      [join(dir, 'report.json'), join(dir, 'report.md'), ...plots.map((p) => join(dir, 'plots', p))].sort(),
    );
    expect((await readdir(join(dir, 'plots'))).sort()).toEqual(plots);
    // No leftover temporary files.
    expect((await readdir(dir)).sort()).toEqual(['plots', 'report.json', 'report.md']);
  });

  it('report.json round-trips the Report as is (pretty-printed)', async () => {
    const text = await readFile(join(dir, 'report.json'), 'utf8');
    expect(JSON.parse(text)).toEqual(report);
    expect(text).toContain('\n  "partial": false,');
  });

  it('report.md has every training × criterion column, the regression metrics, structured rows and no partial banner', async () => {
    const md = await readFile(join(dir, 'report.md'), 'utf8');
    expect(md).toMatch(/^# SpaM report/);
    expect(md).not.toMatch(/partial/i);
    for (const dataset of ['mnist (classification)', 'diabetes (regression)']) expect(md).toContain(`## ${dataset}`);
    // The accuracy table header holds all 6 columns (not split: ≤ 8 columns).
    const header = md.split('\n').find((l) => l.startsWith('| sparsity | map · opd'))!;
    for (const t of TRAININGS) for (const c of CRITERIA) expect(header).toContain(`${t} · ${c}`);
    // One row per sparsity plus the unpruned network.
    for (const s of SPARSITIES) expect(md).toContain(`| ${+(s * 100).toFixed(2)} % |`);
    expect(md).toContain('| unpruned |');
    expect(md).toContain('### Test MSE');
    expect(md).toContain('### Test NLL (nats per example)');
    expect(md).toContain('### OPD vs magnitude');
    expect(md).toContain('### Structured removal');
    for (const t of TRAININGS) for (const c of UNIT_CRITERIA) expect(md).toContain(`| ${t} | ${c} | 75 % |`);
    expect(md).toContain('### Learned prior precisions');
    expect(md).toContain('| mnist/spam-kron-unitwise/train | 1 min 1 s |');
    expect(md).toContain('| v20.0.0 | linux x64 | 2 | 4.22.0 | wasm |');
    for (const f of files.filter((f) => f.endsWith('.svg'))) expect(md).toContain(`](plots/${f.split('/').at(-1)})`);
  });

  it('report.md opens with the partial banner and its reason only when partial', () => {
    const md = renderMarkdown(syntheticReport(true));
    expect(md.split('\n')[2]).toMatch(/^> \*\*⚠ Partial report — interrupted \(SIGINT\)\.\*\*/);
    expect(md).toContain('**not finished**');
  });

  it('splits the sweep table per training when there are more than 8 columns', () => {
    const r = syntheticReport(false);
    const extra = ['obd', 'snip', 'grasp'].flatMap((criterion) =>
      r.results.filter((x) => x.criterion === 'opd').map((x) => ({ ...x, criterion })),
    );
    r.results.push(...extra);
    const md = renderMarkdown(r);
    expect(md).toContain('**map**\n\n| sparsity | opd | magnitude | obd | snip | grasp | random |');
    expect(md).toContain('**spam-kron-unitwise**\n\n| sparsity | opd | magnitude | obd | snip | grasp | random |');
  });

  const sweepPlots: Array<[string, string, string]> = [
    ['mnist-accuracy.svg', 'mnist: test accuracy vs sparsity', 'Test accuracy (%)'],
    ['mnist-nll.svg', 'mnist: test NLL vs sparsity', 'Test NLL (nats/example)'],
    ['diabetes-mse.svg', 'diabetes: test MSE vs sparsity', 'Test MSE (target units²)'],
    ['diabetes-nll.svg', 'diabetes: test NLL vs sparsity', 'Test NLL (nats/example)'],
  ];
  it.each(sweepPlots)(
    '%s: one line per training × criterion, criteria in the legend, a panel per training',
    async (name, title, yTitle) => {
      const els = parseSvg(await readFile(join(dir, 'plots', name), 'utf8'));
      expect(els[0].tag).toBe('svg');
      expect(Number(els[0].attrs.width)).toBeGreaterThan(300);
      expect(lineMarks(els)).toHaveLength(TRAININGS.length * CRITERIA.length);
      // Every line starts at the unpruned network and has one point per sparsity.
      for (const p of lineMarks(els)) expect(p.attrs.d.match(/[ML]/g)).toHaveLength(SPARSITIES.length + 1);
      expect(textsIn(els, 'role-legend-label')).toEqual([...CRITERIA]);
      expect(textsIn(els, 'role-legend-title')).toEqual(['Pruning criterion']);
      expect(textsIn(els, 'column_header')).toEqual([...TRAININGS]);
      expect(textsIn(els, 'role-title-text')).toContain(title);
      expect(textsIn(els, 'role-axis-title')).toEqual(expect.arrayContaining([yTitle, 'Sparsity (% of weights pruned)']));
      expect(textsIn(els, 'role-axis-label')).toEqual(expect.arrayContaining(['0%', '50%', '99%']));
    },
  );

  it('structured plot: accuracy vs MACs (log x), one line per training × unit criterion', async () => {
    const els = parseSvg(await readFile(join(dir, 'plots', 'mnist-structured.svg'), 'utf8'));
    expect(lineMarks(els)).toHaveLength(TRAININGS.length * UNIT_CRITERIA.length);
    expect(textsIn(els, 'role-legend-label')).toEqual([...UNIT_CRITERIA]);
    expect(textsIn(els, 'column_header')).toEqual([...TRAININGS]);
    expect(textsIn(els, 'role-axis-title')).toEqual(expect.arrayContaining(['MACs per example (log scale)', 'Test accuracy (%)']));
    expect(els.find((e) => e.attrs['aria-label']?.startsWith('X-axis'))?.attrs['aria-label']).toMatch(/log scale/);
  });
});

describe('writeReport on an interrupted run', () => {
  it('writes a partial report with no results: banner, "No results yet", no plots', async () => {
    const root = await mkdtemp(join(tmpdir(), 'spam-report-'));
    try {
      const r: Report = { ...syntheticReport(true), results: [], structured: [], precisions: [], timings: [] };
      const { files } = await writeReport(root, r);
      expect(files).toEqual([join(root, 'report.json'), join(root, 'report.md')]);
      const md = await readFile(join(root, 'report.md'), 'utf8');
      expect(md).toContain('Partial report — interrupted (SIGINT)');
      expect(md).toContain('_No results yet._');
      expect(await readdir(join(root, 'plots'))).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('checkWritable', () => {
  it('creates a missing directory and leaves nothing in it', async () => {
    const root = await mkdtemp(join(tmpdir(), 'spam-report-'));
    try {
      const dir = join(root, 'a', 'b');
      await checkWritable(dir);
      expect((await stat(dir)).isDirectory()).toBe(true);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('throws a ReportDirError naming the directory when it cannot be created, and writes nothing', async () => {
    const root = await mkdtemp(join(tmpdir(), 'spam-report-'));
    try {
      const file = join(root, 'not-a-dir');
      await writeFile(file, 'x');
      const dir = join(file, 'report');
      const err = await checkWritable(dir).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ReportDirError);
      expect((err as ReportDirError).dir).toBe(dir);
      expect((err as ReportDirError).code).toBe('REPORT_DIR');
      expect((err as ReportDirError).systemCode).toBe('ENOTDIR');
      expect((err as Error).message).toContain(`'${file}' is not a directory`);
      expect((err as Error).message).toContain(dir);
      expect(await readdir(root)).toEqual(['not-a-dir']);
      expect(await readFile(file, 'utf8')).toBe('x');
      // writeReport fails the same way.
      await expect(writeReport(dir, syntheticReport(false))).rejects.toBeInstanceOf(ReportDirError);
      expect(await readdir(root)).toEqual(['not-a-dir']);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
