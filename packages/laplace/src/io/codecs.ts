/**
 * How each curvature structure's tensors are laid out in a saved Laplace and rebuilt from it.
 * Keyed like `CURVATURE_STRUCTURES`, and typed so that a registered structure without a codec
 * fails to compile: a new structure adds one entry here.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { ModelAdapter } from '@spam/core';
import type { BaseLaplace, LaplaceInfo } from '../curvature/base.js';
import { DiagLaplace } from '../curvature/diag.js';
import { FullLaplace } from '../curvature/full.js';
import { KronLaplace, type KronLayerSpec } from '../curvature/kron.js';
import type { FactorEigen } from '../curvature/kron-eigen.js';
import type { CurvatureStructure } from '../curvature/structures.js';
import type { SavedParam } from './format.js';

/** A tensor's name and shape in a structure's layout. */
export interface LayoutEntry {
  /** Tensor name in the manifest. */
  name: string;
  /** Shape. */
  shape: number[];
}

/** One structure's persistence: its tensors in a fixed order, and how to rebuild the Laplace from them. */
export interface LaplaceCodec {
  /** The curvature tensors (θ excluded) a Laplace over `params` saves, in buffer order. */
  layout(params: readonly SavedParam[], eigen: boolean): LayoutEntry[];
  /** The Laplace's tensors in {@link LaplaceCodec.layout} order (owned by the Laplace: not to be disposed). */
  tensors(la: BaseLaplace, eigen: boolean): Tensor[];
  /** Whether the Laplace holds an optional eigendecomposition worth saving by default. */
  hasEigen(la: BaseLaplace): boolean;
  /** Rebuilds the Laplace from the tensors in layout order (takes ownership of them). */
  restore(info: LaplaceInfo, tensors: Tensor[], adapter: ModelAdapter, eigen: boolean): BaseLaplace;
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The parameters grouped by layer (consecutive entries with the same layer name), model order. */
function layersOf(params: readonly SavedParam[]): SavedParam[][] {
  const out: SavedParam[][] = [];
  for (const p of params) {
    const last = out[out.length - 1];
    if (last && last[0].layerName === p.layerName) last.push(p);
    else out.push([p]);
  }
  return out;
}

/** `kron`: per affine layer A `[fanIn, fanIn]` and G `[units, units]` (+ eigendecompositions), per other weight its diagonal. */
function kronLayout(params: readonly SavedParam[], eigen: boolean): LayoutEntry[] {
  const out: LayoutEntry[] = [];
  const eig: LayoutEntry[] = [];
  for (const layer of layersOf(params)) {
    const kernel = layer[0];
    if (!kernel.kron) {
      for (const p of layer) out.push({ name: `diag/${p.name}`, shape: [sizeOf(p.shape)] });
      continue;
    }
    const units = kernel.shape[kernel.shape.length - 1] ?? 0;
    const fanIn = units === 0 ? 0 : sizeOf(kernel.shape) / units;
    const l = kernel.layerName;
    out.push({ name: `kron/${l}/A`, shape: [fanIn, fanIn] }, { name: `kron/${l}/G`, shape: [units, units] });
    if (eigen) {
      for (const [f, n] of [
        ['A', fanIn],
        ['G', units],
      ] as const)
        eig.push({ name: `eigen/${l}/${f}/values`, shape: [n] }, { name: `eigen/${l}/${f}/Q`, shape: [n, n] });
    }
  }
  return [...out, ...eig];
}

/** Every registered structure's codec. */
export const LAPLACE_CODECS = {
  diag: {
    layout: (params) => [{ name: 'diag', shape: [params.reduce((a, p) => a + sizeOf(p.shape), 0)] }],
    tensors: (la) => [(la as DiagLaplace).diag],
    hasEigen: () => false,
    restore: (info, tensors) => new DiagLaplace(info, tensors),
  },
  kron: {
    layout: kronLayout,
    tensors(la, eigen) {
      const k = la as KronLaplace;
      const out: Tensor[] = [];
      let f = 0;
      for (const block of k.diagonalBlocks.keys()) {
        const h = k.diagonalBlocks[block];
        const p = k.params[block];
        if (h) out.push(h);
        else if (p.role === 'kernel') {
          out.push(k.factors[f].A, k.factors[f].G);
          f++;
        }
      }
      if (eigen) for (const e of k.eigendecomposition()) out.push(e.A.values, e.A.Q, e.G.values, e.G.Q);
      return out;
    },
    hasEigen: (la) => (la as KronLaplace).hasEigendecomposition,
    restore(info, tensors, adapter, eigen) {
      const layers = adapter.paramLayers.map((l): KronLayerSpec =>
        l.kind === 'weighted'
          ? { kind: 'diag', name: l.name, weights: l.weights.length }
          : { kind: 'kron', name: l.name, locations: 1, hasBias: l.bias !== null },
      );
      const nFactors = layers.filter((l) => l.kind === 'kron').length;
      const sums = eigen ? tensors.slice(0, tensors.length - 4 * nFactors) : tensors;
      let restoredEigen: Array<{ A: FactorEigen; G: FactorEigen }> | undefined;
      if (eigen) {
        const e = tensors.slice(sums.length);
        restoredEigen = Array.from({ length: nFactors }, (_, i) => ({
          A: eigenFrom(e[4 * i], e[4 * i + 1]),
          G: eigenFrom(e[4 * i + 2], e[4 * i + 3]),
        }));
      }
      return new KronLaplace(info, sums, layers, { eigen: restoredEigen });
    },
  },
  full: {
    layout: (params) => {
      const p = params.reduce((a, q) => a + sizeOf(q.shape), 0);
      return [{ name: 'H', shape: [p, p] }];
    },
    tensors: (la) => [(la as FullLaplace).H],
    hasEigen: () => false,
    restore: (info, tensors) => new FullLaplace(info, tensors),
  },
} satisfies Record<CurvatureStructure, LaplaceCodec>;

/**
 * A factor's eigendecomposition from its saved eigenvalues and eigenvectors (taking ownership of
 * both): Q∘Q and (Q∘Q)ᵀ are recomputed as `factorEigen` computes them, so they are bit-identical.
 */
function eigenFrom(values: Tensor, Q: Tensor): FactorEigen {
  const QT = tf.transpose(Q);
  const Q2T = tf.square(QT);
  QT.dispose();
  return { values, Q, Q2T, Q2: tf.square(Q) };
}
