/**
 * The playground page: wires the controls to two training workers (MAP and SpaM, side by side, each
 * with its own tfjs), draws their progress, the pruning curves, the slider and units reports, and
 * turns an export into two complete downloads.
 */
import { checkCsvSize, CsvError, parseCsv } from './csv.js';
import type { HostDataset } from './dataset.js';
import type { PlaygroundCriterion, RunKind, TrainConfig } from './engine/config.js';
import type { TrainEvent } from './engine/train.js';
import type { BackendName, DataSource } from './protocol.js';
import { TrainingWorker, WorkerStopped } from './ui/client.js';
import { $, readConfig, selectedCriteria } from './ui/form.js';
import { drawCurves, drawPoint, drawRun, drawUnits } from './ui/render.js';
import { emptyRun, state } from './ui/state.js';

const KINDS: RunKind[] = ['map', 'spam'];
let workers: Record<RunKind, TrainingWorker> | null = null;
let csvData: HostDataset | null = null;
let trainedOnce = false;
/** GPU backends that failed mid-training here: 'fastest available' skips them from then on. */
const failedBackends: BackendName[] = [];

function setStatus(id: string, text: string, error = false): void {
  const e = $(id);
  e.textContent = text;
  e.classList.toggle('error', error);
  if (error) state.errors.push(text);
}

/** `?threads=N`: the wasm thread count per worker (default: tfjs's). */
function threadsParam(): number | undefined {
  const t = Number(new URLSearchParams(location.search).get('threads'));
  return Number.isInteger(t) && t >= 1 ? t : undefined;
}

const backendSelect = () => $<HTMLSelectElement>('backend');

/** Starts two fresh workers on the chosen backend and shows what they run on. */
async function startWorkers(): Promise<void> {
  const choice = backendSelect().value as BackendName | 'auto';
  const next = {} as Record<RunKind, TrainingWorker>;
  for (const k of KINDS) {
    next[k] = new TrainingWorker(
      k,
      (run, e) => onEvent(run, e),
      (msg) => setStatus('train-status', msg, true),
    );
  }
  workers = next;
  state.backend = {};
  setStatus('backend-status', `starting ${choice}…`);
  try {
    const infos = await Promise.all(
      KINDS.map((k) => next[k].call('init', { backend: choice, threads: threadsParam(), exclude: failedBackends })),
    );
    KINDS.forEach((k, i) => (state.backend[k] = infos[i]));
    const b = infos[0];
    const wasm = b.name === 'wasm' ? ` (SIMD ${b.wasmSimd ? 'on' : 'off'}, threads ${b.wasmThreads ? `on, ${b.threads}` : 'off'})` : '';
    const skipped = b.skipped.length ? `; not available: ${b.skipped.map((s) => `${s.name} (${s.reason})`).join(', ')}` : '';
    setStatus('backend-status', `running on ${b.name}${wasm}; cross-origin isolated: ${b.crossOriginIsolated ? 'yes' : 'no'}${skipped}`);
  } catch (e) {
    if (!(e instanceof WorkerStopped)) setStatus('backend-status', `backend ${choice} failed: ${(e as Error).message}`, true);
  }
}

function onEvent(run: RunKind, e: TrainEvent): void {
  const v = state.runs[run];
  if (e.stage === 'batch') v.batchLoss.push([e.epoch - 1 + e.batch / Math.max(1, batchesPerEpoch), e.loss]);
  else if (e.stage === 'epoch') v.epochs.push({ epoch: e.epoch, loss: e.loss, logMarglik: e.logMarglik, accuracy: e.accuracy, nll: e.nll });
  else v.delta = e.rows;
  scheduleDraw(run);
}

let batchesPerEpoch = 1;
const drawPending = new Set<RunKind>();
function scheduleDraw(run: RunKind): void {
  if (drawPending.has(run)) return;
  drawPending.add(run);
  requestAnimationFrame(() => {
    drawPending.delete(run);
    drawRun(run);
  });
}

function dataSource(): { source: DataSource; name: string } {
  const id = $<HTMLSelectElement>('dataset').value;
  if (id !== 'csv') return { source: { kind: 'bundled', id, baseUrl: new URL('.', location.href).href }, name: id };
  if (!csvData) throw new CsvError('choose or drop a CSV file first');
  return { source: { kind: 'inline', dataset: csvData }, name: csvData.id };
}

function setTrainingUi(training: boolean): void {
  state.training = training;
  $<HTMLButtonElement>('train').disabled = training;
  $<HTMLButtonElement>('stop').disabled = !training;
  for (const id of ['sparsity', 'units', 'export-btn']) $<HTMLInputElement>(id).disabled = training || !trainedOnce;
}

