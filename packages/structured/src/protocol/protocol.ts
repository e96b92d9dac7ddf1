import type { LayersModel } from '@tensorflow/tfjs-layers';
import { assertModelUsable, InvalidDataError, InvalidOptionError } from '@spam/core';
import { countMacs, countParams } from '../cost.js';
import { pruneUnits } from '../prune-units.js';
import type { UnitScores } from '../unit-scores.js';
import { fineTune, fineTuneSettings, isLabelledData, type FineTuneOptions, type LabelledData } from './fine-tune.js';
import { checkFraction } from './layer-masks.js';
import { latencySettings, measureModel, type StructuredMeasurement } from './measure.js';
import { resolveSelection, selectionPlan, type ProtocolSelection } from './selection.js';

/** One pruned, fine-tuned and measured model of {@link structuredProtocol}. */
export interface StructuredProtocolRow extends StructuredMeasurement {
  /** The key of the unit scores used (e.g. `'opd'`, `'magnitude'`, `'random'`). */
  criterion: string;
  /** Fraction of units removed from every prunable layer (`'layer'`) or of groups from every family (`'group'`). */
  fraction: number;
  /** How the units were chosen: per layer (chains) or by dependency groups (graphs). */
  selection: ProtocolSelection;
  /** With `'group'` selection: the prunable dependency groups removed (all families together). */
  groupsRemoved?: number;
  /** With `'group'` selection: the prunable dependency groups of the model. */
  groupsTotal?: number;
  /** Fine-tune epochs run on the smaller model (0 = one-shot). */
  fineTuneEpochs: number;
  /** Units kept per Dense/Conv2D layer. */
  units: Record<string, number>;
  /** Params and MACs of the model before removal. */
  paramsBefore: number;
  macsBefore: number;
  /** Test metrics of the smaller model right after removal, before fine-tuning (when `oneShot` is on). */
  oneShot?: { accuracy?: number; nll: number; ece?: number; brier?: number; mse?: number };
  /** Mean training NLL of every fine-tune epoch. */
  fineTuneLosses: number[];
}

/** Progress of {@link structuredProtocol}. */
export interface StructuredProtocolProgress {
  /** `'pruned'`: the smaller model exists; `'epoch'`: a fine-tune epoch ended; `'done'`: the row is measured. */
  stage: 'pruned' | 'epoch' | 'done';
  criterion: string;
  fraction: number;
  /** Models finished so far and in total (criteria × fractions). */
  done: number;
  total: number;
  /** With `'epoch'`: the epoch (0-based) and its mean training NLL. */
  epoch?: number;
  loss?: number;
  /** With `'done'`: the row. */
  row?: StructuredProtocolRow;
}

/** Options of {@link structuredProtocol}. */
export interface StructuredProtocolOptions {
  /** Unit scores of the model per criterion name (`unitScores(opdScores(…))`, `magnitudeUnitScores`, `randomUnitScores`). */
  scores: Readonly<Record<string, UnitScores>>;
  /** Fractions r ∈ [0, 1) of units removed per layer, or of groups per family (the paper: 0.2 … 0.99). */
  fractions: readonly number[];
  /**
   * `'layer'` (the default for chains of Dense/Conv2D layers): the lowest fraction of units of each
   * layer. `'group'` (the default for graphs: residual `Add`s, BatchNormalization, attention): the
   * lowest fraction of dependency groups of each family, a group scored by the sum of its member
   * unit scores. `'layer'` on a model that merges branches throws `CoupledUnitsError`.
   */
  selection?: ProtocolSelection;
  /** Allow removing a LayerNormalization-ed residual stream (a transformer's); passed to `groupScores` and `pruneUnits`. Default false. */
  residualStream?: boolean;
  /** Test data every model is measured on. */
  test: LabelledData;
  /** Fine-tune data (required when `fineTune.epochs` > 0). */
  train?: LabelledData;
  /** Fine-tuning of each smaller model (a fresh Adam each). Default `{epochs: 5}` (the paper's LeNet). */
  fineTune?: Omit<FineTuneOptions, 'optimizer' | 'onProgress' | 'likelihood' | 'sigma'>;
  /** `'classification'` (logits, default) or `'regression'`. */
  likelihood?: 'classification' | 'regression';
  /** Regression noise σ (evaluation and fine-tuning). Default 1. */
  sigma?: number;
  /** Also measure each smaller model before fine-tuning (`row.oneShot`). Default true. */
  oneShot?: boolean;
  /** Timed `predict` calls per model (0 = no latency). Default 5. */
  latencyRepeats?: number;
  /** Examples of the latency batch. Default 256. */
  latencyExamples?: number;
  /** Called at each stage; awaited; may throw to stop (the smaller model is disposed, nothing leaks). */
  onProgress?: (p: StructuredProtocolProgress) => void | Promise<void>;
}

/** `InvalidDataError` unless `d` is `{xs, ys}` tensors. */
function checkData(d: LabelledData | undefined, what: string): LabelledData {
  if (!isLabelledData(d)) throw new InvalidDataError(`${what} data must be {xs, ys} with two tf.Tensors`);
  return d;
}

