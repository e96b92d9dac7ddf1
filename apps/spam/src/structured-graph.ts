/**
 * The paper's structured protocol on graph models (residual Adds, BatchNormalization, attention):
 * units are removed by dependency groups (`@spam/structured`'s `groupScores` / `groupMasks`)
 * instead of per layer. A group is a set of units that must go together — one channel of a
 * ResNet's residual stream in every layer it couples (with its BatchNormalization slices), an
 * attention head (its q/k/v units and its rows of the output projection), one MLP hidden unit —
 * and its score is the sum of its member unit scores. In each family of groups (the channels of
 * one layer or of one coupled stream, the heads of one attention) the lowest-scored fraction is
 * removed, at least one group kept; a transformer's LayerNormalization-ed residual stream and the
 * model input/output are never removed. Then, as for chains: delete (`pruneUnits`), fine-tune
 * (`fineTune`), measure (`measureModel`).
 */
import type * as tf from '@tensorflow/tfjs';
import { InvalidOptionError } from '@spam/core';
import {
  countMacs,
  countParams,
  fineTune,
  groupMasks,
  groupScores,
  measureModel,
  pruneUnits,
  type StructuredProtocolOptions,
  type StructuredProtocolProgress,
  type StructuredProtocolRow,
  type UnitMasks,
} from '@spam/structured';

/** One pruned, fine-tuned and measured graph model: a protocol row plus how many dependency groups were removed. */
export interface GroupProtocolRow extends StructuredProtocolRow {
  /** Prunable dependency groups removed (all families together). */
  groupsRemoved: number;
  /** Prunable dependency groups of the model. */
  groupsTotal: number;
}

/** Progress of {@link groupStructuredProtocol}: as the chain protocol's, with group rows. */
export type GroupProtocolProgress = Omit<StructuredProtocolProgress, 'row'> & { row?: GroupProtocolRow };

/** Options of {@link groupStructuredProtocol}: the chain protocol's, progress with group rows. */
export type GroupProtocolOptions = Omit<StructuredProtocolOptions, 'onProgress'> & {
  onProgress?: (p: GroupProtocolProgress) => void | Promise<void>;
};

/** The predictive metrics of a measurement (no costs). */
function metricsOf(m: ReturnType<typeof measureModel>): NonNullable<StructuredProtocolRow['oneShot']> {
  const { accuracy, nll, ece, brier, mse } = m;
  return Object.fromEntries(Object.entries({ accuracy, nll, ece, brier, mse }).filter(([, v]) => v !== undefined)) as NonNullable<
    StructuredProtocolRow['oneShot']
  >;
}

/**
 * The structured protocol on a graph model by dependency groups: for every criterion × fraction,
 * the criterion's unit scores are summed per prunable group (`groupScores`, aggregate `'sum'`), each
 * family loses its ⌊n·r⌋ lowest groups (`groupMasks`, scope `'family'`, one group kept), the
 * smaller model is built (`pruneUnits`), fine-tuned for `fineTune.epochs` epochs (a fresh Adam,
 * the same shuffle seed for every model) and measured. Every mask is computed before any model is
 * built. `InvalidOptionError` for empty scores or fractions and for a fraction outside [0, 1);
 * the typed errors of `groupScores` / `pruneUnits` / `fineTune` / `measureModel` otherwise. The
 * input model is not modified; each smaller model is disposed after it is measured, also on error.
 */
export async function groupStructuredProtocol(model: tf.LayersModel, options: GroupProtocolOptions): Promise<GroupProtocolRow[]> {
  const { scores, fractions } = options;
  if (!scores || typeof scores !== 'object' || Object.keys(scores).length === 0)
    throw new InvalidOptionError('scores must map at least one criterion name to unit scores');
  if (!Array.isArray(fractions) || fractions.length === 0)
    throw new InvalidOptionError('fractions must be a non-empty array of numbers in [0, 1)');
  fractions.forEach((r, i) => {
    if (typeof r !== 'number' || !(r >= 0 && r < 1))
      throw new InvalidOptionError(
        `fractions[${i}] must be a number in [0, 1) (the fraction of groups removed per family), got ${String(r)}`,
      );
  });
  const plan: Array<{ criterion: string; fraction: number; masks: UnitMasks; removed: number; total: number }> = [];
  for (const [criterion, us] of Object.entries(scores)) {
    let gs;
    try {
      gs = groupScores(model, us, { aggregate: 'sum' });
    } catch (e) {
      if (e instanceof Error) e.message = `scores '${criterion}': ${e.message}`;
      throw e;
    }
    for (const fraction of fractions) {
      const masks = groupMasks(gs, { sparsity: fraction, scope: 'family', minGroups: 1 });
      const removed = gs.groups.filter((g) => g.units.every((u) => masks[u.layer][u.index] === false)).length;
      plan.push({ criterion, fraction, masks, removed, total: gs.groups.length });
    }
  }
  const likelihood = options.likelihood ?? 'classification';
  const epochs = options.fineTune?.epochs ?? 5;
  if (epochs > 0 && !options.train) throw new InvalidOptionError('fine-tuning needs train data (options.train)');
  const paramsBefore = countParams(model);
  const macsBefore = countMacs(model);
  const measure = {
    likelihood,
    sigma: options.sigma,
    latencyRepeats: options.latencyRepeats,
    latencyExamples: options.latencyExamples,
  } as const;
  const rows: GroupProtocolRow[] = [];
  const report = async (p: Omit<GroupProtocolProgress, 'done' | 'total'>) =>
    options.onProgress?.({ ...p, done: rows.length, total: plan.length });
  for (const { criterion, fraction, masks, removed, total } of plan) {
    const small = pruneUnits(model, masks);
    try {
      await report({ stage: 'pruned', criterion, fraction });
      const oneShot =
        options.oneShot === false ? undefined : metricsOf(measureModel(small, options.test, { ...measure, latencyRepeats: 0 }));
      const { losses } =
        epochs > 0 && options.train
          ? await fineTune(small, options.train, {
              ...options.fineTune,
              epochs,
              likelihood,
              sigma: options.sigma,
              onProgress: ({ epoch, loss }) => report({ stage: 'epoch', criterion, fraction, epoch, loss }),
            })
          : { losses: [] };
      const units: Record<string, number> = {};
      for (const [name, keep] of Object.entries(masks)) units[name] = keep.filter(Boolean).length;
      const row: GroupProtocolRow = {
        criterion,
        fraction,
        fineTuneEpochs: epochs,
        units,
        paramsBefore,
        macsBefore,
        ...measureModel(small, options.test, measure),
        ...(oneShot ? { oneShot } : {}),
        fineTuneLosses: losses,
        groupsRemoved: removed,
        groupsTotal: total,
      };
      rows.push(row);
      await report({ stage: 'done', criterion, fraction, row });
    } finally {
      small.dispose();
    }
  }
  return rows;
}
