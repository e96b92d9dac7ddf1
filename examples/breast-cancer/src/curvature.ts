/**
 * The curvature summary of a trained CancerNet (`--curvature`): the Laplace curvature over the
 * training set in five variants (kron+ggn, diag+ggn, kron+mc, kron+ef, diag+ef), timed, with a
 * per-layer summary of the KFAC factors and the exact diagonals.
 */
import * as tf from '@tensorflow/tfjs';
import { fitLaplace, type CurvatureStructure, type CurvatureType, type DiagLaplace, type KronLaplace } from '@spam/laplace';
import { formatTable, ProgressBar, sci } from '@spam/harness';
import type { BreastCancerData } from './data.js';

/** Per parametric layer numbers of one curvature fit. */
export interface LayerCurvature {
  layer: string;
  /** Kernel shape `[in, out]`. */
  kernelShape: number[];
  /** Parameters of the layer (kernel + bias). */
  numParams: number;
  /** Σ of diag(H) over the layer's kernel and bias. */
  diagSum: number;
  /** Largest / smallest kernel entry of diag(H) (for kron: of diag(A⊗G)). */
  maxDiag: number;
  minDiag: number;
  /** Kron only: factor shapes and traces. */
  aShape?: number[];
  gShape?: number[];
  traceA?: number;
  traceG?: number;
}

/** One curvature fit. */
export interface FitSummary {
  /** E.g. `'kron+ggn'`. */
  name: string;
  structure: CurvatureStructure;
  curvature: CurvatureType;
  /** Wall time of `fitLaplace` in milliseconds. */
  ms: number;
  /** Summed training loss and log-likelihood at the trained weights. */
  loss: number;
  logLikelihood: number;
  nData: number;
  numParams: number;
  layers: LayerCurvature[];
}

/** The curvature part of a run. */
export interface CurvatureReport {
  /** Which trained net the curvature was fitted at (e.g. `'MAP'`). */
  at: string;
  fits: FitSummary[];
  /** Wall time of all five fits in milliseconds. */
  ms: number;
  /** numTensors after − before the curvature part (must be 0). */
  tensorsLeaked: number;
}

export const CURVATURE_BATCH_SIZE = 128;

/** The curvature variants fitted, in order. */
export const CURVATURE_VARIANTS: ReadonlyArray<{ structure: CurvatureStructure; curvature: CurvatureType }> = [
  { structure: 'kron', curvature: 'ggn' },
  { structure: 'diag', curvature: 'ggn' },
  { structure: 'kron', curvature: 'mc' },
  { structure: 'kron', curvature: 'ef' },
  { structure: 'diag', curvature: 'ef' },
];

/**
 * Fits the five curvature variants over the training set at the model's current weights, times
 * each and disposes them; checks that no tensor is left behind.
 */
export async function fitCurvatures(
  model: tf.LayersModel,
  data: BreastCancerData,
  options: { at: string; seed: number; showProgress: boolean },
): Promise<CurvatureReport> {
  const before = tf.memory().numTensors;
  const fits: FitSummary[] = [];
  const c0 = performance.now();
  for (const { structure, curvature } of CURVATURE_VARIANTS) {
    const name = `${structure}+${curvature}`;
    const bar = options.showProgress
      ? new ProgressBar({ total: data.xTrain.shape[0], label: name.padEnd(8), plainSteps: 1, width: 20 })
      : null;
    const t = performance.now();
    const lap = await fitLaplace(
      model,
      { xs: data.xTrain, ys: data.yTrain, batchSize: CURVATURE_BATCH_SIZE },
      { likelihood: 'classification', structure, curvature, mcSamples: 1, seed: options.seed, onProgress: (p) => bar?.update(p.examples) },
    );
    const ms = performance.now() - t;
    try {
      bar?.finish();
      fits.push(summariseFit(lap as KronLaplace | DiagLaplace, name, ms));
    } finally {
      lap.dispose();
    }
  }
  const ms = performance.now() - c0;
  return { at: options.at, fits, ms, tensorsLeaked: tf.memory().numTensors - before };
}

/** The whole curvature section as lines (the three tables plus the totals). */
export function formatCurvatureReport(report: CurvatureReport): string[] {
  const { fits } = report;
  return [
    ...formatCurvatureSummary(fits),
    '',
    `total log-likelihood log p(D|θ) of the ${report.at} net on the ${fits[0].nData} training examples: ${fits[0].logLikelihood.toFixed(4)}`,
    `timings: ${fits.map((f) => `${f.name} ${f.ms.toFixed(1)} ms`).join(', ')}; all curvature ${report.ms.toFixed(1)} ms`,
    `tensors leaked by the curvature part: ${report.tensorsLeaked}`,
  ];
}