async function train(): Promise<void> {
  let config;
  let data;
  try {
    config = readConfig();
    data = dataSource();
  } catch (e) {
    return setStatus('train-status', (e as Error).message, true);
  }
  if (!workers) await startWorkers();
  const w = workers!;
  state.config = config;
  state.dataset = data.name;
  trainedOnce = false;
  for (const k of KINDS) {
    state.runs[k] = emptyRun();
    drawRun(k);
  }
  const rows =
    config.trainRows ??
    (data.source.kind === 'inline' ? data.source.dataset.yTrain.length : ({ mnist: 8000, digits: 1437 }[data.name] ?? 455));
  batchesPerEpoch = Math.ceil(rows / config.batchSize);
  setTrainingUi(true);
  setStatus('train-status', `training MAP and SpaM on ${data.name}…`);
  try {
    const results = await Promise.all(KINDS.map((k) => w[k].call('train', { run: k, config, data: data.source })));
    KINDS.forEach((k, i) => {
      state.runs[k].trained = results[i];
      drawRun(k);
    });
    trainedOnce = true;
    setStatus(
      'train-status',
      `done: MAP ${(results[0].accuracy * 100).toFixed(1)} %, SpaM ${(results[1].accuracy * 100).toFixed(1)} % test accuracy; scoring and pruning…`,
    );
    await refreshCurves();
    await Promise.all([refreshPoint(), refreshUnits()]);
    setStatus(
      'train-status',
      `done: MAP ${(results[0].accuracy * 100).toFixed(1)} %, SpaM ${(results[1].accuracy * 100).toFixed(1)} % test accuracy`,
    );
  } catch (e) {
    if (e instanceof WorkerStopped) setStatus('train-status', e.message, true);
    else {
      const on = state.backend.spam?.name;
      if (backendSelect().value === 'auto' && (on === 'webgpu' || on === 'webgl')) {
        // A GPU backend that starts but fails mid-training (e.g. a software WebGPU adapter): fall back.
        failedBackends.push(on);
        setStatus(
          'train-status',
          `training failed on ${on} (${(e as Error).message}); switched to the next backend: press Train again`,
          true,
        );
        KINDS.forEach((k) => workers?.[k].stop(`${on} failed`));
        workers = null;
        void startWorkers();
      } else setStatus('train-status', `training failed: ${(e as Error).message}`, true);
    }
  } finally {
    setTrainingUi(false);
  }
}

async function refreshCurves(): Promise<void> {
  if (!trainedOnce || !workers) return;
  const criteria = selectedCriteria();
  const curves = await Promise.all(KINDS.map((k) => workers![k].call('curves', { criteria })));
  KINDS.forEach((k, i) => (state.runs[k].curves = curves[i]));
  drawCurves();
}

const sliderCriterion = () => $<HTMLSelectElement>('slider-criterion').value as PlaygroundCriterion;

async function refreshPoint(): Promise<void> {
  if (!trainedOnce || !workers) return;
  const sparsity = Number($<HTMLInputElement>('sparsity').value);
  const pts = await Promise.all(KINDS.map((k) => workers![k].call('point', { criterion: sliderCriterion(), sparsity })));
  KINDS.forEach((k, i) => (state.runs[k].point = pts[i]));
  drawPoint();
}

async function refreshUnits(): Promise<void> {
  if (!trainedOnce || !workers) return;
  const fraction = Number($<HTMLInputElement>('units').value);
  const res = await Promise.all(KINDS.map((k) => workers![k].call('units', { criterion: sliderCriterion(), fraction })));
  KINDS.forEach((k, i) => (state.runs[k].units = res[i]));
  drawUnits();
}

/** Export: the worker builds both files in memory; only then do the two downloads start. */
async function exportModel(): Promise<void> {
  const run = $<HTMLSelectElement>('export-run').value as RunKind;
  const what = $<HTMLSelectElement>('export-what').value as 'pruned' | 'units' | 'laplace';
  const amount = Number($<HTMLInputElement>(what === 'pruned' ? 'sparsity' : 'units').value);
  const name = what === 'laplace' ? `spam-playground-${run}-laplace` : `spam-playground-${run}-${what}-${Math.round(amount * 100)}`;
  setStatus('export-status', `exporting ${name}…`);
  try {
    const files = await workers![run].call('export', { what, criterion: sliderCriterion(), amount, name });
    const links = $('export-links');
    links.replaceChildren();
    const blobs: [string, Blob][] = [
      [files.jsonName, new Blob([files.json], { type: 'application/json' })],
      [files.weightsName, new Blob([files.weights], { type: 'application/octet-stream' })],
    ];
    for (const [file, blob] of blobs) {
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = file;
      a.textContent = `${file} (${blob.size.toLocaleString('en')} bytes)`;
      a.dataset.testid = 'download';
      links.append(a, ' ');
    }
    setStatus(
      'export-status',
      `ready: ${files.jsonName} and ${files.weightsName} (${what === 'laplace' ? 'load with loadLaplace of @spam/laplace' : 'load with tf.loadLayersModel'})`,
    );
    Array.from(links.querySelectorAll('a')).forEach((a) => a.click());
  } catch (e) {
    setStatus('export-status', `export failed: ${(e as Error).message}`, true);
  }
}

