// The playground in a real browser: the built app (vite build into a tmp dir) served on 127.0.0.1
// with COOP/COEP, driven in Debian's headless Chromium by playwright-core. Loads without console
// errors, trains MAP and SpaM on breast cancer (cpu backend), draws the curves, the sliders change
// the reported sparsity / units, the export downloads a model.json + weights that tf.loadLayersModel
// reads back in Node with the smaller shape, and the page's numbers equal the Node library's (same
// seed, cpu in both) to float32 rounding. Bad CSVs and a backend switch mid-training give clear
// messages. Screenshots go to apps/playground/test-artifacts/ (gitignored).
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBreastCancerHost } from '@spam/harness';
import { fromMemory, LAPLACE_FORMAT, loadLaplace, marglikTraining } from '@spam/laplace';
import { buildModelAdapter, evaluate, type ClassificationMetrics } from '@spam/core';
import { fileSystem } from '@spam/structured/node';
import { buildMlp } from '../src/engine/model.js';
import { APP_DIR, buildApp, findChromium, serveDir } from './browser/harness.js';
import { fillForm, inkedPixels, openPage, pageState, seriesPaths, setSlider, waitText } from './browser/page.js';

const chromium = findChromium();
const ARTIFACTS = join(APP_DIR, 'test-artifacts');
// Absent browser: a clear skip locally, a failure under CI (CI installs it, see .ci/run).
if (!chromium && process.env.CI !== 'true')
  console.warn('playground browser test skipped: no Chromium at /usr/bin/chromium (apt-get install chromium, or set CHROMIUM_PATH)');
const suite = chromium || process.env.CI === 'true' ? describe : describe.skip;

/** The quick run the test trains (same settings in the page and in Node). */
const QUICK = {
  hidden: '16',
  epochs: '3',
  batch: '64',
  lr: '0.003',
  seed: '3',
  structure: 'kron',
  prior: 'layerwise',
  'marglik-every': '1',
  'hyper-steps': '10',
};

