/**
 * Symmetric eigendecomposition A = Q diag(λ) Qᵀ in float64 JavaScript (tfjs has none), LAPACK
 * dsyevd's route: exactly-zero rows are deflated (dead units, constant-zero inputs), the rest is
 * scaled to max-norm 1, reduced to tridiagonal form by Householder ({@link tridiagonalize}),
 * diagonalised by divide and conquer ({@link tridiagonalEigen}) and transformed back
 * ({@link applyReflectors}). Eigenvalues come out ascending.
 */

import { checkEighArgs, checkEighResult } from './eigh-checks.js';
import { applyReflectors, tridiagonalize } from './tridiagonal.js';
import { tridiagonalEigen } from './tridiagonal-eigen.js';
import { tridiagonalQL } from './tridiagonal-ql.js';

/** Result of {@link eigh}. */
export interface Eigh {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** Eigenvectors as rows: `vectors[i * n + k]` is component k of eigenvector i. */
  vectors: Float64Array;
  /** Matrix size n. */
  n: number;
}

/** Options of {@link eigh}. */
export interface EighOptions {
  /** Set eigenvalues below zero to zero (PSD factors with round-off). Default false. */
  clampNegative?: boolean;
}

/**
 * Eigendecomposition of the symmetric part ½(A + Aᵀ) of a row-major n×n matrix.
 * Survives singular and repeated-eigenvalue matrices (zero rows from dead ReLUs, identities).
 * Throws `ShapeMismatchError` when `a` does not hold n² entries, `InvalidOptionError` for a bad
 * `n` or `options`, `NonFiniteError` for a NaN/Inf entry or a result that overflowed.
 */
export function eigh(a: ArrayLike<number>, n: number, options: EighOptions = {}): Eigh {
  const clamp = checkEighArgs('eigh', a, n, options);
  const out = eighUnchecked(a, n, clamp);
  checkEighResult('eigh', n, out.values, out.vectors);
  return out;
}

function eighUnchecked(a: ArrayLike<number>, n: number, clamp: boolean): Eigh {
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) w[i * n + j] = 0.5 * a[i * n + j] + 0.5 * a[j * n + i];
  }
  // Deflate rows/columns that are exactly zero (dead units, constant-zero inputs): eigenvalue 0, unit vector.
  const live = liveIndices(w, n);
  if (live.length === n) return eighDense(w, n, clamp);
  const m = live.length;
  const inner = eighDense(submatrix(w, n, live), m, clamp);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  const order = [...Array.from({ length: n - m }, () => -1), ...Array.from({ length: m }, (_, i) => i)];
  // Merge the zero eigenvalues into the ascending order.
  const entries = order.map((k, idx) => ({ value: k < 0 ? 0 : inner.values[k], k, idx }));
  entries.sort((a, b) => a.value - b.value || a.idx - b.idx);
  const dead = Array.from({ length: n }, (_, i) => i).filter((i) => !live.includes(i));
  let nextDead = 0;
  entries.forEach((en, row) => {
    values[row] = en.value;
    if (en.k < 0) vectors[row * n + dead[nextDead++]] = 1;
    else live.forEach((c, j) => (vectors[row * n + c] = inner.vectors[en.k * m + j]));
  });
  return { values, vectors, n };
}

/**
 * Eigenvalues only (ascending) of the symmetric part of a row-major n×n matrix: Householder
 * reduction without accumulating the transform, then QL without vectors — about a third of
 * {@link eigh}'s work. Enough for log det(s·A⊗G + δI) with a scalar or layer-wise prior.
 * Errors as {@link eigh}.
 */
export function eigvalsh(a: ArrayLike<number>, n: number, options: EighOptions = {}): Float64Array {
  const clamp = checkEighArgs('eigvalsh', a, n, options);
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) w[i * n + j] = 0.5 * a[i * n + j] + 0.5 * a[j * n + i];
  const live = liveIndices(w, n);
  const m = live.length;
  const sub = m === n ? w : submatrix(w, n, live);
  const d = new Float64Array(n); // dead rows contribute zeros at the end before sorting
  const norm = scaleToUnit(sub);
  if (m > 0 && norm !== 0) {
    const t = tridiagonalize(sub, m);
    tridiagonalQL(t.d, t.e, m);
    for (let i = 0; i < m; i++) d[i] = t.d[i] * norm;
  }
  d.sort();
  checkEighResult('eigvalsh', n, d);
  if (clamp) for (let i = 0; i < n; i++) if (d[i] < 0) d[i] = 0;
  return d;
}

/** Indices of the rows of a symmetric matrix that are not entirely zero. */
function liveIndices(w: Float64Array, n: number): number[] {
  const live: number[] = [];
  for (let i = 0; i < n; i++) {
    let any = false;
    for (let j = 0; j < n && !any; j++) any = w[i * n + j] !== 0;
    if (any) live.push(i);
  }
  return live;
}

/** The rows and columns `idx` of an n×n matrix. */
function submatrix(w: Float64Array, n: number, idx: number[]): Float64Array {
  const m = idx.length;
  const sub = new Float64Array(m * m);
  idx.forEach((r, i) => idx.forEach((c, j) => (sub[i * m + j] = w[r * n + c])));
  return sub;
}

/**
 * Eigendecomposition of a symmetric matrix held in `w` (overwritten): scaled to max-norm 1,
 * Householder tridiagonalisation, divide and conquer on the tridiagonal, back-transformation.
 */
function eighDense(w: Float64Array, n: number, clamp: boolean): Eigh {
  const norm = scaleToUnit(w);
  if (norm === 0 || n === 1) {
    const values = new Float64Array(n).fill(n === 1 ? w[0] * norm : 0);
    const vectors = new Float64Array(n * n);
    for (let i = 0; i < n; i++) vectors[i * n + i] = 1;
    return sortAscending(values, vectors, n, clamp);
  }
  const { d, e, tau } = tridiagonalize(w, n);
  const { values, vectors } = tridiagonalEigen(d, e, n);
  applyReflectors(w, tau, n, vectors);
  for (let i = 0; i < n; i++) values[i] *= norm;
  return sortAscending(values, vectors, n, clamp);
}

/** Divides `w` by its largest absolute entry (so squares neither overflow nor underflow) and returns that entry. */
function scaleToUnit(w: Float64Array): number {
  let norm = 0;
  for (let i = 0; i < w.length; i++) norm = Math.max(norm, Math.abs(w[i]));
  if (norm !== 0 && norm !== 1) for (let i = 0; i < w.length; i++) w[i] /= norm;
  return norm;
}

function sortAscending(d: Float64Array, w: Float64Array, n: number, clamp: boolean): Eigh {
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[x] - d[y]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = clamp && d[src] < 0 ? 0 : d[src];
    vectors.set(w.subarray(src * n, src * n + n), dst * n);
  });
  return { values, vectors, n };
}
