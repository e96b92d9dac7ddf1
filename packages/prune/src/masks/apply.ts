import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { assertModelUsable, DisposedError, type ModelLike, type ParamBlock } from '@spam/core';
import { Mask, maskedParams } from './mask.js';

/**
 * Zeroes the pruned weights of `model` in place: θ ← θ ⊙ mask. Throws `MaskMismatchError` for
 * another model's mask and `DisposedError` for a disposed model.
 */
export function applyMask(model: ModelLike, mask: Mask): void {
  assertModelUsable(model);
  const params = maskedParams(model, mask);
  writeMasked(params, mask.toTensors(), true);
}

function writeMasked(params: readonly ParamBlock[], keep: Tensor[], disposeKeep: boolean): void {
  try {
    params.forEach((p, i) => {
      const next = tf.tidy(() => tf.mul(p.variable.read(), keep[i]));
      p.variable.write(next);
      next.dispose();
    });
  } finally {
    if (disposeKeep) tf.dispose(keep);
  }
}

/**
 * Keeps a mask applied while training continues: {@link MaskApplier.apply} after every optimizer
 * step (custom loops), {@link MaskApplier.callback} for `model.fit`, {@link MaskApplier.hooks} for
 * `marglikTraining`. Holds the 0/1 tensors once; call {@link MaskApplier.dispose} when done
 * (idempotent). Using it after `dispose()`, or after its model was disposed, throws `DisposedError`.
 */
export class MaskApplier {
  /** The mask being enforced. */
  readonly mask: Mask;
  private readonly model: ModelLike;
  private readonly params: readonly ParamBlock[];
  private keep: Tensor[] | null;

  /** Checks that the mask fits `model` (`MaskMismatchError`, `DisposedError` for a disposed model) and uploads it. */
  constructor(model: ModelLike, mask: Mask) {
    assertModelUsable(model);
    this.params = maskedParams(model, mask);
    this.model = model;
    this.mask = mask;
    this.keep = mask.toTensors();
  }

  /** Whether {@link dispose} has been called. */
  get isDisposed(): boolean {
    return this.keep === null;
  }

  /** θ ← θ ⊙ mask for every parameter tensor. */
  apply(): void {
    if (!this.keep)
      throw new DisposedError('MaskApplier of model', String(this.model.name), 'its mask tensors were freed; create a new MaskApplier');
    assertModelUsable(this.model);
    writeMasked(this.params, this.keep, false);
  }

  /** A `model.fit` callback (tfjs `CustomCallbackArgs`) re-applying the mask at train start and after every batch. */
  callback(): { onTrainBegin: () => Promise<void>; onBatchEnd: () => Promise<void> } {
    return {
      onTrainBegin: async () => this.apply(),
      onBatchEnd: async () => this.apply(),
    };
  }

  /** Hooks for `marglikTraining` (`hooks` option): re-apply after every optimizer step. */
  hooks(): { afterBatch: () => void } {
    return { afterBatch: () => this.apply() };
  }

  /** Frees the mask tensors. Idempotent: a second call does nothing. */
  dispose(): void {
    if (!this.keep) return;
    tf.dispose(this.keep);
    this.keep = null;
  }
}
