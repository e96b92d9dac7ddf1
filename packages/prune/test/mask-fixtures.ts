// Models, hand-made scores and checks shared by the mask tests.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import type { ModelLike } from '@spam/core';
import { ParamScores, scoredParams, type ScoredParam } from '../src/scores/scores.js';
import { Mask } from '../src/masks/mask.js';
import { rng, seedWeights } from '../../../test/helpers/index.js';

export const L = tf.layers;
export const asModel = (m: tf.LayersModel) => m as unknown as ModelLike;

/** Dense 10 → 10: 100 kernel entries, 10 biases. */
export function dense100(seed = 1): tf.LayersModel {
  const m = tf.sequential({ layers: [L.dense({ inputShape: [10], units: 10 })] });
  seedWeights(m, seed);
  return m;
}

/** Dense 6 → 5 → 3: kernels 30 + 15, biases 5 + 3. */
export function mlp(seed = 2): tf.LayersModel {
  const m = tf.sequential({ layers: [L.dense({ inputShape: [6], units: 5, activation: 'tanh' }), L.dense({ units: 3 })] });
  seedWeights(m, seed);
  return m;
}

/** Conv2D [2,2,7,3] → Flatten (27) → Dense 27→7 → Dense 7→2: input axes of 7, 27, 7 entries. */
export function convNet(seed = 3): tf.LayersModel {
  const m = tf.sequential({
    layers: [
      L.conv2d({ inputShape: [4, 4, 7], filters: 3, kernelSize: 2, activation: 'tanh' }),
      L.flatten(),
      L.dense({ units: 7, activation: 'tanh' }),
      L.dense({ units: 2 }),
    ],
  });
  seedWeights(m, seed);
  return m;
}

/** User scores from one flat array in canonical order. */
export function scoresFrom(model: tf.LayersModel, flat: number[], criterion = 'user'): ParamScores {
  const params = scoredParams(asModel(model));
  return new ParamScores(
    criterion,
    params,
    params.map((p) => tf.tensor(flat.slice(p.offset, p.offset + p.size), [...p.shape])),
  );
}

/** Seeded integer scores in [0, k): many ties. */
export function tiedScores(n: number, k: number, seed: number): number[] {
  const u = rng(seed);
  return Array.from({ length: n }, () => Math.floor(u() * k));
}

export const numParams = (m: tf.LayersModel) => scoredParams(asModel(m)).reduce((a, p) => a + p.size, 0);
export const prunedSet = (mask: Mask) => [...mask.keep.keys()].filter((i) => !mask.keep[i]);

/** Canonical indices of the given parameter tensors. */
export function indicesOf(params: readonly ScoredParam[]): number[] {
  return params.flatMap((p) => Array.from({ length: p.size }, (_, j) => p.offset + j));
}

/**
 * Brute force: in `group`, exactly `count` entries are pruned and every pruned entry ranks below
 * every kept one (lower score, or the same score and a lower index).
 */
export function expectLowestPruned(mask: Mask, flat: ArrayLike<number>, group: number[], count: number, what = ''): void {
  const pruned = group.filter((i) => !mask.keep[i]);
  const kept = group.filter((i) => mask.keep[i]);
  expect(pruned.length, `${what} pruned count`).toBe(count);
  for (const i of pruned)
    for (const j of kept) {
      const below = flat[i] < flat[j] || (flat[i] === flat[j] && i < j);
      if (!below) expect.fail(`${what}: pruned ${i} (score ${flat[i]}) does not rank below kept ${j} (score ${flat[j]})`);
    }
}

/** Asserts that fn leaves tf.memory().numTensors unchanged and returns its result. */
export function noLeak<T>(what: string, fn: () => T): T {
  const before = tf.memory().numTensors;
  const r = fn();
  expect(tf.memory().numTensors, `${what} leaks`).toBe(before);
  return r;
}

export async function noLeakAsync<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const r = await fn();
  expect(tf.memory().numTensors, `${what} leaks`).toBe(before);
  return r;
}
