import * as tf from '@tensorflow/tfjs-core';
import { buildModelAdapter, InvalidOptionError, mulberry32, type ModelLike } from '@spam/core';
import { ParamScores, scoredParams } from './scores.js';
import type { CriterionSpec } from './criterion.js';

/** Options of {@link randomScores}. */
export interface RandomScoreOptions {
  /** Seed of the generator (any integer); the same seed gives the same scores. Default 0. */
  seed?: number;
}

/**
 * Random pruning: score_i ~ U(0, 1), i.i.d. from a seeded generator (mulberry32). `InvalidOptionError`
 * if `options` is not an object (omit it for the defaults) or the seed is not an integer.
 */
export function randomScores(model: ModelLike, options: RandomScoreOptions = {}): ParamScores {
  if (options === null || typeof options !== 'object')
    throw new InvalidOptionError(`randomScores options must be an object {seed?}, got ${options === null ? 'null' : typeof options}`);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new InvalidOptionError(`seed must be an integer, got ${String(seed)}`);
  const params = buildModelAdapter(model).params;
  const rand = mulberry32(seed);
  const blocks = params.map((p) => {
    const v = new Float32Array(p.size);
    for (let i = 0; i < v.length; i++) v[i] = rand();
    return tf.tensor(v, p.shape);
  });
  return new ParamScores('random', scoredParams(params), blocks);
}

/** `random` in the criterion registry (seed from `ctx.seed`, default 0). */
export const randomCriterion: CriterionSpec = {
  needs: [],
  description: 'uniform random scores (seeded)',
  score: (ctx) => randomScores(ctx.model, { seed: ctx.seed ?? 0 }),
};
