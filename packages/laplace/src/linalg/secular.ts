/**
 * The rank-one update at the heart of divide and conquer: eigenpairs of D + ρ z zᵀ (D diagonal,
 * strictly increasing, ρ > 0, every z_j ≠ 0). The roots of the secular equation
 * f(λ) = 1 + ρ Σ z_j² / (d_j − λ) = 0 are found per interval (d_i, d_{i+1}) relative to the nearer
 * pole (so that d_j − λ is accurate), by a two-pole rational model of f (the fixed-weight method of
 * LAPACK's dlaed4) safeguarded by bisection. The eigenvectors come from Gu and Eisenstat's
 * recomputed ẑ (Löwner's formula), which makes them numerically orthogonal even for close roots.
 * @packageDocumentation
 */

import { EighNotConvergedError } from './eigh-checks.js';

const EPS = 2 ** -52;
const MAX_ITER = 200;

/** Eigenpairs of D + ρ z zᵀ. */
export interface SecularSolution {
  /** Eigenvalues λ_0 < … < λ_{k−1}. */
  lambda: Float64Array;
  /** Eigenvectors as rows, k×k: row i is the unit eigenvector of λ_i in D's coordinates. */
  vectors: Float64Array;
}

/**
 * Eigenpairs of D + ρ z zᵀ for strictly increasing `d` (length k), `z` without zero entries and ρ > 0.
 * Throws {@link EighNotConvergedError} if a root fails to converge (not expected).
 */
export function solveSecular(d: Float64Array, z: Float64Array, rho: number, k: number): SecularSolution {
  const lambda = new Float64Array(k);
  const delta = new Float64Array(k * k); // delta[i*k + j] = d_j − λ_i, accurately
  const rz2 = new Float64Array(k);
  let znorm2 = 0;
  for (let j = 0; j < k; j++) {
    rz2[j] = rho * z[j] * z[j];
    znorm2 += rz2[j];
  }
  for (let i = 0; i < k; i++) lambda[i] = solveRoot(d, rz2, k, i, znorm2, delta.subarray(i * k, i * k + k));
  return { lambda, vectors: lownerVectors(d, z, rho, k, delta) };
}

/** The i-th root; fills row = d_j − λ_i for every j and returns λ_i. */
function solveRoot(d: Float64Array, rz2: Float64Array, k: number, i: number, znorm2: number, row: Float64Array): number {
  const last = i === k - 1;
  let origin = i;
  let lo: number;
  let hi: number;
  if (last) {
    lo = 0;
    hi = znorm2;
  } else {
    const gap = d[i + 1] - d[i];
    const mid = gap / 2;
    let f = 1;
    for (let j = 0; j < k; j++) f += rz2[j] / (d[j] - d[i] - mid);
    if (f > 0) {
      lo = 0;
      hi = mid;
    } else {
      origin = i + 1;
      lo = d[i] + mid - d[i + 1];
      hi = 0;
    }
  }
  const dOrigin = d[origin];
  for (let j = 0; j < k; j++) row[j] = d[j] - dOrigin; // δ_j, exact at the origin
  let tau = 0.5 * (lo + hi);
  for (let iter = 0; iter < MAX_ITER; iter++) {
    let psi = 0;
    let dpsi = 0;
    let phi = 0;
    let dphi = 0;
    for (let j = 0; j <= i; j++) {
      const t = 1 / (row[j] - tau);
      const v = rz2[j] * t;
      psi += v;
      dpsi += v * t;
    }
    for (let j = i + 1; j < k; j++) {
      const t = 1 / (row[j] - tau);
      const v = rz2[j] * t;
      phi += v;
      dphi += v * t;
    }
    const f = 1 + psi + phi;
    const bound = EPS * (8 * (phi - psi) + 1 + Math.abs(tau) * (dpsi + dphi));
    if (Math.abs(f) <= bound) break;
    if (f > 0) hi = tau;
    else lo = tau;
    let next = Number.NaN;
    const dlo = row[i] - tau;
    if (last) {
      const c = 1 + psi - dpsi * dlo;
      if (c !== 0) next = tau + dlo + (dpsi * dlo * dlo) / c;
    } else {
      const dhi = row[i + 1] - tau;
      const sLo = dpsi * dlo * dlo;
      const sHi = dphi * dhi * dhi;
      const c = 1 + (psi - dpsi * dlo) + (phi - dphi * dhi);
      next = tau + modelStep(c, -(c * (dlo + dhi) + sLo + sHi), f * dlo * dhi, lo - tau, hi - tau);
    }
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (next === tau || hi - lo <= 2 * EPS * Math.max(Math.abs(lo), Math.abs(hi))) {
      tau = next;
      break;
    }
    tau = next;
    if (iter === MAX_ITER - 1) {
      throw new EighNotConvergedError(`eigh: the secular equation of a ${k}-pole divide-and-conquer merge did not converge (root ${i})`);
    }
  }
  for (let j = 0; j < k; j++) row[j] -= tau;
  return dOrigin + tau;
}

/** The root η of a η² + b η + c = 0 inside (lo, hi), NaN if none (the caller bisects). */
function modelStep(a: number, b: number, c: number, lo: number, hi: number): number {
  if (a === 0) return b !== 0 ? -c / b : Number.NaN;
  const disc = Math.max(b * b - 4 * a * c, 0);
  const q = -0.5 * (b + (b >= 0 ? 1 : -1) * Math.sqrt(disc));
  const r1 = q / a;
  const r2 = q !== 0 ? c / q : Number.NaN;
  if (r1 > lo && r1 < hi) return r1;
  if (r2 > lo && r2 < hi) return r2;
  return Number.NaN;
}

/**
 * Gu–Eisenstat: ẑ_j² = (λ_j − d_j)/ρ · Π_{i≠j} (λ_i − d_j)/(d_i − d_j) makes the computed λ exact
 * eigenvalues of D + ρ ẑ ẑᵀ; the eigenvector of λ_i is ẑ_j / (d_j − λ_i), normalised.
 */
function lownerVectors(d: Float64Array, z: Float64Array, rho: number, k: number, delta: Float64Array): Float64Array {
  const zhat = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let w = -delta[j * k + j] / rho;
    for (let i = 0; i < k; i++) if (i !== j) w *= -delta[i * k + j] / (d[i] - d[j]);
    zhat[j] = (z[j] >= 0 ? 1 : -1) * Math.sqrt(Math.max(w, 0));
  }
  const vectors = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    const o = i * k;
    let s = 0;
    for (let j = 0; j < k; j++) {
      const v = zhat[j] / delta[o + j];
      vectors[o + j] = v;
      s += v * v;
    }
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < k; j++) vectors[o + j] *= inv;
  }
  return vectors;
}
