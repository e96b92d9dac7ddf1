/**
 * Householder reduction of a symmetric matrix to tridiagonal form, A = Q T Qᵀ with
 * Q = H₀ H₁ ⋯ H_{n−3}, and the back-transformation of T's eigenvectors by Q. Row-major and
 * cache-friendly: the reduction works on the lower triangle only and fuses, per step, the
 * symmetric rank-2 update of the previous step with the matrix–vector product of the current one
 * (one pass over the trailing triangle per step, every inner loop over contiguous memory, as
 * LAPACK's dsytd2 with the update delayed by one step). The reflectors are kept in the unused
 * upper triangle, row k holding reflector k, so the back-transformation reads them contiguously.
 * @packageDocumentation
 */

/** T = Qᵀ A Q as its diagonal and sub-diagonal, and the Householder scalars of Q. */
export interface Tridiagonal {
  /** Diagonal of T, length n. */
  d: Float64Array;
  /** Sub-diagonal of T: `e[i]` couples rows i and i+1, length n − 1. */
  e: Float64Array;
  /** Householder scalars: H_k = I − tau[k] u_k u_kᵀ; tau[k] = 0 for an identity step. */
  tau: Float64Array;
}

/**
 * Reduces the symmetric n×n row-major matrix `a` (both triangles valid; overwritten) to tridiagonal
 * form. On return row k of `a` holds reflector k's vector u_k in columns k+2..n−1 (u_k is zero
 * before column k+1 and 1 at column k+1), for {@link applyReflectors}.
 */
export function tridiagonalize(a: Float64Array, n: number): Tridiagonal {
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(n - 1, 0));
  const tau = new Float64Array(Math.max(n - 1, 0));
  if (n === 0) return { d, e, tau };
  let pv = new Float64Array(n); // pending rank-2 update A −= pv pwᵀ + pw pvᵀ (previous step)
  let pw = new Float64Array(n);
  let u = new Float64Array(n);
  let p = new Float64Array(n);
  let pending = false;
  for (let k = 0; k < n - 2; k++) {
    if (pending) {
      const pvk = pv[k];
      const pwk = pw[k];
      for (let i = k; i < n; i++) a[i * n + k] -= pv[i] * pwk + pw[i] * pvk;
    }
    d[k] = a[k * n + k];
    const t = householder(a, n, k, u);
    e[k] = u[k]; // householder() leaves β in u[k]
    tau[k] = t;
    for (let j = k + 2; j < n; j++) a[k * n + j] = u[j];
    fusedPass(a, n, k + 1, u, p, pending ? pv : null, pw);
    // w = τ A u − ½ τ² (uᵀ A u) u
    let dot = 0;
    for (let j = k + 1; j < n; j++) {
      p[j] *= t;
      dot += p[j] * u[j];
    }
    const alpha = -0.5 * t * dot;
    for (let j = k + 1; j < n; j++) p[j] += alpha * u[j];
    [pv, u] = [u, pv];
    [pw, p] = [p, pw];
    pending = true;
  }
  // The last 2×2 (or 1×1) block, with the last pending update.
  const k = Math.max(n - 2, 0);
  for (let i = k; i < n; i++) {
    for (let j = k; j <= i; j++) if (pending) a[i * n + j] -= pv[i] * pw[j] + pw[i] * pv[j];
  }
  d[k] = a[k * n + k];
  if (n >= 2) {
    e[n - 2] = a[(n - 1) * n + (n - 2)];
    d[n - 1] = a[(n - 1) * n + (n - 1)];
  }
  return { d, e, tau };
}

/**
 * The Householder reflector of column k below the diagonal, x = a[k+1.., k]: fills u (u[k+1] = 1,
 * u[k+2..] scaled), puts β (H x = β e₁) in u[k] and returns τ (0 when x has nothing below its first entry).
 */