async function readCsv(file: File): Promise<void> {
  csvData = null;
  try {
    checkCsvSize(file.size, file.name);
    csvData = parseCsv(await file.text(), { file: file.name });
    $<HTMLSelectElement>('dataset').value = 'csv';
    setStatus(
      'data-status',
      `${csvData.title}: ${csvData.yTrain.length} training / ${csvData.yTest.length} test rows, classes ${csvData.classNames.join(', ')}`,
    );
  } catch (e) {
    setStatus('data-status', e instanceof CsvError ? e.message : `could not read ${file.name}: ${(e as Error).message}`, true);
  }
}

function wire(): void {
  const params = new URLSearchParams(location.search);
  const b = params.get('backend');
  if (b && Array.from(backendSelect().options).some((o) => o.value === b)) backendSelect().value = b;
  $('train').addEventListener('click', () => void train());
  $('stop').addEventListener('click', () => {
    KINDS.forEach((k) => workers?.[k].stop('training stopped by the user; nothing was kept'));
    workers = null;
    void startWorkers();
  });
  backendSelect().addEventListener('change', () => {
    const wasTraining = state.training;
    KINDS.forEach((k) =>
      workers?.[k].stop(
        wasTraining
          ? `backend switched to ${backendSelect().value} during training: the training was stopped and nothing was kept; press Train to start again`
          : 'backend switched',
      ),
    );
    workers = null;
    trainedOnce = false;
    void startWorkers();
  });
  $('dataset').addEventListener('change', () => {
    const csv = $<HTMLSelectElement>('dataset').value === 'csv';
    $('csv-label').hidden = !csv;
    setStatus('data-status', csv ? (csvData ? csvData.title : 'choose or drop a CSV') : '');
  });
  $<HTMLInputElement>('csv-file').addEventListener('change', (e) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    if (f) void readCsv(f);
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = e.dataTransfer?.files[0];
    if (f) void readCsv(f);
  });
  const guarded = (fn: () => Promise<void>, where: string) => () =>
    void fn().catch((e: Error) => !(e instanceof WorkerStopped) && setStatus('train-status', `${where}: ${e.message}`, true));
  $('sparsity').addEventListener('change', guarded(refreshPoint, 'pruning'));
  $('slider-criterion').addEventListener(
    'change',
    guarded(async () => (await refreshPoint(), await refreshUnits()), 'pruning'),
  );
  $('units').addEventListener('change', guarded(refreshUnits, 'unit removal'));
  $('criteria').addEventListener('change', guarded(refreshCurves, 'curves'));
  $('export-btn').addEventListener('click', () => void exportModel());
  state.ready = true;
  void startWorkers();
}

/**
 * Bench hook (scripts/bench.mjs): one SpaM training alone in a fresh worker on `backend`, timed by
 * the worker (marglikTraining's wall time); the worker is terminated afterwards.
 */
async function benchSpam(opts: { config: TrainConfig; dataset: string; backend: BackendName; threads?: number }) {
  const w = new TrainingWorker(
    'spam',
    () => {},
    () => {},
  );
  try {
    const info = await w.call('init', { backend: opts.backend, threads: opts.threads });
    const source: DataSource = { kind: 'bundled', id: opts.dataset, baseUrl: new URL('.', location.href).href };
    const result = await w.call('train', { run: 'spam', config: opts.config, data: source });
    return { info, result };
  } finally {
    w.stop('bench done');
  }
}
(globalThis as unknown as { __playgroundBench: typeof benchSpam }).__playgroundBench = benchSpam;

/** Test hook: live tensors per worker (tf.memory().numTensors), to check that nothing leaks. */
async function workerTensors(): Promise<number[]> {
  if (!workers) return [];
  const w = workers;
  return (await Promise.all(KINDS.map((k) => w[k].call('memory', {})))).map((m) => m.numTensors);
}
(globalThis as unknown as { __playgroundTensors: typeof workerTensors }).__playgroundTensors = workerTensors;

wire();
