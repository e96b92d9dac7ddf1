// saveLaplace → loadLaplace through memory gives the same Laplace bit for bit: θ, N, σ, the loss,
// log Z (every term) and the posterior precision diagonal that OPD scores use, for diag, kron
// (Kronecker + exact diagonal blocks, both kronPrior modes, with and without saved
// eigendecompositions) and full; the prior saved with it comes back equal; no tensor leaks.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { Prior } from '@spam/priors';
import {
  loadLaplace,
  logMarginalLikelihoodTerms,
  saveLaplace,
  toMemory,
  fromMemory,
  type KronPriorMode,
  type Laplace,
  type LoadedLaplace,
} from '@spam/laplace';
import { fit, mixedNet, values, variedPrior } from './io-helpers.js';

/** Everything a loaded Laplace must reproduce exactly, read in one fixed order. */
function observe(la: Laplace, prior: Prior, modes: readonly KronPriorMode[]) {
  return {
    scalars: [la.structure, la.curvature, la.likelihood, la.nData, la.sigma, la.loss, la.numParams, la.logLikelihood],
    theta: values(la.theta),
    diagonal: tf.tidy(() => Array.from(la.diagonal().dataSync())),
    ...Object.fromEntries(
      modes.flatMap((mode) => [
        [`logZ/${mode}`, logMarginalLikelihoodTerms(la, prior, { kronPrior: mode })],
        [
          `ppd/${mode}`,
          tf.tidy(() => {
            const d = la.posteriorPrecisionDiagonal(prior.precisionBlocks(), mode);
            return values(d);
          }),
        ],
      ]),
    ),
  };
}

const model = mixedNet();

describe('saveLaplace / loadLaplace round trip (memory handlers)', () => {
  const cases = [
    { structure: 'diag', regression: false, prior: 'unitwise' },
    { structure: 'diag', regression: true, prior: 'layerwise' },
    { structure: 'kron', regression: false, prior: 'unitwise' },
    { structure: 'kron', regression: false, prior: 'scalar' },
    { structure: 'kron', regression: true, prior: 'unitwise' },
    { structure: 'full', regression: false, prior: 'unitwise' },
    { structure: 'full', regression: true, prior: 'layerwise' },
  ] as const;
  for (const c of cases) {
    it(`${c.structure} ${c.regression ? 'regression' : 'classification'}, ${c.prior} prior: identical log Z and posterior precision diagonal`, async () => {
      const before = tf.memory().numTensors;
      const la = await fit(model, c.structure, c.regression);
      const prior = variedPrior(model, c.prior);
      const modes: KronPriorMode[] = c.structure === 'kron' ? ['projected', 'exact'] : ['projected'];
      const saved = observe(la, prior, modes);
      const h = toMemory();
      const result = await saveLaplace(la, h, { prior, temperature: 0.5 });
      expect(result.weightBytes).toBe(h.artifacts!.weightData.byteLength);
      expect(h.artifacts!.manifest.structure).toBe(c.structure);
      // observe() made the kron Laplace compute its eigendecomposition ('projected' diagonal): saved by default.
      expect(h.artifacts!.manifest.eigendecomposition).toBe(c.structure === 'kron');
      const loaded: LoadedLaplace = await loadLaplace(fromMemory(h.artifacts!), model);
      expect(loaded.laplace.structure).toBe(c.structure);
      expect(loaded.temperature).toBe(0.5);
      expect(loaded.prior!.toJSON()).toEqual(prior.toJSON());
      expect(observe(loaded.laplace, loaded.prior!, modes)).toEqual(saved);
      // The loaded Laplace refers to the model's own parameters.
      expect(loaded.laplace.params.map((p) => p.name)).toEqual(la.params.map((p) => p.name));
      for (const o of [la, prior, loaded.laplace, loaded.prior!]) o.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('kron factors and exact diagonal blocks come back bit for bit (the mixed LayerNormalization blocks)', async () => {
    const la = await fit(model, 'kron');
    if (la.structure !== 'kron') throw new Error('kron expected');
    const h = toMemory();
    await saveLaplace(la, h);
    const { laplace } = await loadLaplace(h, model);
    if (laplace.structure !== 'kron') throw new Error('kron expected');
    expect(laplace.diagonalBlocks.map((b) => b === null)).toEqual(la.diagonalBlocks.map((b) => b === null));
    expect(la.diagonalBlocks.filter((b) => b !== null).length).toBe(2); // γ and β of the LayerNormalization
    expect(values(laplace.diagonalBlocks.filter((b): b is tf.Tensor => b !== null))).toEqual(
      values(la.diagonalBlocks.filter((b): b is tf.Tensor => b !== null)),
    );
    expect(laplace.factors.map((f) => [f.layerName, f.hasBias])).toEqual(la.factors.map((f) => [f.layerName, f.hasBias]));
    expect(values(laplace.factors.flatMap((f) => [f.A, f.G]))).toEqual(values(la.factors.flatMap((f) => [f.A, f.G])));
    la.dispose();
    laplace.dispose();
  });

  for (const eigen of [true, false]) {
    it(`kron with eigendecomposition: ${eigen} on a fresh fit: same log Z in both kronPrior modes, eigenvectors ${eigen ? 'saved' : 'recomputed'}`, async () => {
      const before = tf.memory().numTensors;
      const la = await fit(model, 'kron');
      const prior = variedPrior(model, 'unitwise', 41);
      const h = toMemory();
      await saveLaplace(la, h, { eigendecomposition: eigen });
      const m = h.artifacts!.manifest;
      expect(m.eigendecomposition).toBe(eigen);
      expect(m.tensors.some((t) => t.name.startsWith('eigen/'))).toBe(eigen);
      const { laplace, prior: none } = await loadLaplace(h, model);
      expect(none).toBeNull();
      if (laplace.structure !== 'kron' || la.structure !== 'kron') throw new Error('kron expected');
      expect(laplace.hasEigendecomposition).toBe(eigen);
      // Same calls in the same order on both: the fresh fit computes what the loaded one restored or recomputes.
      expect(observe(laplace, prior, ['projected', 'exact'])).toEqual(observe(la, prior, ['projected', 'exact']));
      for (const o of [la, prior, laplace]) o.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('a loaded Laplace can be saved again to the same bytes', async () => {
    const la = await fit(model, 'kron');
    const prior = variedPrior(model, 'layerwise');
    const h1 = toMemory();
    await saveLaplace(la, h1, { prior, eigendecomposition: true });
    const loaded = await loadLaplace(h1, model);
    const h2 = toMemory();
    await saveLaplace(loaded.laplace, h2, { prior: loaded.prior!, eigendecomposition: true });
    expect(h2.artifacts!.manifest).toEqual(h1.artifacts!.manifest);
    expect(new Uint8Array(h2.artifacts!.weightData)).toEqual(new Uint8Array(h1.artifacts!.weightData));
    for (const o of [la, prior, loaded.laplace, loaded.prior!]) o.dispose();
  });
});
