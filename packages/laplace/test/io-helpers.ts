// Shared nets, fits and byte helpers of the io-*.test.ts files (saving and loading a Laplace).
import { expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { ModelLike } from '@spam/core';
import { createPrior, type Prior } from '@spam/priors';
import { fitLaplace, type Laplace, type LaplaceArtifacts, type LaplaceManifest } from '@spam/laplace';
import { randomLabels, randomTensor, seedWeights } from '../../../test/helpers/index.js';
import { crc32 } from '../src/io/crc32.js';
import { manifestChecksum } from '../src/io/format.js';

const L = tf.layers;

/**
 * Conv2D (Kronecker) → LayerNormalization (weighted: exact diagonal blocks under kron) → Dense
 * (Kronecker): 71 parameters, small enough for `full`.
 */
export function mixedNet(seed = 11, name = 'io_mixed', units = 3): ModelLike {
  const m = tf.sequential({
    name,
    layers: [
      L.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 2, activation: 'relu', name: `${name}_conv` }),
      L.layerNormalization({ name: `${name}_ln` }),
      L.flatten({ name: `${name}_flat` }),
      L.dense({ units, name: `${name}_out` }),
    ],
  });
  seedWeights(m, seed, 0.7);
  // LayerNormalization starts at γ = 1, β = 0: move them so that its diagonal blocks are not trivial.
  const ln = m.getLayer(`${name}_ln`);
  ln.setWeights(ln.getWeights().map((w, i) => tf.tidy(() => tf.add(w, tf.mul(0.3 * (i + 1), randomTensor(w.shape, seed + i))))));
  return m;
}

export const N = 6;
export const xs = randomTensor([N, 4, 4, 1], 21);
export const labels = tf.tensor1d(randomLabels(N, 3, 22));
export const targets = randomTensor([N, 3], 23);

/** A fitted Laplace of `model` (classification unless `regression`; σ = 0.7 for regression). */
export async function fit(model: ModelLike, structure: 'diag' | 'kron' | 'full', regression = false): Promise<Laplace> {
  return fitLaplace(
    model,
    { xs, ys: regression ? targets : labels, batchSize: 4 },
    { likelihood: regression ? 'regression' : 'classification', structure, sigma: regression ? 0.7 : 1 },
  );
}

/** A prior with precisions that differ per entry (unit-wise) or per tensor (layer-wise), seeded. */
export function variedPrior(model: ModelLike, structure: 'unitwise' | 'layerwise' | 'scalar', seed = 31): Prior {
  const prior = createPrior(model, structure, { precision: 0.5 });
  const values = prior.variables.map((v, i) => tf.tidy(() => tf.add(v, tf.mul(0.8, randomTensor(v.shape, seed + i)))));
  prior.assignLogPrecisions(values);
  tf.dispose(values);
  return prior;
}

/** Float32 values of tensors as plain arrays (bit-exact comparison with toEqual: Object.is per entry). */
export function values(ts: readonly tf.Tensor[]): number[][] {
  return ts.map((t) => Array.from(t.dataSync()));
}

/** Recomputes both checksums after a test edited the manifest or the weights (to reach the checks behind them). */
export function reseal(a: { manifest: LaplaceManifest; weightData: ArrayBuffer }): LaplaceArtifacts {
  const body: Record<string, unknown> = { ...a.manifest };
  delete body.checksum;
  const manifest = { ...body, checksum: { manifest: 0, weights: crc32(new Uint8Array(a.weightData)) } } as LaplaceManifest;
  manifest.checksum.manifest = manifestChecksum(manifest);
  return { manifest, weightData: a.weightData };
}

/** Deep copy of artifacts. */
export function copy(a: LaplaceArtifacts): { manifest: LaplaceManifest; weightData: ArrayBuffer } {
  return { manifest: JSON.parse(JSON.stringify(a.manifest)) as LaplaceManifest, weightData: a.weightData.slice(0) };
}

/** Runs `fn`, expects it to reject with `type` (message matching `message`), and no tensor left behind. */
export async function expectRejects(
  fn: () => Promise<unknown>,
  type: abstract new (...args: never[]) => Error,
  message?: RegExp,
): Promise<Error> {
  const before = tf.memory().numTensors;
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a rejection').toBeInstanceOf(type);
  if (message) expect((err as Error).message).toMatch(message);
  expect(tf.memory().numTensors, 'tensors left after the error').toBe(before);
  return err as Error;
}
