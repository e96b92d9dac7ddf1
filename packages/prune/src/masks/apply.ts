import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { ModelLike, ParamBlock } from '@spam/core';
import { Mask, maskedParams } from './mask.js';

/** Zeroes the pruned weights of `model` in place: θ ← θ ⊙ mask. Throws `MaskMismatchError` for another model's mask. */
export function applyMask(model: ModelLike, mask: Mask): void {
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
 * `marglikTraining`. Holds the 0/1 tensors once; call {@link MaskApplier.dispose} when done.
 */
export class MaskApplier {
  /** The mask being enforced. */
  readonly mask: Mask;
  private readonly params: readonly ParamBlock[];
  private keep: Tensor[] | null;

  /** Checks that the mask fits `model` and uploads it. */
  constructor(model: ModelLike, mask: Mask) {
    this.params = maskedParams(model, mask);
    this.mask = mask;
    this.keep = mask.toTensors();
  }

  /** θ ← θ ⊙ mask for every parameter tensor. */
  apply(): void {
    if (!this.keep) throw new Error('MaskApplier used after dispose()');
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

  /** Frees the mask tensors. */
  dispose(): void {
    tf.dispose(this.keep ?? []);
    this.keep = null;
  }
}
