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
  let pv = new Float64Array(n); // pending rank-2 update A −= pv pwᵀ + pw pvᵀ of the previous step (zero at first)
  let pw = new Float64Array(n);
  let u = new Float64Array(n);
  let p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    const pvk = pv[k];
    const pwk = pw[k];
    for (let i = k; i < n; i++) a[i * n + k] -= pv[i] * pwk + pw[i] * pvk;
    d[k] = a[k * n + k];
    const t = householder(a, n, k, u);
    e[k] = u[k]; // householder() leaves β in u[k]
    tau[k] = t;
    for (let j = k + 2; j < n; j++) a[k * n + j] = u[j];
    fusedPass(a, n, k + 1, u, p, pv, pw); // pv = pw = 0 before the first update
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
  }
  // The last 2×2 (or 1×1) block, with the last pending update.
  const k = Math.max(n - 2, 0);
  for (let i = k; i < n; i++) {
    for (let j = k; j <= i; j++) a[i * n + j] -= pv[i] * pw[j] + pw[i] * pv[j];
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
 * A −= pv pwᵀ + pw pvᵀ (zero vectors at the first step) and accumulates p = A u, reading each row
 * once and contiguously, two rows at a time so that pv[j], pw[j], u[j] and p[j] are loaded once
 * for both (and two independent dot-product chains run side by side).
 */
function fusedPass(a: Float64Array, n: number, s: number, u: Float64Array, p: Float64Array, pv: Float64Array, pw: Float64Array): void {
  for (let j = s; j < n; j++) p[j] = 0;
  let i = s;
  for (; i + 1 < n; i += 2) {
    const r0 = i * n;
    const r1 = r0 + n;
    const u0 = u[i];
    const u1 = u[i + 1];
    const v0 = pv[i];
    const v1 = pv[i + 1];
    const w0 = pw[i];
    const w1 = pw[i + 1];
    let acc0 = 0;
    let acc1 = 0;
    for (let j = s; j < i; j++) {
      const pvj = pv[j];
      const pwj = pw[j];
      const uj = u[j];
      const x0 = a[r0 + j] - v0 * pwj - w0 * pvj;
      const x1 = a[r1 + j] - v1 * pwj - w1 * pvj;
      a[r0 + j] = x0;
      a[r1 + j] = x1;
      acc0 += x0 * uj;
      acc1 += x1 * uj;
      p[j] += x0 * u0 + x1 * u1;
    }
    const x = a[r0 + i] - 2 * v0 * w0; // (i, i)
    const y = a[r1 + i] - v1 * w0 - w1 * v0; // (i+1, i)
    const z = a[r1 + i + 1] - 2 * v1 * w1; // (i+1, i+1)
    a[r0 + i] = x;
    a[r1 + i] = y;
    a[r1 + i + 1] = z;
    p[i] += acc0 + x * u0 + y * u1;
    p[i + 1] += acc1 + y * u0 + z * u1;
  }
  if (i < n) {
    const row = i * n;
    const ui = u[i];
    const pvi = pv[i];
    const pwi = pw[i];
    let acc = 0;
    for (let j = s; j < i; j++) {
      const x = a[row + j] - pvi * pw[j] - pwi * pv[j];
      a[row + j] = x;
      acc += x * u[j];
      p[j] += x * ui;
    }
    const x = a[row + i] - 2 * pvi * pwi;
    a[row + i] = x;
    p[i] += acc + x * ui;
  }
}

/** Reflectors per block of the back-transformation. */
const BLOCK = 32;

/**
 * Back-transformation: replaces each of the `rows` rows z of `z` (row stride n; eigenvectors of T)
 * by Q z = H₀(H₁(⋯ H_{n−3} z)), with the reflectors left in `a` by {@link tridiagonalize}. Blocked
 * (LAPACK dormtr): a block of reflectors H_k⋯H_{k+b−1} = I − V T Vᵀ (compact WY, dlarft) is applied
 * to all rows at once as Y = Z V, Y ← Y Tᵀ, Z −= Y Vᵀ, two matrix products with register tiles.
 */
export function applyReflectors(a: Float64Array, tau: Float64Array, n: number, z: Float64Array, rows = n): void {
  const last = n - 3; // reflectors 0..n−3 (reflector n−2 is the identity)
  if (last < 0) return;
  const y = new Float64Array(rows * BLOCK);
  for (let kb = Math.floor(last / BLOCK) * BLOCK; kb >= 0; kb -= BLOCK) {
    const b = Math.min(BLOCK, last + 1 - kb);
    const c0 = kb + 1; // first column any reflector of the block touches
    const width = n - c0;
    const v = blockVectors(a, n, kb, b, c0, width);
    const t = blockT(v, tau, kb, b, width);
    multiplyZV(z, n, rows, c0, width, v, b, y);
    for (let r = 0; r < rows; r++) applyTTransposed(y, r * BLOCK, t, b);
    updateZ(z, n, rows, c0, width, v, b, y);
  }
}

/** The block's reflector vectors as rows of a b×width matrix over columns c0..n−1 (explicit 1 and zeros). */
function blockVectors(a: Float64Array, n: number, kb: number, b: number, c0: number, width: number): Float64Array {
  const v = new Float64Array(b * width);
  for (let i = 0; i < b; i++) {
    const k = kb + i;
    const o = i * width - c0;
    v[o + k + 1] = 1;
    for (let j = k + 2; j < n; j++) v[o + j] = a[k * n + j];
  }
  return v;
}

/** dlarft (forward, row-wise vectors): upper-triangular T with H_kb⋯H_{kb+b−1} = I − Vᵀ T V. */
function blockT(v: Float64Array, tau: Float64Array, kb: number, b: number, width: number): Float64Array {
  const t = new Float64Array(b * b);
  const g = new Float64Array(b);
  for (let i = 0; i < b; i++) {
    const ti = tau[kb + i];
    t[i * b + i] = ti;
    if (ti === 0) continue;
    for (let l = 0; l < i; l++) {
      let s = 0;
      const ol = l * width;
      const oi = i * width;
      for (let j = i; j < width; j++) s += v[ol + j] * v[oi + j]; // v_i is zero before its column i
      g[l] = s;
    }
    for (let l = 0; l < i; l++) {
      let s = 0;
      for (let m = l; m < i; m++) s += t[l * b + m] * g[m];
      t[l * b + i] = -ti * s;
    }
  }
  return t;
}

/** y[r] ← T y[r] for one row of Y (T upper triangular, b×b). */
function applyTTransposed(y: Float64Array, o: number, t: Float64Array, b: number): void {
  for (let l = 0; l < b; l++) {
    let s = 0;
    for (let m = l; m < b; m++) s += t[l * b + m] * y[o + m];
    y[o + l] = s;
  }
}

/** Y[r][i] = Σ_j Z[r][c0 + j] V[i][j]: four rows of Z by two reflectors per tile. */
function multiplyZV(
  z: Float64Array,
  n: number,
  rows: number,
  c0: number,
  width: number,
  v: Float64Array,
  b: number,
  y: Float64Array,
): void {
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const z0 = r * n + c0;
    const z1 = z0 + n;
    const z2 = z1 + n;
    const z3 = z2 + n;
    const yo = r * BLOCK;
    let i = 0;
    for (; i + 2 <= b; i += 2) {
      const va = i * width;
      const vb = va + width;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      let s20 = 0;
      let s21 = 0;
      let s30 = 0;
      let s31 = 0;
      for (let j = i; j < width; j++) {
        const p = v[va + j];
        const q = v[vb + j];
        const x0 = z[z0 + j];
        const x1 = z[z1 + j];
        const x2 = z[z2 + j];
        const x3 = z[z3 + j];
        s00 += x0 * p;
        s01 += x0 * q;
        s10 += x1 * p;
        s11 += x1 * q;
        s20 += x2 * p;
        s21 += x2 * q;
        s30 += x3 * p;
        s31 += x3 * q;
      }
      y[yo + i] = s00;
      y[yo + i + 1] = s01;
      y[yo + BLOCK + i] = s10;
      y[yo + BLOCK + i + 1] = s11;
      y[yo + 2 * BLOCK + i] = s20;
      y[yo + 2 * BLOCK + i + 1] = s21;
      y[yo + 3 * BLOCK + i] = s30;
      y[yo + 3 * BLOCK + i + 1] = s31;
    }
    for (; i < b; i++) for (let q = 0; q < 4; q++) y[yo + q * BLOCK + i] = dot(z, r * n + q * n + c0, v, i * width, i, width);
  }
  for (; r < rows; r++) for (let i = 0; i < b; i++) y[r * BLOCK + i] = dot(z, r * n + c0, v, i * width, i, width);
}

