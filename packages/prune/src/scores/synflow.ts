import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { buildModelAdapter, InvalidOptionError, type ModelAdapter, type ModelLike } from '@spam/core';
import { ParamScores, scoredParams } from './scores.js';
import type { CriterionSpec } from './criterion.js';
import { outputSumGradient } from './hessian-vector.js';
import { pruneCount } from '../masks/select.js';

/** Options of {@link synflowScores}. */
export interface SynflowOptions {
  /** Number of score-and-prune rounds n (a positive integer; default 1 = single-shot SynFlow). */
  iterations?: number;
  /** Target sparsity s in [0, 1) of iterative SynFlow; required when `iterations` > 1. */
  sparsity?: number;
}

/**
 * SynFlow (Tanaka et al. 2020): score = |θ̃ ⊙ ∂R/∂θ̃| with θ̃ = |θ|, R = Σ_k f_k(1) the summed logits
 * (a final softmax is stripped) of one all-ones input of the model's input shape.
 *
 * The |θ| network is evaluated with explicit parameter tensors through the model adapter's layers:
 * the model's weights are never written, so they stay exactly as they were (also on error).
 *
 * Iterative SynFlow (`iterations` n > 1, `sparsity` s required), with the paper's exponential
 * schedule: at round k = 1..n the scores are recomputed on the masked |θ| network and the mask
 * grows to `pruneCount(P, 1 − (1 − s)^(k/n))` pruned entries (density (1 − s)^(k/n), ⌊P·s⌋ at
 * k = n), global over all P parameters (biases included), lowest scores first, ties to the lower
 * canonical index; pruned entries stay pruned. The result is the last round's scores with every
 * pruned entry (also those pruned at round n) set to 0: at least ⌊P·s⌋ scores are 0, and the
 * ⌊P·s⌋ lowest (global, biases included) are the iterative SynFlow mask. `InvalidOptionError`
 * names a bad option.
 */
export function synflowScores(model: ModelLike, options: SynflowOptions = {}): ParamScores {
  const { iterations, sparsity } = checkOptions(options);
  const adapter = buildModelAdapter(model, { logits: true });
  const params = scoredParams(adapter.params);
  const numParams = adapter.numParams;
  const abs = tf.tidy(() => adapter.params.map((p) => tf.abs(p.variable.read())));
  try {
    if (iterations === 1) return new ParamScores('synflow', params, synflowOnce(adapter, abs));
    const pruned = new Uint8Array(numParams);
    let count = 0;
    let scores: Float32Array = new Float32Array(0);
    for (let k = 1; k <= iterations; k++) {
      const masked = tf.tidy(() =>
        adapter.params.map((p, i) => tf.mul(abs[i], tf.tensor(keepMask(pruned, p.offset, p.size), p.shape, 'float32'))),
      );
      const blocks = synflowOnce(adapter, masked);
      tf.dispose(masked);
      scores = flatten(adapter, blocks);
      tf.dispose(blocks);
      const target = pruneCount(numParams, k === iterations ? sparsity : 1 - Math.pow(1 - sparsity, k / iterations));
      count = extendMask(scores, pruned, count, target);
    }
    for (let i = 0; i < numParams; i++) if (pruned[i]) scores[i] = 0;
    const out = adapter.params.map((p) => tf.tensor(scores.subarray(p.offset, p.offset + p.size), p.shape, 'float32'));
    return new ParamScores('synflow', params, out);
  } finally {
    tf.dispose(abs);
  }
}

function checkOptions(options: SynflowOptions): { iterations: number; sparsity: number } {
  if (options === null || typeof options !== 'object')
    throw new InvalidOptionError(`synflow options must be an object, got ${String(options)}`);
  const iterations = options.iterations ?? 1;
  if (typeof iterations !== 'number' || !Number.isInteger(iterations) || iterations < 1) {
    throw new InvalidOptionError(`iterations must be a positive integer, got ${String(options.iterations)}`);
  }
  const sparsity = options.sparsity;
  if (iterations > 1 && sparsity === undefined) {
    throw new InvalidOptionError(`sparsity is required for iterative SynFlow (iterations = ${iterations}): a target in [0, 1)`);
  }
  if (sparsity !== undefined && (typeof sparsity !== 'number' || !Number.isFinite(sparsity) || sparsity < 0 || sparsity >= 1)) {
    throw new InvalidOptionError(`sparsity must be in [0, 1), got ${String(sparsity)}`);
  }
  return { iterations, sparsity: sparsity ?? 0 };
}

/** One SynFlow round on the parameters `theta` (≥ 0): |θ ⊙ ∂R/∂θ| per block (owned by the caller). */
function synflowOnce(adapter: ModelAdapter, theta: Tensor[]): Tensor[] {
  return tf.tidy(() => {
    const ones = tf.ones([1, ...adapter.inputShape]);
    const grads = outputSumGradient(adapter, ones, theta);
    return grads.map((g, i) => tf.abs(tf.mul(theta[i], g)));
  });
}

function flatten(adapter: ModelAdapter, blocks: Tensor[]): Float32Array {
  const out = new Float32Array(adapter.numParams);
  adapter.params.forEach((p, i) => out.set(blocks[i].dataSync(), p.offset));
  return out;
}

function keepMask(pruned: Uint8Array, offset: number, size: number): Float32Array {
  const keep = new Float32Array(size);
  for (let i = 0; i < size; i++) keep[i] = pruned[offset + i] ? 0 : 1;
  return keep;
}

/** Prunes the lowest-scoring unpruned entries (ties: lower index) until `target` are pruned. */
function extendMask(scores: Float32Array, pruned: Uint8Array, count: number, target: number): number {
  if (target <= count) return count;
  const free: number[] = [];
  for (let i = 0; i < scores.length; i++) if (!pruned[i]) free.push(i);
  free.sort((a, b) => scores[a] - scores[b] || a - b);
  for (let j = 0; j < target - count; j++) pruned[free[j]] = 1;
  return target;
}

/** `synflow` in the criterion registry (data-free). */
export const synflowCriterion: CriterionSpec = {
  needs: [],
  description: 'SynFlow |θ·∂R/∂θ| of the |θ| network on an all-ones input',
  score: (ctx) => synflowScores(ctx.model),
};
