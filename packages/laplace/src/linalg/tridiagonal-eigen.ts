/**
 * Eigendecomposition of a symmetric tridiagonal matrix by Cuppen's divide and conquer, as LAPACK's
 * dstedc/dlaed0–3: split T in halves by a rank-one tear, solve the halves recursively (implicit QL
 * below {@link LEAF} rows), and merge through the secular equation ({@link solveSecular}) after
 * deflating negligible and near-coincident components. The merge's work is one product of the
 * block-diagonal eigenvector matrix with the secular eigenvectors, skipping the zero blocks and the
 * deflated columns, so it costs at most ~4/3 n³ flops in all and far less on the clustered spectra
 * of KFAC factors. Eigenvectors are kept as rows of one n×n matrix.
 * @packageDocumentation
 */

import { solveSecular } from './secular.js';
import { tridiagonalQL } from './tridiagonal-ql.js';

const EPS = 2 ** -52;
/** Blocks up to this size are solved by implicit QL. */
export const LEAF = 32;

/** Eigenpairs of a symmetric tridiagonal matrix. */
export interface TridiagonalEigen {
  /** Eigenvalues, unordered; `values[i]` belongs to row i of `vectors`. */
  values: Float64Array;
  /** Eigenvectors as rows, n×n row-major. */
  vectors: Float64Array;
}

/**
 * Eigenpairs of the n×n symmetric tridiagonal with diagonal `d` and sub-diagonal `e` (`e[i]` couples
 * i and i+1; neither is modified). The matrix is scaled to max-norm 1 first, so huge and tiny
 * entries neither overflow nor underflow.
 */
export function tridiagonalEigen(d: ArrayLike<number>, e: ArrayLike<number>, n: number): TridiagonalEigen {
  const values = new Float64Array(n);
  const sub = new Float64Array(Math.max(n - 1, 0));
  const vectors = new Float64Array(n * n);
  let norm = 0;
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(d[i]));
  for (let i = 0; i < n - 1; i++) norm = Math.max(norm, Math.abs(e[i]));
  if (norm === 0) {
    for (let i = 0; i < n; i++) vectors[i * n + i] = 1;
    return { values, vectors };
  }
  for (let i = 0; i < n; i++) values[i] = d[i] / norm;
  for (let i = 0; i < n - 1; i++) sub[i] = e[i] / norm;
  solve(values, sub, vectors, n, 0, n);
  for (let i = 0; i < n; i++) values[i] *= norm;
  return { values, vectors };
}

/** Solves the block [off, off+s) in place: d → eigenvalues, rows off.. of z → eigenvectors. */
function solve(d: Float64Array, e: Float64Array, z: Float64Array, n: number, off: number, s: number): void {
  if (s <= LEAF) {
    for (let i = 0; i < s; i++) z[(off + i) * n + off + i] = 1;
    tridiagonalQL(d.subarray(off, off + s), e.subarray(off, off + s - 1), s, z, n, off);
    return;
  }
  const n1 = s >> 1;
  const beta = e[off + n1 - 1];
  const rho = Math.abs(beta);
  d[off + n1 - 1] -= rho;
  d[off + n1] -= rho;
  solve(d, e, z, n, off, n1);
  solve(d, e, z, n, off + n1, s - n1);
  merge(d, z, n, off, n1, s, beta);
}

/** Row kinds during a merge: nonzero only in the first half's columns, only the second's, or both. */
const UPPER = 0;
const LOWER = 1;
const DENSE = 2;

/**
 * Merges the solved halves [off, off+n1) and [off+n1, off+s) of the block torn at β:
 * T = diag(T₁, T₂) + |β| w wᵀ with w = e_{n1−1} + sign(β) e_{n1}, in the eigenbases of the halves
 * D + ρ z zᵀ with ρ = 2|β| and z = Qᵀw/√2.
 */
