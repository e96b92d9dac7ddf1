import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { InvalidOptionError } from '@spam/core';
import type { Prior, PriorOptions } from './prior.js';

/**
 * Smallest allowed log-precision, log δ ≥ −87: e^−87 ≈ 1.65e−38 is above the smallest normal
 * float32 (2^−126 ≈ 1.18e−38), so exp(log δ) computed in float32 stays a normal positive number.
 */
export const MIN_LOG_PRECISION = -87;
/**
 * Largest allowed log-precision, log δ ≤ 88: e^88 ≈ 1.65e38 is below the largest float32
 * (≈ 3.40e38), so exp(log δ) computed in float32 stays finite. Both bounds are integers, hence
 * exact in float32: a stored log δ is checked without rounding.
 */
export const MAX_LOG_PRECISION = 88;
/** Smallest allowed precision δ = e^−87 ≈ 1.648e−38 (see {@link MIN_LOG_PRECISION}). */
export const MIN_PRECISION = Math.exp(MIN_LOG_PRECISION);
/** Largest allowed precision δ = e^88 ≈ 1.652e38 (see {@link MAX_LOG_PRECISION}). */
export const MAX_PRECISION = Math.exp(MAX_LOG_PRECISION);

/** The allowed range, for error messages. */
export const PRECISION_RANGE_TEXT =
  `δ in [e^${MIN_LOG_PRECISION}, e^${MAX_LOG_PRECISION}] ≈ [${MIN_PRECISION.toPrecision(4)}, ${MAX_PRECISION.toPrecision(4)}] ` +
  `(log δ in [${MIN_LOG_PRECISION}, ${MAX_LOG_PRECISION}]), so that δ is a finite, normal float32 number`;

/**
 * Checks the initial precision δ₀ (`options.precision`, default 1) and returns log δ₀. Throws
 * `InvalidOptionError` naming `what` (e.g. `"unitwise prior"`) unless δ₀ is a number in
 * [{@link MIN_PRECISION}, {@link MAX_PRECISION}] ≈ [1.65e−38, 1.65e38].
 */
export function initialLogPrecision(o: PriorOptions = {}, what = 'prior'): number {
  if (o === null || typeof o !== 'object')
    throw new InvalidOptionError(`${what}: options must be an object, got ${o === null ? 'null' : typeof o}`);
  const d = o.precision ?? 1;
  if (typeof d !== 'number' || !(d >= MIN_PRECISION && d <= MAX_PRECISION)) {
    throw new InvalidOptionError(
      `${what}: precision must be a number with ${PRECISION_RANGE_TEXT}; got ${typeof d === 'number' ? d : `${typeof d} ${String(d)}`}`,
    );
  }
  return Math.log(d);
}

/** The first log-precision outside [{@link MIN_LOG_PRECISION}, {@link MAX_LOG_PRECISION}] (or NaN). */
export interface PrecisionViolation {
  /** What holds it: a parameter tensor's name (`a1/kernel`) or a variable (`variable 2`). */
  where: string;
  /** The offending log δ (or variable value), as float32 on the backend; NaN for NaN. */
  logPrecision: number;
}

/**
 * The first value of `prior` outside the allowed log-precision range, or null: every learnable
 * variable value (each is a log δ or, unit-wise, a summand of one that the code exponentiates
 * alone) and every expanded log δ per parameter tensor. One read-back of 3·(V + T) numbers.
 */
export function precisionRangeViolation(prior: Prior): PrecisionViolation | null {
  const vars = prior.variables;
  const stats = tf.tidy(() => {
    const blocks: Tensor[] = [...vars, ...prior.logPrecisionBlocks()];
    return tf.stack(blocks.map((b) => tf.stack([tf.min(b), tf.max(b), tf.sum(tf.mul(b, 0))]))).dataSync();
  });
  const names = [...vars.map((_, i) => `log-precision variable ${i}`), ...prior.params.map((p) => `'${p.name}'`)];
  for (let k = 0; k < names.length; k++) {
    const [min, max, probe] = [stats[3 * k], stats[3 * k + 1], stats[3 * k + 2]];
    if (min < MIN_LOG_PRECISION) return { where: names[k], logPrecision: min };
    if (max > MAX_LOG_PRECISION) return { where: names[k], logPrecision: max };
    if (Number.isNaN(probe)) return { where: names[k], logPrecision: NaN }; // NaN (±∞ is caught by min/max)
  }
  return null;
}

/** "log δ = 1000 (δ = Infinity in float32)" for a violation. */
export function describeViolation(v: PrecisionViolation): string {
  return `${v.where} has log δ = ${v.logPrecision} (δ = ${Math.fround(Math.exp(v.logPrecision))} in float32); allowed: ${PRECISION_RANGE_TEXT}`;
}
