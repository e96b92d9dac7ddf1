/**
 * What the playground does with a trained net: element scores per criterion (OPD from the run's own
 * Laplace and prior, the baselines from @spam/prune), accuracy-vs-sparsity curves, the pruned net at
 * the slider's sparsity, structured unit removal with params / MACs / measured latency, and the
 * export of the pruned or unit-removed net as tfjs `model.json` + weights, built whole in memory.
 */
import * as tf from '@tensorflow/tfjs';
import { buildModelAdapter, evaluate, type ClassificationMetrics } from '@spam/core';
import { saveLaplace, toMemory } from '@spam/laplace';
import { applyMask, criterionScores, scoreMask, sparsitySweep, type ParamScores } from '@spam/prune';
import { countMacs, countParams, layerCosts, pruneUnits, unitMasks, unitScores } from '@spam/structured';
import type { PlaygroundCriterion } from './config.js';
import type { DataTensors, TrainedRun } from './train.js';

/** Sparsities of the accuracy-vs-sparsity curves (0 = the dense net). */
export const CURVE_SPARSITIES: readonly number[] = [0, 0.2, 0.4, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98];

/** Training examples the data-dependent scores (SNIP) read. */
const SCORE_EXAMPLES = 512;

/** One point of a curve / the slider: the net pruned at `sparsity` by `criterion`. */
export interface SparsityPoint {
  criterion: string;
  /** Requested fraction of kernel entries pruned. */
  sparsity: number;
  /** Kernel entries pruned and prunable: the reported sparsity is pruned / total. */
  pruned: number;
  total: number;
  accuracy: number;
  nll: number;
}

/** Scores of one run per criterion, computed once and kept (dispose with {@link ScoreCache.dispose}). */
export class ScoreCache {
  private readonly cache = new Map<string, ParamScores>();

  constructor(
    private readonly run: TrainedRun,
    private readonly data: DataTensors,
    private readonly seed: number,
  ) {}

  /** The run's element scores under `criterion`. */
  async get(criterion: PlaygroundCriterion): Promise<ParamScores> {
    const hit = this.cache.get(criterion);
    if (hit) return hit;
    const n = Math.min(SCORE_EXAMPLES, this.data.xTrain.shape[0]);
    const xs = tf.slice(this.data.xTrain, 0, n);
    const ys = tf.slice(this.data.yTrain, 0, n);
    try {
      const s = await criterionScores(criterion, {
        model: this.run.model,
        likelihood: 'classification',
        laplace: this.run.laplace,
        prior: this.run.prior,
        data: { xs, ys, batchSize: 128 },
        seed: this.seed,
      });
      this.cache.set(criterion, s);
      return s;
    } finally {
      tf.dispose([xs, ys]);
    }
  }

  /** Frees every cached score set. */
  dispose(): void {
    for (const s of this.cache.values()) s.dispose();
    this.cache.clear();
  }
}

/** Kernel entries of the model (what element pruning counts). */
function kernelEntries(run: TrainedRun): number {
  return layerCosts(run.model).reduce((a, l) => a + l.params - l.units, 0);
}

/** Accuracy at each sparsity for each criterion (one-shot, from the same trained weights). */
export async function sparsityCurves(
  run: TrainedRun,
  scores: ScoreCache,
  criteria: readonly PlaygroundCriterion[],
  data: DataTensors,
  sparsities: readonly number[] = CURVE_SPARSITIES,
): Promise<SparsityPoint[]> {
  const sets = await Promise.all(criteria.map((c) => scores.get(c)));
  const total = kernelEntries(run);
  return sparsitySweep(run.model, sets, { likelihood: 'classification', data: { xs: data.xTest, ys: data.yTest }, sparsities }).map((r) => {
    const m = r as typeof r & ClassificationMetrics;
    return { criterion: r.criterion, sparsity: r.sparsity, pruned: r.pruned, total, accuracy: m.accuracy, nll: m.nll };
  });
}

/** The net pruned at one sparsity (the slider). */
export async function sparsityPoint(
  run: TrainedRun,
  scores: ScoreCache,
  criterion: PlaygroundCriterion,
  sparsity: number,
  data: DataTensors,
) {
  return (await sparsityCurves(run, scores, [criterion], data, [sparsity]))[0];
}

/** A unit-removed net and what it costs. */
export interface UnitsResult {
  /** Fraction of the hidden units removed per layer. */
  fraction: number;
  units: { name: string; units: number }[];
  params: number;
  macs: number;
  denseParams: number;
  denseMacs: number;
  /** Median wall time of one forward pass over the test set (ms), dense and removed. */
  latencyMs: number;
  denseLatencyMs: number;
  accuracy: number;
}

