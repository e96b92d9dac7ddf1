import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { buildModelAdapter, InvalidOptionError, type ModelLike, type ParamBlock } from '@spam/core';
import { MaskMismatchError } from '../errors.js';
import type { ScoredParam } from '../scores/scores.js';

/**
 * A binary pruning mask over a model's parameters: one flag per parameter in the canonical flat
 * order (1 = keep, 0 = pruned). Host memory only: nothing to dispose.
 */
export class Mask {
  /** The parameter tensors the mask covers, canonical order. */
  readonly params: readonly ScoredParam[];
  /** Keep flags `[P]` in canonical order. */
  readonly keep: Uint8Array;

  /**
   * Wraps keep flags (not copied). Throws `InvalidOptionError` unless `keep` is a `Uint8Array` of
   * 0/1 flags (naming the first other value and its index), `MaskMismatchError` if its length is
   * not Σ sizes.
   */
  constructor(params: readonly ScoredParam[], keep: Uint8Array) {
    if (!Array.isArray(params))
      throw new InvalidOptionError(`mask params must be an array of scored parameters (scoredParams(model)), got ${describeValue(params)}`);
    if (!(keep instanceof Uint8Array))
      throw new InvalidOptionError(`mask keep flags must be a Uint8Array of 0/1, got ${describeValue(keep)}`);
    const total = params.reduce((a, p) => a + p.size, 0);
    if (keep.length !== total) throw new MaskMismatchError(`mask has ${keep.length} entries, the parameters ${total}`);
    for (let i = 0; i < keep.length; i++) {
      if (keep[i] > 1) throw new InvalidOptionError(`mask keep flags must be 0 (pruned) or 1 (kept), got ${keep[i]} at index ${i}`);
    }
    this.params = params;
    this.keep = keep;
  }

  /** An all-keep mask for a model. */
  static ones(params: readonly ScoredParam[]): Mask {
    return new Mask(params, new Uint8Array(params.reduce((a, p) => a + p.size, 0)).fill(1));
  }

  /** Total number of parameters P. */
  get numParams(): number {
    return this.keep.length;
  }

  /** Number of pruned parameters. */
  get numPruned(): number {
    let n = 0;
    for (let i = 0; i < this.keep.length; i++) n += this.keep[i] ? 0 : 1;
    return n;
  }

  /** Pruned fraction over all parameters. */
  get sparsity(): number {
    return this.keep.length ? this.numPruned / this.keep.length : 0;
  }

  /** The keep flags of parameter tensor `i` (a view); `InvalidOptionError` unless `i` is an integer in [0, params.length). */
  block(i: number): Uint8Array {
    if (!Number.isInteger(i) || i < 0 || i >= this.params.length) {
      throw new InvalidOptionError(`mask block index must be an integer in [0, ${this.params.length}), got ${describeValue(i)}`);
    }
    const p = this.params[i];
    return this.keep.subarray(p.offset, p.offset + p.size);
  }

  /** One float32 0/1 tensor per parameter tensor, in its shape (new tensors; dispose them). */
  toTensors(): Tensor[] {
    return this.params.map((p, i) => tf.tensor(Float32Array.from(this.block(i)), [...p.shape], 'float32'));
  }

  /** Entry-wise AND with another mask over the same parameters (`InvalidOptionError` if `other` is not a `Mask`). */
  and(other: Mask): Mask {
    assertMask(other, 'mask.and argument');
    assertSameParams(this.params, other.params, 'mask');
    const keep = new Uint8Array(this.keep.length);
    for (let i = 0; i < keep.length; i++) keep[i] = this.keep[i] & other.keep[i];
    return new Mask(this.params, keep);
  }
}

/** Throws `InvalidOptionError` naming `what` unless `value` is a {@link Mask}. */
export function assertMask(value: unknown, what: string): asserts value is Mask {
  if (!(value instanceof Mask))
    throw new InvalidOptionError(`${what} must be a Mask (from scoreMask, nmMask or new Mask), got ${describeValue(value)}`);
}

/** A short description of a value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'undefined') return String(value);
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? (value.constructor?.name ?? 'an object') : typeof value;
}

/** Throws `MaskMismatchError` unless both parameter lists have the same names and shapes. */
export function assertSameParams(
  expected: readonly ScoredParam[] | readonly ParamBlock[],
  actual: readonly ScoredParam[],
  what: string,
): void {
  if (expected.length !== actual.length) {
    throw new MaskMismatchError(
      `the ${what} covers ${actual.length} parameter tensors, the model has ${expected.length}: it was built for another model`,
    );
  }
  expected.forEach((p, i) => {
    const q = actual[i];
    if (p.name !== q.name || p.shape.join() !== q.shape.join()) {
      throw new MaskMismatchError(
        `${what} tensor ${i} is '${q.name}' [${q.shape}] but the model's is '${p.name}' [${p.shape}]: it was built for another model`,
      );
    }
  });
}

/** The model's canonical parameters after checking that `mask` was built for them. */
export function maskedParams(model: ModelLike, mask: Mask): readonly ParamBlock[] {
  const params = buildModelAdapter(model).params;
  assertSameParams(params, mask.params, 'mask');
  return params;
}