/** Sums, max and min of a canonical-order diagonal, per parametric layer. */
function layerDiagStats(lap: KronLaplace | DiagLaplace, diag: Float32Array): Map<string, Omit<LayerCurvature, 'layer'>> {
  const out = new Map<string, Omit<LayerCurvature, 'layer'>>();
  for (const p of lap.params) {
    let s = out.get(p.layerName);
    if (!s) {
      s = { kernelShape: [], numParams: 0, diagSum: 0, maxDiag: -Infinity, minDiag: Infinity };
      out.set(p.layerName, s);
    }
    s.numParams += p.size;
    for (let i = p.offset; i < p.offset + p.size; i++) {
      const v = diag[i];
      s.diagSum += v;
      if (p.role === 'kernel') {
        if (v > s.maxDiag) s.maxDiag = v;
        if (v < s.minDiag) s.minDiag = v;
      }
    }
    if (p.role === 'kernel') s.kernelShape = [...p.shape];
  }
  return out;
}

function trace(m: tf.Tensor): number {
  const [r, c] = m.shape as [number, number];
  const v = m.dataSync();
  let t = 0;
  for (let i = 0; i < Math.min(r, c); i++) t += v[i * c + i];
  return t;
}

/** Reads what the summary needs out of a fitted curvature (the caller disposes `lap`). */
export function summariseFit(lap: KronLaplace | DiagLaplace, name: string, ms: number): FitSummary {
  const d = lap.diagonal();
  let diag: Float32Array;
  try {
    diag = d.dataSync() as Float32Array;
  } finally {
    d.dispose();
  }
  const stats = layerDiagStats(lap, diag);
  const layers: LayerCurvature[] = [...stats.entries()].map(([layer, s]) => ({ layer, ...s }));
  if (lap.structure === 'kron') {
    for (const f of lap.factors) {
      const l = layers.find((x) => x.layer === f.layerName);
      if (!l) continue;
      l.aShape = [...f.A.shape];
      l.gShape = [...f.G.shape];
      l.traceA = trace(f.A);
      l.traceG = trace(f.G);
    }
  }
  return {
    name,
    structure: lap.structure,
    curvature: lap.curvature,
    ms,
    loss: lap.loss,
    logLikelihood: lap.logLikelihood,
    nData: lap.nData,
    numParams: lap.numParams,
    layers,
  };
}

// ---------------------------------------------------------------------------------------------
// Output formatting

const shape = (s: number[] | undefined) => (s ? s.join('×') : '—');

/** The readable curvature summary (three tables). */
export function formatCurvatureSummary(fits: FitSummary[]): string[] {
  const out: string[] = [];
  const byName = new Map(fits.map((f) => [f.name, f]));
  const kron = fits.filter((f) => f.structure === 'kron');
  const diag = fits.filter((f) => f.structure === 'diag');

  out.push('KFAC factors per parametric layer (H_kernel ≈ A ⊗ G, bias block G; A = Σaaᵀ/N, G = Σggᵀ):');
  out.push(
    ...formatTable(
      ['fit', 'layer', 'kernel', 'A', 'G', 'tr(A)', 'tr(G)', 'max diag(A⊗G)', 'min diag(A⊗G)', 'Σ diag (kron)', 'Σ diag (diag fit)'],
      kron.flatMap((f) =>
        f.layers.map((l) => {
          const twin = byName.get(`diag+${f.curvature}`)?.layers.find((x) => x.layer === l.layer);
          return [
            f.name,
            l.layer,
            shape(l.kernelShape),
            shape(l.aShape),
            shape(l.gShape),
            sci(l.traceA),
            sci(l.traceG),
            sci(l.maxDiag),
            sci(l.minDiag),
            sci(l.diagSum),
            sci(twin?.diagSum),
          ];
        }),
      ),
    ),
  );
  out.push('');
  out.push('Exact diagonal per parametric layer:');
  out.push(
    ...formatTable(
      ['fit', 'layer', 'params', 'Σ diag', 'max diag (kernel)', 'min diag (kernel)'],
      diag.flatMap((f) => f.layers.map((l) => [f.name, l.layer, String(l.numParams), sci(l.diagSum), sci(l.maxDiag), sci(l.minDiag)])),
    ),
  );
  out.push('');
  out.push('Per fit:');
  out.push(
    ...formatTable(
      ['fit', 'N', 'P', 'Σ diag (all)', 'loss', 'log-likelihood', 'time (ms)'],
      fits.map((f) => [
        f.name,
        String(f.nData),
        String(f.numParams),
        sci(f.layers.reduce((a, l) => a + l.diagSum, 0)),
        f.loss.toFixed(4),
        f.logLikelihood.toFixed(4),
        f.ms.toFixed(1),
      ]),
    ),
  );
  return out;
}
