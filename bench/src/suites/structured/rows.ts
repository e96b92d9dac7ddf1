/** The row schema of `bench/results/structured.json` and the suite's shared constants. */
import { round } from '../../lib/stats.js';

/** Unit-score criteria of the rows. */
export type Criterion = 'opd' | 'magnitude' | 'random';

/** One row of `bench/results/structured.json`. */
export interface StructuredRow {
  model: string;
  criterion: Criterion;
  /**
   * Fraction of the units removed: from every layer but the last (⌊n·r⌋ per layer) for the MLPs and
   * the LeNet; from every family of dependency groups (`groupMasks` `scope: 'family'`) for the ResNet and the ViT.
   */
  unitFraction: number;
  /** Multiply-accumulates per example, dense and pruned. */
  macsBefore: number;
  macsAfter: number;
  /** Median ms of one `model.predict(x, {batchSize})` + read-back on the fixed batch, dense and pruned (paired, interleaved). */
  latencyBeforeMs: number;
  latencyAfterMs: number;
  /** Test accuracy of the pruned net, one-shot (no fine-tuning). */
  accuracy: number;
  /** Test accuracy of the dense net. */
  accuracyBefore: number;
  paramsBefore: number;
  paramsAfter: number;
  /** Bytes of `model.json` + `weights.bin` (`@spam/structured/node` file-system handler). */
  bytesBefore: number;
  bytesAfter: number;
  /** macsBefore / macsAfter. */
  macReduction: number;
  /** latencyBeforeMs / latencyAfterMs. */
  speedup: number;
  /** speedup / macReduction (the target: ≥ 0.8 at unitFraction ≥ 0.5). */
  speedupPerMacReduction: number;
  /**
   * Values written per example by all layers (the sum of every layer's output size): the
   * elementwise work (BatchNormalization, ReLU, Add, pooling, LayerNormalization, Softmax …) and
   * memory traffic that `countMacs` does not count. Rows of the ResNet and the ViT only.
   */
  activationsBefore?: number;
  activationsAfter?: number;
  /** Examples per `predict` call. */
  batch: number;
  /** Timed calls per latency (after the warm-up). */
  repeats: number;
  backend: 'wasm';
  /** How the net was trained (`spam-kron-<prior>, <epochs> epochs`, with the training set size where it is not the whole split). */
  training: string;
}

/** What a row is derived from: the measurements as taken (unrounded), without the ratios. */
export type RowMeasurements = Omit<StructuredRow, 'macReduction' | 'speedup' | 'speedupPerMacReduction'>;

/** A row from its measurements: latencies and accuracies rounded, the three ratios derived. */
export function structuredRow(m: RowMeasurements): StructuredRow {
  const macReduction = m.macsBefore / m.macsAfter;
  const speedup = m.latencyBeforeMs / m.latencyAfterMs;
  return {
    ...m,
    latencyBeforeMs: round(m.latencyBeforeMs, 3),
    latencyAfterMs: round(m.latencyAfterMs, 3),
    accuracy: round(m.accuracy, 4),
    accuracyBefore: round(m.accuracyBefore, 4),
    macReduction: round(macReduction, 3),
    speedup: round(speedup, 3),
    speedupPerMacReduction: round(speedup / macReduction, 3),
  };
}

/** One latency measurement of the batch scan. */
export interface ScanRow {
  model: string;
  unitFraction: number;
  batch: number;
  macReduction: number;
  before: number;
  after: number;
}

export const CRITERIA: readonly Criterion[] = ['opd', 'magnitude', 'random'];
export const FRACTIONS = [0.5, 0.75, 0.9] as const;
/** The latency target: speedup ≥ TARGET × MAC reduction at unit fractions ≥ 0.5. */
export const TARGET = 0.8;
/** Untimed calls of each model before the timed rounds. */
export const WARMUP = 3;
export const SCAN_BATCHES = [256, 1024, 4096] as const;
export const SCAN_FRACTIONS = [0.5, 0.9, 0.99] as const;
/** The fraction whose latency is the "floor" (what does not shrink with the MACs). */
export const FLOOR_FRACTION = 0.99;
