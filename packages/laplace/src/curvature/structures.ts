/**
 * The curvature structures `fitLaplace` can build, keyed by name. This record is the one place a
 * structure is registered: to add one, write its file beside `diag.ts` (an accumulator and a
 * `BaseLaplace` subclass, exported as a {@link StructureSpec}) and add one entry here. The
 * `CurvatureStructure` union, `LaplaceFor`, the option validation and the docs' list of valid
 * values all derive from it.
 * @packageDocumentation
 */
import { diagStructure } from './diag.js';
import { fullStructure } from './full.js';
import { kronStructure } from './kron.js';
import type { StructureSpec } from './base.js';

/** Every curvature structure, by the name users pass as `structure`. */
export const CURVATURE_STRUCTURES = {
  diag: diagStructure,
  kron: kronStructure,
  full: fullStructure,
} as const satisfies Record<string, StructureSpec>;

/** Curvature structures: diagonal, Kronecker-factored (KFAC) or the full dense matrix (tiny nets). */
export type CurvatureStructure = keyof typeof CURVATURE_STRUCTURES;

/** The Laplace class that `fitLaplace` returns for a structure. */
export type LaplaceFor<S extends CurvatureStructure> = ReturnType<(typeof CURVATURE_STRUCTURES)[S]['create']>;

/** A fitted Laplace curvature of any registered structure. */
export type Laplace = LaplaceFor<CurvatureStructure>;

/** The names of every registered structure, in registration order. */
export const CURVATURE_STRUCTURE_NAMES = Object.keys(CURVATURE_STRUCTURES) as readonly CurvatureStructure[];
