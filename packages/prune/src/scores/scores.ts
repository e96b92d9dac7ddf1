import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { buildModelAdapter, NonFiniteError, ShapeMismatchError, type ModelLike, type ParamBlock } from '@spam/core';

export type { Criterion } from './criteria.js';

/** One parameter tensor a score or mask refers to (the canonical layout without the variable). */
export interface ScoredParam {
  /** `<layer>/kernel` or `<layer>/bias`. */
  readonly name: string;
  /** Owning layer's name. */
  readonly layerName: string;
  /** Kernel or bias. */
  readonly role: ParamBlock['role'];
  /** tfjs shape. */
  readonly shape: readonly number[];
  /** Number of entries. */
  readonly size: number;
  /** Offset in the flat canonical vector. */
  readonly offset: number;
}

/** The canonical parameter list of a model (model order, kernel then bias), without variables. */
export function scoredParams(source: ModelLike | readonly ParamBlock[]): ScoredParam[] {
  const blocks = Array.isArray(source) ? (source as readonly ParamBlock[]) : buildModelAdapter(source as ModelLike).params;
  return blocks.map((b) => ({ name: b.name, layerName: b.layerName, role: b.role, shape: [...b.shape], size: b.size, offset: b.offset }));
}

/**
 * Per-parameter importance scores, one tensor per parameter tensor in the canonical order and the
 * parameters' tfjs shapes. Higher = more important. Owns its tensors: call {@link dispose}.
 */
export class ParamScores {
  /** The criterion that produced the scores (free text for user-made scores). */
  readonly criterion: string;
  /** The parameter tensors scored, canonical order. */
  readonly params: readonly ScoredParam[];
  /** One score tensor per parameter tensor (owned). */
  readonly blocks: readonly Tensor[];
  /** Total number of scored parameters P. */
  readonly numParams: number;
  private disposed = false;

  /**
   * Wraps score tensors (taking ownership). Throws `ShapeMismatchError` if a block's shape differs
   * from its parameter's, and `NonFiniteError` naming the tensor if a score is NaN or ±∞.
   */
  constructor(criterion: string, params: readonly ScoredParam[], blocks: Tensor[]) {
    if (blocks.length !== params.length) {
      tf.dispose(blocks);
      throw new ShapeMismatchError(`${criterion} scores: ${blocks.length} score tensors for ${params.length} parameter tensors`);
    }
    params.forEach((p, i) => {
      const s = blocks[i].shape;
      if (s.length !== p.shape.length || s.some((d, j) => d !== p.shape[j])) {
        tf.dispose(blocks);
        throw new ShapeMismatchError(`${criterion} scores for '${p.name}' have shape [${s}], the parameter has [${p.shape}]`);
      }
    });
    this.criterion = criterion;
    this.params = params;
    this.blocks = blocks.map((b) => (b.dtype === 'float32' ? b : tf.tidy(() => tf.cast(b, 'float32'))));
    blocks.forEach((b, i) => b !== this.blocks[i] && b.dispose());
    this.numParams = params.reduce((a, p) => a + p.size, 0);
    const bad = this.params.findIndex((_, i) => !allFinite(this.blocks[i]));
    if (bad >= 0) {
      const name = this.params[bad].name;
      this.dispose();
      throw new NonFiniteError(`${criterion} scores of '${name}' contain NaN or ±Infinity`);
    }
  }

  /** All scores as one host vector `[P]` in canonical order (a copy). */
  flat(): Float32Array {
    const out = new Float32Array(this.numParams);
    this.params.forEach((p, i) => out.set(this.blocks[i].dataSync(), p.offset));
    return out;
  }

  /** Whether {@link dispose} has run. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Frees the score tensors. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    tf.dispose(this.blocks as Tensor[]);
  }
}

function allFinite(t: Tensor): boolean {
  const d = t.dataSync();
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return false;
  return true;
}
