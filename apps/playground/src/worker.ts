/**
 * A training worker: owns one tfjs instance (its backend), one data set and one trained net (MAP or
 * SpaM), and answers the page's requests (protocol.ts). Heavy work never runs on the page's thread.
 * Stopping or switching backends terminates the worker: nothing is left half-done in the page.
 */
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from './backend.js';
import { decodeBundled, headRows, type BundledMeta, type HostDataset } from './dataset.js';
import { ScoreCache, exportLaplace, exportPruned, exportModel, removeUnits, sparsityCurves, sparsityPoint } from './engine/analysis.js';
import { dataTensors, disposeRun, trainRun, type DataTensors, type TrainedRun } from './engine/train.js';
import type { DataSource, Reply, Request, Results } from './protocol.js';

interface WorkerScope {
  postMessage(message: Reply, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<Request>) => void) | null;
}
const scope = globalThis as unknown as WorkerScope;

let data: DataTensors | null = null;
let run: TrainedRun | null = null;
let scores: ScoreCache | null = null;
let seed = 1;

async function loadData(src: DataSource): Promise<HostDataset> {
  if (src.kind === 'inline') return src.dataset;
  const base = src.baseUrl.endsWith('/') ? src.baseUrl : `${src.baseUrl}/`;
  const metaRes = await fetch(`${base}data/${src.id}.json`);
  if (!metaRes.ok)
    throw new Error(`data/${src.id}.json: HTTP ${metaRes.status} (was the app built with its data? npm run build:playground)`);
  const meta = (await metaRes.json()) as BundledMeta;
  const binRes = await fetch(`${base}data/${src.id}.bin`);
  if (!binRes.ok) throw new Error(`data/${src.id}.bin: HTTP ${binRes.status}`);
  return decodeBundled(meta, await binRes.arrayBuffer());
}

function trained(): TrainedRun {
  if (!run || !data || !scores) throw new Error('no trained net in this worker yet: train first');
  return run;
}

function clear(): void {
  scores?.dispose();
  if (run) disposeRun(run);
  if (data) tf.dispose(Object.values(data));
  scores = null;
  run = null;
  data = null;
}

async function handle(req: Request): Promise<Results[keyof Results]> {
  switch (req.type) {
    case 'init':
      return chooseBackend(req.backend, req.threads, req.exclude);
    case 'train': {
      clear();
      const full = await loadData(req.data);
      const d = headRows(full, req.config.trainRows, req.config.testRows);
      data = dataTensors(d);
      seed = req.config.seed;
      run = await trainRun(req.run, req.config, data, d.numClasses, {
        onEvent: (event) => scope.postMessage({ type: 'event', run: req.run, event }),
      });
      scores = new ScoreCache(run, data, seed);
      return {
        ms: run.ms,
        accuracy: run.test.accuracy,
        nll: run.test.nll,
        finalLoss: run.finalLoss,
        finalLogMarglik: run.finalLogMarglik,
        numTrain: d.yTrain.length,
        numTest: d.yTest.length,
      };
    }
    case 'curves':
      return sparsityCurves(trained(), scores!, req.criteria, data!, req.sparsities);
    case 'point':
      return sparsityPoint(trained(), scores!, req.criterion, req.sparsity, data!);
    case 'units': {
      const { model, result } = await removeUnits(trained(), scores!, req.criterion, req.fraction, data!);
      model.dispose();
      return result;
    }
    case 'export': {
      if (req.what === 'laplace') return exportLaplace(trained(), req.name);
      if (req.what === 'pruned') return exportPruned(trained(), scores!, req.criterion, req.amount, req.name);
      const { model } = await removeUnits(trained(), scores!, req.criterion, req.amount, data!);
      try {
        return await exportModel(model, req.name);
      } finally {
        model.dispose();
      }
    }
    case 'memory':
      return { numTensors: tf.memory().numTensors };
  }
}

// One request at a time, in arrival order.
let queue: Promise<void> = Promise.resolve();
scope.onmessage = (e) => {
  const req = e.data;
  queue = queue.then(async () => {
    try {
      const result = await handle(req);
      const transfer = req.type === 'export' ? [(result as Results['export']).weights] : [];
      scope.postMessage({ type: 'reply', id: req.id, ok: true, result }, transfer);
    } catch (err) {
      const x = err as Error;
      scope.postMessage({ type: 'reply', id: req.id, ok: false, message: x.message ?? String(err), name: x.name ?? 'Error' });
    }
  });
};