function merge(d: Float64Array, z: Float64Array, n: number, off: number, n1: number, s: number, beta: number): void {
  const rho = 2 * Math.abs(beta);
  const sign = beta >= 0 ? 1 : -1;
  const zv = new Float64Array(s);
  const kind = new Uint8Array(s);
  for (let j = 0; j < s; j++) {
    const row = (off + j) * n;
    if (j < n1) zv[j] = z[row + off + n1 - 1] * Math.SQRT1_2;
    else {
      zv[j] = sign * z[row + off + n1] * Math.SQRT1_2;
      kind[j] = LOWER;
    }
  }
  let zmax = 0;
  let dmax = 0;
  for (let j = 0; j < s; j++) {
    zmax = Math.max(zmax, Math.abs(zv[j]));
    dmax = Math.max(dmax, Math.abs(d[off + j]));
  }
  const tol = 8 * EPS * Math.max(dmax, zmax);
  if (rho * zmax <= tol) return; // the tear is negligible: the halves' eigenpairs are T's
  const kept = deflate(d, z, n, off, n1, s, zv, kind, rho, tol);
  const k = kept.length;
  if (k === 0) return;
  kept.sort((a, b) => d[off + a] - d[off + b]);
  const dk = new Float64Array(k);
  const zk = new Float64Array(k);
  kept.forEach((j, i) => {
    dk[i] = d[off + j];
    zk[i] = zv[j];
  });
  const { lambda, vectors } = solveSecular(dk, zk, rho, k);
  const updated = combineRows(z, n, off, n1, s, kept, kind, vectors);
  kept.forEach((j, i) => {
    z.set(updated.subarray(i * s, i * s + s), (off + j) * n + off);
    d[off + j] = lambda[i];
  });
}

/**
 * Deflation (dlaed2): a component with ρ|z_j| ≤ tol keeps its eigenpair; two components whose
 * poles are close enough that a Givens rotation zeroing one z entry perturbs T by ≤ tol are
 * rotated (rows of z and the 2×2 of D) and the zeroed one keeps its pair. Returns the remaining
 * (non-deflated) local indices.
 */
function deflate(
  d: Float64Array,
  z: Float64Array,
  n: number,
  off: number,
  n1: number,
  s: number,
  zv: Float64Array,
  kind: Uint8Array,
  rho: number,
  tol: number,
): number[] {
  const order = Array.from({ length: s }, (_, j) => j).sort((a, b) => d[off + a] - d[off + b]);
  const kept: number[] = [];
  let pj = -1;
  for (const nj of order) {
    if (rho * Math.abs(zv[nj]) <= tol) continue;
    if (pj < 0) {
      pj = nj;
      continue;
    }
    const r = Math.hypot(zv[nj], zv[pj]);
    const c = zv[nj] / r;
    const sn = -zv[pj] / r;
    const t = d[off + nj] - d[off + pj];
    if (Math.abs(t * c * sn) <= tol) {
      zv[nj] = r;
      zv[pj] = 0;
      rotateRows(z, n, off, n1, s, pj, nj, kind, c, sn);
      const dp = d[off + pj];
      const dn = d[off + nj];
      d[off + pj] = dp * c * c + dn * sn * sn;
      d[off + nj] = dp * sn * sn + dn * c * c;
    } else kept.push(pj);
    pj = nj;
  }
  if (pj >= 0) kept.push(pj);
  return kept;
}

/** Rows p, q of the block ← (c·p + s·q, c·q − s·p), over the columns either can be nonzero in. */
function rotateRows(
  z: Float64Array,
  n: number,
  off: number,
  n1: number,
  s: number,
  p: number,
  q: number,
  kind: Uint8Array,
  c: number,
  sn: number,
): void {
  const same = kind[p] === kind[q] && kind[p] !== DENSE;
  const [c0, c1] = same ? columnRange(kind[p], off, n1, s) : [off, off + s];
  const rp = (off + p) * n;
  const rq = (off + q) * n;
  for (let col = c0; col < c1; col++) {
    const x = z[rp + col];
    const y = z[rq + col];
    z[rp + col] = c * x + sn * y;
    z[rq + col] = c * y - sn * x;
  }
  if (!same) kind[p] = kind[q] = DENSE;
}

function columnRange(kind: number, off: number, n1: number, s: number): [number, number] {
  if (kind === UPPER) return [off, off + n1];
  if (kind === LOWER) return [off + n1, off + s];
  return [off, off + s];
}