/**
 * The paper's structured protocol on a trained model, one entry point for chains and graphs: for
 * every criterion × fraction, take the criterion's unit scores and select the units to remove —
 * `selection: 'layer'` (default for chains) the lowest-scoring fraction of units in each
 * prunable layer ({@link layerFractionMasks}; the output layer is never pruned, no layer is
 * emptied); `'group'` (default for graphs with residual `Add`s, BatchNormalization, attention)
 * the lowest fraction of dependency groups in each family, a group scored by the sum of its
 * member unit scores (`groupScores` / `groupMasks`; the model input/output and, unless
 * `residualStream`, a LayerNormalization-ed residual stream are never removed; rows carry
 * `groupsRemoved` / `groupsTotal`) — then build the smaller model (`pruneUnits`), fine-tune it
 * ({@link fineTune}, a fresh Adam, the same shuffle seed for every model), and measure accuracy,
 * NLL, ECE, Brier, params, MACs, bytes and latency ({@link measureModel}). All options and every
 * mask are checked before any model is built: `InvalidOptionError` for fractions outside [0, 1),
 * an unknown `selection`, epochs < 0, empty scores, scores for layers the model does not have, …;
 * `CoupledUnitsError` naming the merge for `'layer'` on a model that merges branches;
 * `InvalidDataError` for missing data. The input model is not modified; each smaller model is
 * disposed after it is measured, also on error.
 */
export async function structuredProtocol(model: LayersModel, options: StructuredProtocolOptions): Promise<StructuredProtocolRow[]> {
  assertModelUsable(model);
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('structuredProtocol options must be an object');
  const likelihood = options.likelihood ?? 'classification';
  const ft = fineTuneSettings({ epochs: 5, ...options.fineTune, likelihood, sigma: options.sigma });
  const { repeats, examples } = latencySettings(options);
  const test = checkData(options.test, 'test');
  const train = ft.epochs > 0 ? checkData(options.train, 'train (fine-tune)') : undefined;
  const scores = options.scores;
  if (!scores || typeof scores !== 'object' || Object.keys(scores).length === 0)
    throw new InvalidOptionError(
      'scores must map at least one criterion name to unit scores, e.g. {opd: unitScores(opdScores(laplace, prior))}',
    );
  const fractions = options.fractions;
  if (!Array.isArray(fractions) || fractions.length === 0)
    throw new InvalidOptionError('fractions must be a non-empty array of numbers in [0, 1)');
  fractions.forEach((r, i) => checkFraction(r, `fractions[${i}]`));
  const selection = resolveSelection(model, options.selection);
  const residualStream = options.residualStream ?? false;
  if (typeof residualStream !== 'boolean') throw new InvalidOptionError(`residualStream must be a boolean, got ${String(residualStream)}`);
  const plan = selectionPlan(model, scores, fractions, selection, residualStream);
  const paramsBefore = countParams(model);
  const macsBefore = countMacs(model);
  const measure = { likelihood, sigma: options.sigma, latencyRepeats: repeats, latencyExamples: examples };
  const rows: StructuredProtocolRow[] = [];
  const report = async (p: Omit<StructuredProtocolProgress, 'done' | 'total'>) =>
    options.onProgress?.({ ...p, done: rows.length, total: plan.length });
  for (const { criterion, fraction, masks, groups } of plan) {
    const small = pruneUnits(model, masks, { residualStream });
    try {
      await report({ stage: 'pruned', criterion, fraction });
      const oneShot = options.oneShot === false ? undefined : pickMetrics(measureModel(small, test, { ...measure, latencyRepeats: 0 }));
      const { losses } = train
        ? await fineTune(small, train, {
            ...ft,
            onProgress: ({ epoch, loss }) => report({ stage: 'epoch', criterion, fraction, epoch, loss }),
          })
        : { losses: [] };
      const units: Record<string, number> = {};
      for (const [name, keep] of Object.entries(masks)) units[name] = keep.filter(Boolean).length;
      const row: StructuredProtocolRow = {
        criterion,
        fraction,
        selection,
        ...(groups ? { groupsRemoved: groups.removed, groupsTotal: groups.total } : {}),
        fineTuneEpochs: ft.epochs,
        units,
        paramsBefore,
        macsBefore,
        ...measureModel(small, test, measure),
        ...(oneShot ? { oneShot } : {}),
        fineTuneLosses: losses,
      };
      rows.push(row);
      await report({ stage: 'done', criterion, fraction, row });
    } finally {
      small.dispose();
    }
  }
  return rows;
}

/** The predictive metrics of a measurement (no costs). */
function pickMetrics(m: StructuredMeasurement): NonNullable<StructuredProtocolRow['oneShot']> {
  const { accuracy, nll, ece, brier, mse } = m;
  return Object.fromEntries(Object.entries({ accuracy, nll, ece, brier, mse }).filter(([, v]) => v !== undefined)) as NonNullable<
    StructuredProtocolRow['oneShot']
  >;
}
