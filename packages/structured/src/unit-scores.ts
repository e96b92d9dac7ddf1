import {
  assertModelUsable,
  buildModelGraph,
  InvalidOptionError,
  mulberry32,
  NonFiniteError,
  ShapeMismatchError,
  type ModelLike,
} from '@spam/core';
import { magnitudeScores, type ParamScores } from '@spam/prune';

/** How element scores of a unit are combined: Σ s, Σ s / n, or √Σ s². */
export type UnitAggregate = 'sum' | 'mean' | 'l2';

/**
 * One score per unit of every Dense/Conv2D layer, in host memory (nothing to dispose). A unit is
 * an output neuron of Dense or an output channel of Conv2D; higher = more important = kept. In
 * graphs, layers with per-channel weights (BatchNormalization γ/β, depthwise kernels) are listed
 * too, one score per channel: `groupScores` adds them to their dependency group's score.
 */
export interface UnitScores {
  /** The element criterion the scores come from (e.g. `'opd'`, `'magnitude'`, `'random'`). */
  readonly criterion: string;
  /** How element scores were combined per unit (`'none'` for scores drawn per unit). */
  readonly aggregate: UnitAggregate | 'none';
  /** Layer names in model order (the last one is the model's output layer). */
  readonly layers: readonly string[];
  /** Per layer name, one score per unit. */
  readonly scores: Readonly<Record<string, Float32Array>>;
}

/** Options of {@link unitScores}. */
export interface UnitScoreOptions {
  /** Combination of the element scores of a unit (kernel slice `[..., o]` and bias `o`). Default `'sum'`. */
  aggregate?: UnitAggregate;
}

const AGGREGATES: readonly UnitAggregate[] = ['sum', 'mean', 'l2'];

/**
 * Aggregates element scores per unit: unit o of a layer owns the kernel slice `[..., o]` and
 * `bias[o]`; its score is Σ s (`'sum'`, default, as the paper), Σ s / n (`'mean'`, n = fanIn + 1
 * with a bias) or √Σ s² (`'l2'`). Layers appear in model order. Throws `InvalidOptionError` for a
 * disposed or malformed score set, bad options or an unknown aggregate, `ShapeMismatchError` if a
 * bias does not match its kernel, and `NonFiniteError` naming the layer and unit when a unit score
 * comes out NaN or ±∞ (non-finite element scores, or an l2 sum overflowing float32).
 */
export function unitScores(scores: ParamScores, options: UnitScoreOptions = {}): UnitScores {
  checkOptionsObject(options, 'unitScores');
  if (scores === null || typeof scores !== 'object' || !Array.isArray(scores.params) || !Array.isArray(scores.blocks)) {
    throw new InvalidOptionError('unitScores needs element scores of @spam/prune (a ParamScores from opdScores, magnitudeScores, …)');
  }
  const aggregate = options.aggregate ?? 'sum';
  if (!AGGREGATES.includes(aggregate)) {
    throw new InvalidOptionError(`aggregate must be one of ${AGGREGATES.join(', ')}, got '${String(aggregate)}'`);
  }
  if (scores.isDisposed) throw new InvalidOptionError(`the ${scores.criterion} scores are disposed`);
  const sums = new Map<string, { units: number; sum: Float64Array; count: Float64Array }>();
  const order: string[] = [];
  // Kernels first: they fix each layer's unit count (their last axis; a depthwise kernel's in·mult channels).
  scores.params.forEach((p, i) => {
    if (p.role !== 'kernel') return;
    // A depthwise kernel [kh, kw, in, mult] has in·mult output channels (its UnitLayout); others their last axis.
    const depthwise = p.name.endsWith('/depthwise_kernel') && p.shape.length === 4;
    const units = depthwise ? p.shape[2] * p.shape[3] : p.shape[p.shape.length - 1];
    order.push(p.layerName);
    sums.set(p.layerName, { units, sum: new Float64Array(units), count: new Float64Array(units) });
    accumulate(sums.get(p.layerName)!, scores.blocks[i].dataSync(), aggregate);
  });
  // Biases and scales: of a kernel's layer, or the per-channel weights of BatchNormalization/LayerNormalization/PReLU.
  scores.params.forEach((p, i) => {
    if (p.role === 'kernel') return;
    let acc = sums.get(p.layerName);
    if (!acc) {
      const units = p.shape[p.shape.length - 1] ?? 1;
      acc = { units, sum: new Float64Array(units), count: new Float64Array(units) };
      order.push(p.layerName);
      sums.set(p.layerName, acc);
    }
    if (!acc || p.size % acc.units !== 0 || (p.role === 'bias' && p.size !== acc.units)) {
      throw new ShapeMismatchError(`scores of '${p.name}' have ${p.size} entries; its layer has ${acc?.units ?? 0} units`);
    }
    accumulate(acc, scores.blocks[i].dataSync(), aggregate);
  });
  const out: Record<string, Float32Array> = {};
  for (const name of order) {
    const { units, sum, count } = sums.get(name)!;
    const s = new Float32Array(units);
    for (let o = 0; o < units; o++) {
      s[o] = aggregate === 'mean' ? sum[o] / count[o] : aggregate === 'l2' ? Math.sqrt(sum[o]) : sum[o];
      if (!Number.isFinite(s[o])) {
        throw new NonFiniteError(
          `unit ${o} of layer '${name}' has a ${aggregate} ${scores.criterion} score of ${s[o]} (non-finite element scores, or beyond float32)`,
        );
      }
    }
    out[name] = s;
  }
  return { criterion: scores.criterion, aggregate, layers: order, scores: out };
}

