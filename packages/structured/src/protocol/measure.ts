import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { buildModelAdapter, evaluate, InvalidOptionError } from '@spam/core';
import { countMacs, countParams } from '../cost.js';
import type { LabelledData } from './fine-tune.js';

/** Test metrics and cost of one model. Classification fills accuracy/ece/brier, regression mse. */
export interface StructuredMeasurement {
  /** Fraction of correct top-1 predictions (classification). */
  accuracy?: number;
  /** Mean negative log-likelihood per example. */
  nll: number;
  /** Expected calibration error, 10 equal-width bins (classification). */
  ece?: number;
  /** Mean Brier score Σ_k (p_k − y_k)² (classification). */
  brier?: number;
  /** Mean squared error (regression). */
  mse?: number;
  /** Number of weights (`countParams`). */
  params: number;
  /** Multiply-accumulates per example (`countMacs`). */
  macs: number;
  /** Bytes of the weights as float32 (what `weights.bin` holds): 4·params. */
  bytes: number;
  /** Median wall time (ms) of `model.predict` + read-back on the latency batch; absent when not measured. */
  latencyMs?: number;
}

/** Options of {@link measureModel}. */
export interface MeasureOptions {
  /** `'classification'` (logits, default) or `'regression'`. */
  likelihood?: 'classification' | 'regression';
  /** Regression noise σ. Default 1. */
  sigma?: number;
  /** Timed `predict` calls after 2 warm-up calls (integer ≥ 0; 0 = latency not measured). Default 5. */
  latencyRepeats?: number;
  /** Examples of the latency batch (the first rows of the test inputs; positive integer). Default 256. */
  latencyExamples?: number;
}

/** The checked latency options. */
export function latencySettings(options: MeasureOptions): { repeats: number; examples: number } {
  const repeats = options.latencyRepeats ?? 5;
  const examples = options.latencyExamples ?? 256;
  if (typeof repeats !== 'number' || !Number.isSafeInteger(repeats) || repeats < 0)
    throw new InvalidOptionError(`latencyRepeats must be an integer ≥ 0, got ${String(repeats)}`);
  if (typeof examples !== 'number' || !Number.isSafeInteger(examples) || examples < 1)
    throw new InvalidOptionError(`latencyExamples must be a positive integer, got ${String(examples)}`);
  return { repeats, examples };
}

/**
 * Median wall time (ms) of `model.predict(x)` as one batch (`batchSize` = all rows of `x`; tfjs's
 * default of 32 would time chunks and their fixed per-call cost) followed by a read-back, over
 * `repeats` calls after 2 warm-up calls. No tensor is left behind.
 */
export function medianLatencyMs(model: LayersModel, x: Tensor, repeats: number): number {
  const times: number[] = [];
  for (let i = 0; i < repeats + 2; i++) {
    const t0 = performance.now();
    const y = model.predict(x, { batchSize: Math.max(1, x.shape[0] ?? 1) }) as Tensor;
    try {
      y.dataSync();
    } finally {
      y.dispose();
    }
    if (i >= 2) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const m = times.length >> 1;
  return times.length % 2 === 1 ? times[m] : (times[m - 1] + times[m]) / 2;
}

/**
 * Accuracy, NLL, ECE, Brier (or MSE and NLL) of `model` on `test` (`@spam/core`'s `evaluate`), its
 * params, MACs and float32 weight bytes, and the measured latency (median of repeated `predict`
 * on the first `latencyExamples` test inputs). Errors of `evaluate` for data that does not fit;
 * `InvalidOptionError` for bad latency options. No tensor is left behind.
 */
export function measureModel(model: LayersModel, test: LabelledData, options: MeasureOptions = {}): StructuredMeasurement {
  const likelihood = options.likelihood ?? 'classification';
  const { repeats, examples } = latencySettings(options);
  const m = evaluate(buildModelAdapter(model, { logits: likelihood === 'classification' }), likelihood, test.xs, test.ys, {
    sigma: options.sigma,
  });
  const params = countParams(model);
  const out: StructuredMeasurement = { ...m, params, macs: countMacs(model), bytes: 4 * params };
  if (repeats > 0) {
    const x = tf.slice(test.xs, 0, Math.min(examples, test.xs.shape[0]));
    try {
      out.latencyMs = medianLatencyMs(model, x, repeats);
    } finally {
      x.dispose();
    }
  }
  return out;
}