/** Median wall time (ms) of `model.predict(x)` read back, over `reps` runs after three warm-up runs. */
export function measureLatency(model: tf.LayersModel, x: tf.Tensor, reps = 15): number {
  const once = () => {
    const t0 = performance.now();
    const y = model.predict(x) as tf.Tensor;
    y.dataSync();
    y.dispose();
    return performance.now() - t0;
  };
  for (let i = 0; i < 3; i++) once();
  const times = Array.from({ length: reps }, once).sort((a, b) => a - b);
  return times[Math.floor(reps / 2)];
}

/**
 * Removes ⌊n_l·fraction⌋ units of every hidden layer (lowest unit scores of `criterion`, summed per
 * unit) and returns the smaller model (caller disposes) with its costs and test accuracy.
 */
export async function removeUnits(
  run: TrainedRun,
  scores: ScoreCache,
  criterion: PlaygroundCriterion,
  fraction: number,
  data: DataTensors,
): Promise<{ model: tf.LayersModel; result: UnitsResult }> {
  const element = await scores.get(criterion);
  const masks = unitMasks(unitScores(element), { sparsity: fraction });
  const model = pruneUnits(run.model, masks);
  try {
    const m = evaluate(buildModelAdapter(model, { logits: true }), 'classification', data.xTest, data.yTest) as ClassificationMetrics;
    const result: UnitsResult = {
      fraction,
      units: layerCosts(model).map((l) => ({ name: l.name, units: l.units })),
      params: countParams(model),
      macs: countMacs(model),
      denseParams: countParams(run.model),
      denseMacs: countMacs(run.model),
      latencyMs: measureLatency(model, data.xTest),
      denseLatencyMs: measureLatency(run.model, data.xTest),
      accuracy: m.accuracy,
    };
    return { model, result };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * Two files to download: a JSON text and its binary weights (a tfjs `model.json` + `weights.bin` as
 * `tf.io.browserDownloads` writes them, or a `saveLaplace` manifest + buffer).
 */
export interface ExportedModel {
  /** File names: `<name>.json` and `<name>.weights.bin`. */
  jsonName: string;
  weightsName: string;
  json: string;
  weights: ArrayBuffer;
}

/** Serialises `model` whole into memory (nothing is written until both parts exist). */
export async function exportModel(model: tf.LayersModel, name: string): Promise<ExportedModel> {
  let out: ExportedModel | undefined;
  const weightsName = `${name}.weights.bin`;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      if (!a.modelTopology || !a.weightSpecs || !a.weightData) throw new Error('the model has no topology or weights to export');
      const weights = a.weightData instanceof ArrayBuffer ? a.weightData : await new Blob(a.weightData).arrayBuffer();
      const json = JSON.stringify({
        modelTopology: a.modelTopology,
        format: a.format ?? 'layers-model',
        generatedBy: a.generatedBy,
        convertedBy: a.convertedBy ?? null,
        weightsManifest: [{ paths: [`./${weightsName}`], weights: a.weightSpecs }],
      });
      out = { jsonName: `${name}.json`, weightsName, json, weights };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    }),
  );
  return out!;
}

/** Exports the run's net with `criterion`'s mask at `sparsity` applied (the run's weights are restored afterwards). */
export async function exportPruned(run: TrainedRun, scores: ScoreCache, criterion: PlaygroundCriterion, sparsity: number, name: string) {
  const mask = scoreMask(await scores.get(criterion), { sparsity });
  const saved = run.model.getWeights().map((w) => w.clone());
  try {
    applyMask(run.model, mask);
    return await exportModel(run.model, name);
  } finally {
    run.model.setWeights(saved);
    tf.dispose(saved);
  }
}

/**
 * The run's Laplace (refitted at the trained, unpruned weights) with its learned prior, in
 * @spam/laplace's `saveLaplace` format: `<name>.json` manifest + `<name>.weights.bin`; load with
 * `loadLaplace(browserFiles(…) | fileSystem(dir) | fromMemory(…), model)` on the dense net.
 */
export async function exportLaplace(run: TrainedRun, name: string): Promise<ExportedModel> {
  const handler = toMemory();
  await saveLaplace(run.laplace, handler, { prior: run.prior });
  const a = handler.artifacts!;
  return { jsonName: `${name}.json`, weightsName: `${name}.weights.bin`, json: JSON.stringify(a.manifest), weights: a.weightData };
}