suite('playground in headless Chromium', { timeout: 240_000 }, () => {
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let server: { url: string; close: () => Promise<void> };
  let dist: string;
  let downloads: string;
  /** Live tensors in the two workers after training (data, net, Laplace, prior, cached scores). */
  let trainedTensors: number[];
  const workerTensors = () =>
    page.evaluate(() => (globalThis as unknown as { __playgroundTensors: () => Promise<number[]> }).__playgroundTensors());

  beforeAll(async () => {
    if (!chromium) throw new Error('CI=true but no Chromium at /usr/bin/chromium: .ci/run must install it (apt-get install -y chromium)');
    mkdirSync(ARTIFACTS, { recursive: true });
    dist = mkdtempSync(join(tmpdir(), 'spam-playground-'));
    downloads = mkdtempSync(join(tmpdir(), 'spam-playground-dl-'));
    await buildApp(dist);
    server = await serveDir(dist, true);
    const { chromium: pw } = await import('playwright-core');
    browser = await pw.launch({ executablePath: chromium, args: ['--enable-unsafe-webgpu'] });
    ({ page, errors } = await openPage(browser, `${server.url}?backend=cpu`));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dist) rmSync(dist, { recursive: true, force: true });
    if (downloads) rmSync(downloads, { recursive: true, force: true });
  });

  it('loads cross-origin isolated, on the requested backend, without console errors', async () => {
    const status = await waitText(page, '#backend-status', /running on cpu/, 30_000);
    expect(status).toMatch(/cross-origin isolated: yes/);
    expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, '1-loaded.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('trains MAP and SpaM side by side with live progress, then draws curves and the log δ heatmap', async () => {
    await fillForm(page, { dataset: 'breast-cancer', ...QUICK });
    await page.click('#train');
    const done = await waitText(page, '#train-status', /^done: .*test accuracy$|failed|stopped/, 120_000);
    expect(done).toMatch(/MAP \d+\.\d %, SpaM \d+\.\d %/);
    const s = await pageState(page);
    for (const k of ['map', 'spam'] as const) {
      expect(s.runs[k].epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
      expect(s.runs[k].batchLoss).toHaveLength(3 * Math.ceil(455 / 64));
      expect(s.runs[k].trained!.accuracy).toBeGreaterThan(0.85);
    }
    expect(s.runs.spam.epochs.every((e) => Number.isFinite(e.logMarglik))).toBe(true);
    expect(s.runs.map.epochs.every((e) => e.logMarglik === undefined)).toBe(true);
    // Curves: 2 runs × 3 ticked criteria, one vertex per sparsity of the grid.
    const curves = await seriesPaths(page, '#curves');
    expect(Object.keys(curves).sort()).toEqual(['MAP magnitude', 'MAP opd', 'MAP random', 'SpaM magnitude', 'SpaM opd', 'SpaM random']);
    for (const d of Object.values(curves)) expect(d.match(/[ML]/g)).toHaveLength(10);
    // The curve's first vertex (sparsity 0) sits higher than random's last (98 %): it plots numbers.
    const y = (d: string, i: number) => Number(d.split(/[ML]/).filter(Boolean)[i].split(',')[1]);
    expect(y(curves['SpaM opd'], 0)).toBeLessThan(y(curves['SpaM random'], 9));
    const loss = await seriesPaths(page, '[data-testid=loss-spam]');
    expect(loss['loss per batch'].match(/L/g)!.length).toBe(3 * Math.ceil(455 / 64) - 1);
    expect((await seriesPaths(page, '[data-testid=logz-spam]'))['log Z per marglik step'].match(/[ML]/g)).toHaveLength(3);
    // Heatmap: 4 tensors drawn (label text + coloured cells); SpaM's δ moved, so cells are coloured.
    expect(s.runs.spam.delta.map((r) => r.name)).toEqual(['fc1/kernel', 'fc1/bias', 'fc2/kernel', 'fc2/bias']);
    expect(await inkedPixels(page, '[data-testid=delta-spam]')).toBeGreaterThan(2000);
    await page.screenshot({ path: join(ARTIFACTS, '2-trained.png'), fullPage: true });
    trainedTensors = await workerTensors();
    expect(trainedTensors).toHaveLength(2);
    expect(errors).toEqual([]);
  });

  it('the sparsity slider changes the reported sparsity and accuracy; the units slider the params', async () => {
    const before = await pageState(page);
    expect(before.runs.spam.point!.sparsity).toBe(0.5);
    const total = 30 * 16 + 16 * 2;
    expect(before.runs.spam.point!.pruned).toBe(Math.floor(0.5 * total));
    const reportBefore = await page.textContent('#sparsity-report');
    expect(reportBefore).toMatch(/SpaM: 50\.0 % pruned \(256 \/ 512 weights, opd\)/);
    // ⌊0.98·512⌋ = 501 of 512 kernel entries = 97.85 %.
    await setSlider(page, 'sparsity', 0.98);
    const report = await waitText(page, '#sparsity-report', /SpaM: 97\.9 % pruned/);
    expect(report).toMatch(/MAP: 97\.9 % pruned \(501 \/ 512 weights, opd\)/);
    const after = await pageState(page);
    expect(after.runs.spam.point!.pruned).toBe(501);
    // The reported accuracy changed with the sparsity, and equals the curve's point (same scores, same weights).
    expect(after.runs.spam.point!.accuracy).not.toBe(before.runs.spam.point!.accuracy);
    const onCurve = after.runs.spam.curves.find((p) => p.criterion === 'opd' && p.sparsity === 0.98)!;
    expect(after.runs.spam.point!.accuracy).toBe(onCurve.accuracy);
    expect(report).toContain(`accuracy ${(onCurve.accuracy * 100).toFixed(1)} %`);
    // The curves are redrawn with the slider's position marked (x = the reported sparsity).
    expect(Number(await page.getAttribute('#curves path[data-marker]', 'data-marker'))).toBeCloseTo(501 / 512, 10);
    await setSlider(page, 'units', 0.75);
    await page.waitForSelector('#units-report tr[data-run=spam][data-removed="0.75"]');
    const u = (await pageState(page)).runs.spam.units!;
    expect(u.units).toEqual([
      { name: 'fc1', units: 4 },
      { name: 'fc2', units: 2 },
    ]);
    expect(u.params).toBe(30 * 4 + 4 + 4 * 2 + 2);
    expect(u.denseParams).toBe(30 * 16 + 16 + 16 * 2 + 2);
    expect(u.latencyMs).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, '3-pruned.png'), fullPage: true });
  });

  it('exports the unit-removed SpaM net: model.json + weights that tf.loadLayersModel reads back smaller', async () => {
    await fillForm(page, { 'export-run': 'spam', 'export-what': 'units' });
    const got: Download[] = [];
    page.on('download', (d) => got.push(d));
    await page.click('#export-btn');
    await expect.poll(() => got.length, { timeout: 30_000 }).toBe(2);
    await page.waitForTimeout(300); // no third download
    expect(got).toHaveLength(2);
    const files: Record<string, string> = {};
    for (const d of got) {
      const path = join(downloads, d.suggestedFilename());
      await d.saveAs(path);
      files[d.suggestedFilename()] = path;
    }
    expect(Object.keys(files).sort()).toEqual(['spam-playground-spam-units-75.json', 'spam-playground-spam-units-75.weights.bin']);
    const manifest = JSON.parse(readFileSync(files['spam-playground-spam-units-75.json'], 'utf8'));
    expect(manifest.weightsManifest[0].paths).toEqual(['./spam-playground-spam-units-75.weights.bin']);
    const model = await tf.loadLayersModel(
      fileSystem(downloads, { modelFile: 'spam-playground-spam-units-75.json', weightsFile: 'spam-playground-spam-units-75.weights.bin' }),
    );
    try {
      expect(model.inputs[0].shape).toEqual([null, 30]);
      expect(model.layers.map((l) => l.getWeights()[0].shape)).toEqual([
        [30, 4],
        [4, 2],
      ]);
    } finally {
      model.dispose();
    }
    await page.screenshot({ path: join(ARTIFACTS, '4-exported.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('exports the SpaM Laplace with its learned prior (saveLaplace format) that loadLaplace reads in Node', async () => {
    await fillForm(page, { 'export-run': 'spam', 'export-what': 'laplace' });
    const got: Download[] = [];
    page.on('download', (d) => got.push(d));
    await page.click('#export-btn');
    await expect.poll(() => got.length, { timeout: 30_000 }).toBe(2);
    const text: Record<string, Buffer> = {};
    for (const d of got) {
      const path = join(downloads, d.suggestedFilename());
      await d.saveAs(path);
      text[d.suggestedFilename()] = readFileSync(path);
    }
    expect(Object.keys(text).sort()).toEqual(['spam-playground-spam-laplace.json', 'spam-playground-spam-laplace.weights.bin']);
    const manifest = JSON.parse(text['spam-playground-spam-laplace.json'].toString('utf8'));
    expect(manifest.format).toBe(LAPLACE_FORMAT);
    const bin = text['spam-playground-spam-laplace.weights.bin'];
    const model = buildMlp(30, [16], 2, 3);
    const loaded = await loadLaplace(
      fromMemory({ manifest, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) }),
      model,
    );
    try {
      expect(loaded.laplace.structure).toBe('kron');
      // The learned log δ per tensor equals what the page's heatmap showed (float32 rounding).
      const delta = (await pageState(page)).runs.spam.delta;
      const perTensor = loaded.prior!.summaryPerTensor();
      expect(perTensor.map((t) => t.name)).toEqual(delta.map((r) => r.name));
      perTensor.forEach((t, i) => expect(Math.log(t.max)).toBeCloseTo(delta[i].max, 5));
    } finally {
      loaded.laplace.dispose();
      loaded.prior?.dispose();
      model.dispose();
    }
  });

  it('the slider, unit removal and the exports leave no tensor behind in the workers', async () => {
    expect(await workerTensors()).toEqual(trainedTensors);
  });

  it('gives the Node library’s numbers (same seed, cpu backend) to float32 rounding', async () => {
    const s = await pageState(page);
    const previous = tf.getBackend();
    await tf.setBackend('cpu');
    const h = loadBreastCancerHost();
    const [xTrain, yTrain, xTest, yTest] = [
      tf.tensor2d(h.xTrain, [455, 30]),
      tf.tensor1d(h.trainLabels, 'int32'),
      tf.tensor2d(h.xTest, [114, 30]),
      tf.tensor1d(h.testLabels, 'int32'),
    ];
    try {
      for (const kind of ['map', 'spam'] as const) {
        const model = buildMlp(30, [16], 2, 3);
        const r = await marglikTraining(
          model,
          { xs: xTrain, ys: yTrain, batchSize: 64 },
          {
            likelihood: 'classification',
            structure: 'kron',
            prior: 'layerwise',
            map: kind === 'map',
            priorPrecision: 1,
            epochs: 3,
            marglikEvery: 1,
            hyperSteps: 10,
            hyperLr: 0.1,
            lr: 0.003,
          },
        );
        const m = evaluate(buildModelAdapter(model, { logits: true }), 'classification', xTest, yTest) as ClassificationMetrics;
        const page = s.runs[kind];
        const last = r.history[r.history.length - 1];
        expect(page.trained!.finalLoss).toBeCloseTo(last.loss, 5);
        expect(Math.abs(page.trained!.finalLoss - last.loss) / Math.abs(last.loss)).toBeLessThan(1e-5);
        expect(page.trained!.accuracy).toBe(m.accuracy);
        expect(Math.abs(page.trained!.nll - m.nll) / m.nll).toBeLessThan(1e-5);
        if (kind === 'spam') {
          const z = page.trained!.finalLogMarglik!;
          expect(Math.abs(z - last.logMarglik!) / Math.abs(last.logMarglik!)).toBeLessThan(1e-5);
        }
        r.laplace.dispose();
        r.prior.dispose();
        model.dispose();
      }
    } finally {
      tf.dispose([xTrain, yTrain, xTest, yTest]);
      await tf.setBackend(previous);
    }
  });

  it('bad CSVs get clear messages in the page', async () => {
    await page.selectOption('#dataset', 'csv');
    const upload = async (name: string, text: string) => {
      await page.setInputFiles('#csv-file', { name, mimeType: 'text/csv', buffer: Buffer.from(text) });
      return waitText(page, '#data-status', new RegExp(name.replace('.', '\\.')));
    };
    const rows = (f: (i: number) => string, n = 20) => Array.from({ length: n }, (_, i) => f(i)).join('\n');
    expect(await upload('missing.csv', `a,b,label\n${rows((i) => (i === 4 ? '1,,0' : `${i},2,${i % 2}`))}`)).toMatch(
      /line 6: missing value in column 'b'/,
    );
    expect(await upload('text.csv', `a,colour,label\n${rows((i) => `${i},red,${i % 2}`)}`)).toMatch(/column 'colour' is not numeric/);
    expect(await upload('one.csv', `a,b,label\n${rows((i) => `${i},1,yes`)}`)).toMatch(/single class \('yes'\)/);
    expect(await upload('big.csv', `a,label\n${rows((i) => `${i},${i % 2}`, 60_001)}`)).toMatch(
      /60,001 rows; the playground trains on at most 50,000/,
    );
    expect(await page.getAttribute('#data-status', 'class')).toMatch(/error/);
    const ok = await upload('ok.csv', `a,b,label\n${rows((i) => `${i},${i * i},${i % 3}`, 50)}`);
    expect(ok).toMatch(/40 training \/ 10 test rows, classes 0, 1, 2/);
    await page.screenshot({ path: join(ARTIFACTS, '5-csv.png'), fullPage: true });
  });

  it('switching the backend mid-training stops the training cleanly with a message; the new backend runs', async () => {
    await fillForm(page, { dataset: 'digits', hidden: '32', epochs: '200' });
    await page.click('#train');
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { __playground: { runs: { spam: { batchLoss: unknown[] } } } }).__playground.runs.spam.batchLoss.length >
        3,
    );
    await page.selectOption('#backend', 'wasm');
    const msg = await waitText(page, '#train-status', /backend switched to wasm during training/);
    expect(msg).toMatch(/training was stopped and nothing was kept/);
    await waitText(page, '#backend-status', /running on wasm \(SIMD on, threads on, \d+\); cross-origin isolated: yes/);
    expect(await page.isDisabled('#train')).toBe(false);
    expect(await page.isDisabled('#export-btn')).toBe(true);
    // A short training on the new backend finishes.
    await fillForm(page, { dataset: 'breast-cancer', ...QUICK, epochs: '1' });
    await page.click('#train');
    expect(await waitText(page, '#train-status', /^done: .*test accuracy$|failed|stopped/, 60_000)).toMatch(/^done/);
    await page.screenshot({ path: join(ARTIFACTS, '6-switched.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