function dot(z: Float64Array, zo: number, v: Float64Array, vo: number, from: number, to: number): number {
  let s = 0;
  for (let j = from; j < to; j++) s += z[zo + j] * v[vo + j];
  return s;
}

/** Z[r][c0 + j] −= Σ_i Y[r][i] V[i][j]: four rows of Z by four reflectors per tile. */
function updateZ(z: Float64Array, n: number, rows: number, c0: number, width: number, v: Float64Array, b: number, y: Float64Array): void {
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const z0 = r * n + c0;
    const z1 = z0 + n;
    const z2 = z1 + n;
    const z3 = z2 + n;
    const y0 = r * BLOCK;
    let i = 0;
    for (; i + 4 <= b; i += 4) {
      const v0 = i * width;
      const v1 = v0 + width;
      const v2 = v1 + width;
      const v3 = v2 + width;
      const a0 = y[y0 + i];
      const a1 = y[y0 + i + 1];
      const a2 = y[y0 + i + 2];
      const a3 = y[y0 + i + 3];
      const b0 = y[y0 + BLOCK + i];
      const b1 = y[y0 + BLOCK + i + 1];
      const b2 = y[y0 + BLOCK + i + 2];
      const b3 = y[y0 + BLOCK + i + 3];
      const c0_ = y[y0 + 2 * BLOCK + i];
      const c1 = y[y0 + 2 * BLOCK + i + 1];
      const c2 = y[y0 + 2 * BLOCK + i + 2];
      const c3 = y[y0 + 2 * BLOCK + i + 3];
      const d0 = y[y0 + 3 * BLOCK + i];
      const d1 = y[y0 + 3 * BLOCK + i + 1];
      const d2 = y[y0 + 3 * BLOCK + i + 2];
      const d3 = y[y0 + 3 * BLOCK + i + 3];
      for (let j = i; j < width; j++) {
        const p0 = v[v0 + j];
        const p1 = v[v1 + j];
        const p2 = v[v2 + j];
        const p3 = v[v3 + j];
        z[z0 + j] -= a0 * p0 + a1 * p1 + a2 * p2 + a3 * p3;
        z[z1 + j] -= b0 * p0 + b1 * p1 + b2 * p2 + b3 * p3;
        z[z2 + j] -= c0_ * p0 + c1 * p1 + c2 * p2 + c3 * p3;
        z[z3 + j] -= d0 * p0 + d1 * p1 + d2 * p2 + d3 * p3;
      }
    }
    for (; i < b; i++) {
      const vo = i * width;
      for (let q = 0; q < 4; q++) {
        const c = y[y0 + q * BLOCK + i];
        const zo = z0 + q * n;
        for (let j = i; j < width; j++) z[zo + j] -= c * v[vo + j];
      }
    }
  }
  for (; r < rows; r++) {
    const zo = r * n + c0;
    for (let i = 0; i < b; i++) {
      const c = y[r * BLOCK + i];
      const vo = i * width;
      for (let j = i; j < width; j++) z[zo + j] -= c * v[vo + j];
    }
  }
}