/** `InvalidOptionError` unless `options` is an object (or undefined, handled by the default). */
export function checkOptionsObject(options: unknown, fn: string): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidOptionError(
      `${fn} options must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`,
    );
  }
}

/** Adds a block's entries to their units (entry i belongs to unit i mod units: units are the last axis). */
function accumulate(
  acc: { units: number; sum: Float64Array; count: Float64Array },
  data: ArrayLike<number>,
  aggregate: UnitAggregate,
): void {
  const { units, sum, count } = acc;
  for (let i = 0; i < data.length; i++) {
    const o = i % units;
    sum[o] += aggregate === 'l2' ? data[i] * data[i] : data[i];
    count[o] += 1;
  }
}

/** Options of {@link randomUnitScores}. */
export interface RandomUnitScoreOptions {
  /** Seed of the generator (any safe integer); the same seed gives the same scores. Default 0. */
  seed?: number;
}

/**
 * Random unit scores: score_o ~ U(0, 1) i.i.d. per unit from a seeded generator (mulberry32),
 * layers in model order (the random baseline of structured pruning). `InvalidOptionError` for a
 * seed that is not a safe integer.
 */
export function randomUnitScores(model: ModelLike, options: RandomUnitScoreOptions = {}): UnitScores {
  checkOptionsObject(options, 'randomUnitScores');
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed))
    throw new InvalidOptionError(`seed must be a safe integer, got ${typeof seed === 'number' ? seed : `${typeof seed} ${String(seed)}`}`);
  const rand = mulberry32(seed);
  assertModelUsable(model);
  const layers = buildModelGraph(model).nodes.flatMap((n) => (n.layer.kind === 'parametric' ? [n.layer] : []));
  const scores: Record<string, Float32Array> = {};
  for (const l of layers) scores[l.name] = Float32Array.from({ length: l.units }, () => rand());
  return { criterion: 'random', aggregate: 'none', layers: layers.map((l) => l.name), scores };
}

/**
 * Magnitude unit scores: the L1 norm of each unit's weights, score_o = Σ|W[..., o]| + |b_o|
 * (= `unitScores(magnitudeScores(model))`). `InvalidOptionError` for a non-model, `DisposedError`
 * for a disposed one.
 */
export function magnitudeUnitScores(model: ModelLike): UnitScores {
  assertModelUsable(model);
  const element = magnitudeScores(model);
  try {
    return unitScores(element, { aggregate: 'sum' });
  } finally {
    element.dispose();
  }
}
