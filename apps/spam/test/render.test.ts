/**
 * Opens the report's SVG plots in headless Chromium (Debian's `chromium`) and checks that they
 * render with the expected series: a page inlines every SVG plus a script that counts the drawn
 * line marks and legend labels and measures their boxes; `--dump-dom` gives back the page with
 * the script's result. Skipped, with the reason printed, when no Chromium binary is installed.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPlots } from '../src/report/index.js';
import { CRITERIA, TRAININGS, UNIT_CRITERIA, syntheticReport } from './report-fixture.js';

const run = promisify(execFile);

/** `$CHROMIUM` when set (only it), else the usual Debian / Ubuntu / Chrome locations. */
function findChromium(): string | undefined {
  if (process.env.CHROMIUM) return existsSync(process.env.CHROMIUM) ? process.env.CHROMIUM : undefined;
  const candidates = [
    process.env.CHROME_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
  ];
  return candidates.find((c): c is string => !!c && existsSync(c));
}

const chromium = findChromium();
if (!chromium) {
  console.warn(
    `render.test.ts: skipped: no Chromium binary (${
      process.env.CHROMIUM
        ? `$CHROMIUM=${process.env.CHROMIUM} does not exist`
        : 'looked at $CHROME_PATH, /usr/bin/chromium, /usr/bin/chromium-browser, /usr/bin/google-chrome'
    }); ` + 'install it with `apt-get install chromium`.',
  );
}

/** What the in-page script measures for one plot. */
interface Rendered {
  name: string;
  width: number;
  height: number;
  lines: number;
  /** Line marks with a non-empty box and a visible stroke. */
  visibleLines: number;
  /** Distinct stroke colours of the line marks. */
  colors: number;
  legend: string[];
  /** Legend labels whose text Chromium laid out with a non-zero width. */
  legendWithWidth: number;
  headers: string[];
  /** Line marks whose box lies inside the SVG's box. */
  linesInside: number;
}

// Runs in Chromium: one entry per `<div class="plot">`.
const MEASURE = `
const out = [];
for (const div of document.querySelectorAll('div.plot')) {
  const svg = div.querySelector('svg');
  const box = svg.getBoundingClientRect();
  const paths = [...svg.querySelectorAll('g.mark-line path[aria-roledescription="line mark"]')];
  const visible = paths.filter((p) => {
    const b = p.getBBox();
    const s = getComputedStyle(p);
    return b.width > 0 && s.stroke !== 'none' && s.visibility !== 'hidden' && s.display !== 'none' && p.getTotalLength() > 0;
  });
  const inside = paths.filter((p) => {
    const r = p.getBoundingClientRect();
    return r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
  });
  const labels = [...svg.querySelectorAll('g.role-legend-label text')];
  const root = svg.querySelector('g.role-frame').getBBox();
  out.push({
    name: div.dataset.name,
    width: root.width,
    height: root.height,
    lines: paths.length,
    visibleLines: visible.length,
    colors: new Set(paths.map((p) => getComputedStyle(p).stroke)).size,
    legend: labels.map((t) => t.textContent),
    legendWithWidth: labels.filter((t) => t.getComputedTextLength() > 0).length,
    headers: [...svg.querySelectorAll('g.column_header g.role-title-text text')].map((t) => t.textContent),
    linesInside: inside.length,
  });
}
document.getElementById('result').textContent = encodeURIComponent(JSON.stringify(out));
`;

describe.skipIf(!chromium)('report plots in headless Chromium', () => {
  let dir: string;
  let rendered: Rendered[];
  let version: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spam-render-'));
    const plots = await renderPlots(syntheticReport(false));
    const page =
      '<!doctype html><html><head><meta charset="utf-8"><title>plots</title></head><body>\n' +
      plots.map((p) => `<div class="plot" data-name="${p.name}">${p.svg}</div>`).join('\n') +
      `\n<pre id="result"></pre>\n<script>${MEASURE}</script></body></html>`;
    const html = join(dir, 'plots.html');
    await writeFile(html, page);
    const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', `--user-data-dir=${join(dir, 'profile')}`];
    version = (await run(chromium!, ['--version'], { timeout: 30_000 })).stdout.trim();
    const { stdout } = await run(chromium!, [...flags, '--dump-dom', pathToFileURL(html).href], {
      timeout: 60_000,
      maxBuffer: 64 << 20,
    });
    const m = /<pre id="result">([^<]*)<\/pre>/.exec(stdout);
    if (!m?.[1]) throw new Error(`Chromium (${version}) returned no measurement:\n${stdout.slice(0, 2000)}`);
    rendered = JSON.parse(decodeURIComponent(m[1])) as Rendered[];
    console.info(`render.test.ts: ${version}, ${rendered.length} plots measured`);
  }, 90_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('measures every plot', () => {
    expect(rendered.map((r) => r.name).sort()).toEqual([
      'diabetes-mse.svg',
      'diabetes-nll.svg',
      'mnist-accuracy.svg',
      'mnist-nll.svg',
      'mnist-structured.svg',
    ]);
  });

  it.each(['mnist-accuracy.svg', 'mnist-nll.svg', 'diabetes-mse.svg', 'diabetes-nll.svg'])(
    '%s renders one visible line per training × criterion, a legend of the criteria and a panel per training',
    (name) => {
      const r = rendered.find((x) => x.name === name)!;
      expect(r.width).toBeGreaterThan(300);
      expect(r.height).toBeGreaterThan(150);
      expect(r.lines).toBe(TRAININGS.length * CRITERIA.length);
      expect(r.visibleLines).toBe(r.lines);
      expect(r.linesInside).toBe(r.lines);
      expect(r.colors).toBe(CRITERIA.length);
      expect(r.legend).toEqual([...CRITERIA]);
      expect(r.legendWithWidth).toBe(CRITERIA.length);
      expect(r.headers).toEqual([...TRAININGS]);
    },
  );

  it('mnist-structured.svg renders one visible line per training × unit criterion', () => {
    const r = rendered.find((x) => x.name === 'mnist-structured.svg')!;
    expect(r.width).toBeGreaterThan(300);
    expect(r.height).toBeGreaterThan(150);
    expect(r.lines).toBe(TRAININGS.length * UNIT_CRITERIA.length);
    expect(r.visibleLines).toBe(r.lines);
    expect(r.linesInside).toBe(r.lines);
    expect(r.colors).toBe(UNIT_CRITERIA.length);
    expect(r.legend).toEqual([...UNIT_CRITERIA]);
    expect(r.legendWithWidth).toBe(UNIT_CRITERIA.length);
    expect(r.headers).toEqual([...TRAININGS]);
  });
});