function householder(a: Float64Array, n: number, k: number, u: Float64Array): number {
  const alpha = a[(k + 1) * n + k];
  let xnorm2 = 0;
  for (let i = k + 2; i < n; i++) {
    const x = a[i * n + k];
    xnorm2 += x * x;
  }
  u[k + 1] = 1;
  if (xnorm2 === 0) {
    for (let i = k + 2; i < n; i++) u[i] = 0;
    u[k] = alpha;
    return 0;
  }
  const beta = (alpha >= 0 ? -1 : 1) * Math.sqrt(alpha * alpha + xnorm2);
  const scale = 1 / (alpha - beta);
  for (let i = k + 2; i < n; i++) u[i] = a[i * n + k] * scale;
  u[k] = beta;
  return (beta - alpha) / beta;
}

/**
 * One pass over the trailing lower triangle (rows and columns ≥ s): applies the pending update
 * (when `pv` is given) and accumulates p = A u, reading each row once and contiguously.
 */
function fusedPass(
  a: Float64Array,
  n: number,
  s: number,
  u: Float64Array,
  p: Float64Array,
  pv: Float64Array | null,
  pw: Float64Array,
): void {
  for (let j = s; j < n; j++) p[j] = 0;
  for (let i = s; i < n; i++) {
    const row = i * n;
    const ui = u[i];
    let acc = 0;
    if (pv) {
      const pvi = pv[i];
      const pwi = pw[i];
      for (let j = s; j < i; j++) {
        const x = a[row + j] - pvi * pw[j] - pwi * pv[j];
        a[row + j] = x;
        acc += x * u[j];
        p[j] += x * ui;
      }
      const x = a[row + i] - 2 * pvi * pwi;
      a[row + i] = x;
      p[i] += acc + x * ui;
    } else {
      for (let j = s; j < i; j++) {
        const x = a[row + j];
        acc += x * u[j];
        p[j] += x * ui;
      }
      p[i] += acc + a[row + i] * ui;
    }
  }
}

/**
 * Back-transformation: replaces each of the `rows` rows z of `z` (row stride n; eigenvectors of T)
 * by Q z = H₀(H₁(⋯ H_{n−3} z)), with the reflectors left in `a` by {@link tridiagonalize}. Four rows
 * at a time, so every reflector is read once per four vectors.
 */
export function applyReflectors(a: Float64Array, tau: Float64Array, n: number, z: Float64Array, rows = n): void {
  let r = 0;
  for (; r + 4 <= rows; r += 4) applyToFour(a, tau, n, z, r * n);
  for (; r < rows; r++) applyToOne(a, tau, n, z, r * n);
}

function applyToFour(a: Float64Array, tau: Float64Array, n: number, z: Float64Array, o0: number): void {
  const o1 = o0 + n;
  const o2 = o1 + n;
  const o3 = o2 + n;
  for (let k = n - 3; k >= 0; k--) {
    const t = tau[k];
    if (t === 0) continue;
    const vo = k * n;
    const k1 = k + 1;
    let s0 = z[o0 + k1];
    let s1 = z[o1 + k1];
    let s2 = z[o2 + k1];
    let s3 = z[o3 + k1];
    for (let j = k + 2; j < n; j++) {
      const v = a[vo + j];
      s0 += v * z[o0 + j];
      s1 += v * z[o1 + j];
      s2 += v * z[o2 + j];
      s3 += v * z[o3 + j];
    }
    s0 *= t;
    s1 *= t;
    s2 *= t;
    s3 *= t;
    z[o0 + k1] -= s0;
    z[o1 + k1] -= s1;
    z[o2 + k1] -= s2;
    z[o3 + k1] -= s3;
    for (let j = k + 2; j < n; j++) {
      const v = a[vo + j];
      z[o0 + j] -= s0 * v;
      z[o1 + j] -= s1 * v;
      z[o2 + j] -= s2 * v;
      z[o3 + j] -= s3 * v;
    }
  }
}

function applyToOne(a: Float64Array, tau: Float64Array, n: number, z: Float64Array, o: number): void {
  for (let k = n - 3; k >= 0; k--) {
    const t = tau[k];
    if (t === 0) continue;
    const vo = k * n;
    let s = z[o + k + 1];
    for (let j = k + 2; j < n; j++) s += a[vo + j] * z[o + j];
    s *= t;
    z[o + k + 1] -= s;
    for (let j = k + 2; j < n; j++) z[o + j] -= s * a[vo + j];
  }
}