/**
 * The new eigenvectors: row i = Σ_j u_i[j] · (row kept[j] of the block), k×s. The kept rows are
 * grouped by kind so that each product runs only over the columns the row can be nonzero in,
 * four source rows and four result rows at a time.
 */
function combineRows(
  z: Float64Array,
  n: number,
  off: number,
  n1: number,
  s: number,
  kept: number[],
  kind: Uint8Array,
  u: Float64Array,
): Float64Array {
  const k = kept.length;
  const out = new Float64Array(k * s);
  for (const kd of [UPPER, LOWER, DENSE]) {
    const idx = kept.map((_, j) => j).filter((j) => kind[kept[j]] === kd);
    if (idx.length === 0) continue;
    const [c0, c1] = columnRange(kd, off, n1, s);
    const src = idx.map((j) => (off + kept[j]) * n);
    let i = 0;
    for (; i + 4 <= k; i += 4) rowQuadProduct(z, out, u, k, s, off, c0, c1, idx, src, i);
    for (; i < k; i++) {
      const oo = i * s - off;
      for (let g = 0; g < idx.length; g++) {
        const coef = u[i * k + idx[g]];
        const b = src[g];
        for (let col = c0; col < c1; col++) out[oo + col] += coef * z[b + col];
      }
    }
  }
  return out;
}

/** out rows i..i+3 += Σ_g u[·, idx[g]] · z row src[g] over columns [c0, c1): 4 result rows × 4 source rows per tile. */
function rowQuadProduct(
  z: Float64Array,
  out: Float64Array,
  u: Float64Array,
  k: number,
  s: number,
  off: number,
  c0: number,
  c1: number,
  idx: number[],
  src: number[],
  i: number,
): void {
  const o0 = i * s - off;
  const o1 = o0 + s;
  const o2 = o1 + s;
  const o3 = o2 + s;
  const u0 = i * k;
  const u1 = u0 + k;
  const u2 = u1 + k;
  const u3 = u2 + k;
  let g = 0;
  for (; g + 4 <= idx.length; g += 4) {
    const j0 = idx[g];
    const j1 = idx[g + 1];
    const j2 = idx[g + 2];
    const j3 = idx[g + 3];
    const a0 = u[u0 + j0];
    const a1 = u[u0 + j1];
    const a2 = u[u0 + j2];
    const a3 = u[u0 + j3];
    const b0 = u[u1 + j0];
    const b1 = u[u1 + j1];
    const b2 = u[u1 + j2];
    const b3 = u[u1 + j3];
    const c0_ = u[u2 + j0];
    const c1_ = u[u2 + j1];
    const c2 = u[u2 + j2];
    const c3 = u[u2 + j3];
    const d0 = u[u3 + j0];
    const d1 = u[u3 + j1];
    const d2 = u[u3 + j2];
    const d3 = u[u3 + j3];
    const s0 = src[g];
    const s1 = src[g + 1];
    const s2 = src[g + 2];
    const s3 = src[g + 3];
    for (let col = c0; col < c1; col++) {
      const x0 = z[s0 + col];
      const x1 = z[s1 + col];
      const x2 = z[s2 + col];
      const x3 = z[s3 + col];
      out[o0 + col] += a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3;
      out[o1 + col] += b0 * x0 + b1 * x1 + b2 * x2 + b3 * x3;
      out[o2 + col] += c0_ * x0 + c1_ * x1 + c2 * x2 + c3 * x3;
      out[o3 + col] += d0 * x0 + d1 * x1 + d2 * x2 + d3 * x3;
    }
  }
  for (; g < idx.length; g++) {
    const j = idx[g];
    const a = u[u0 + j];
    const b = u[u1 + j];
    const c = u[u2 + j];
    const d = u[u3 + j];
    const sg = src[g];
    for (let col = c0; col < c1; col++) {
      const x = z[sg + col];
      out[o0 + col] += a * x;
      out[o1 + col] += b * x;
      out[o2 + col] += c * x;
      out[o3 + col] += d * x;
    }
  }
}
