/**
 * The previous `eigh` of @spam/laplace (up to issue 16), kept for the `linalg` bench only: the
 * EISPACK tred2/tql2 pair (Householder tridiagonalisation with the transform accumulated, then
 * implicit QL with every rotation applied to the eigenvectors), as in JAMA, with the working
 * matrix stored transposed. No argument checks; symmetric finite input assumed.
 */

/** Result of {@link eighTql2}: ascending eigenvalues and eigenvectors as rows. */
export interface Eigh {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** Eigenvectors as rows: `vectors[i * n + k]` is component k of eigenvector i. */
  vectors: Float64Array;
  /** Matrix size n. */
  n: number;
}

/** Options of {@link eighTql2}. */
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
export function eighTql2(a: ArrayLike<number>, n: number, options: EighOptions = {}): Eigh {
  return eighUnchecked(a, n, options.clampNegative ?? false);
}

function eighUnchecked(a: ArrayLike<number>, n: number, clamp: boolean): Eigh {
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) w[i * n + j] = 0.5 * (a[i * n + j] + a[j * n + i]);
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

/** Eigendecomposition of a symmetric matrix held in `w` (overwritten): tred2, then tql2. */
function eighDense(w: Float64Array, n: number, clamp: boolean): Eigh {
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 1) {
    d[0] = w[0];
    w[0] = 1;
  } else if (n > 1) {
    tridiagonalize(w, d, e, n);
    implicitQL(w, d, e, n);
  }
  return sortAscending(d, w, n, clamp);
}

/**
 * Householder reduction to tridiagonal form (tred2). `w` holds Vᵀ: w[j*n + k] = V[k][j].
 * On return d is the diagonal, e the sub-diagonal (e[0] = 0), w the accumulated transform
 * (transposed) unless `accumulate` is false (eigenvalues only).
 */
function tridiagonalize(w: Float64Array, d: Float64Array, e: Float64Array, n: number, accumulate = true): void {
  for (let j = 0; j < n; j++) d[j] = w[j * n + (n - 1)];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = w[j * n + (i - 1)];
        w[j * n + i] = 0;
        w[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        w[i * n + j] = f;
        const row = j * n;
        g = e[j] + w[row + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const v = w[row + k];
          g += v * d[k];
          e[k] += v * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        const row = j * n;
        for (let k = j; k <= i - 1; k++) w[row + k] -= f * e[k] + g * d[k];
        d[j] = w[row + (i - 1)];
        w[row + i] = 0;
      }
    }
    d[i] = h;
  }
  if (!accumulate) {
    // Eigenvalues only: T's diagonal is left on w's diagonal, its sub-diagonal in e.
    for (let j = 0; j < n; j++) d[j] = w[j * n + j];
    e[0] = 0;
    return;
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    w[i * n + (n - 1)] = w[i * n + i];
    w[i * n + i] = 1;
    const h = d[i + 1];
    const rowI1 = (i + 1) * n;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = w[rowI1 + k] / h;
      for (let j = 0; j <= i; j++) {
        const row = j * n;
        let g = 0;
        for (let k = 0; k <= i; k++) g += w[rowI1 + k] * w[row + k];
        for (let k = 0; k <= i; k++) w[row + k] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) w[rowI1 + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = w[j * n + (n - 1)];
    w[j * n + (n - 1)] = 0;
  }
  w[(n - 1) * n + (n - 1)] = 1;
  e[0] = 0;
}

/** Implicit QL iterations on the tridiagonal (tql2); rotations applied to rows of w unless w is null (tql1). */
function implicitQL(w: Float64Array | null, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  const cs = new Float64Array(n);
  const ss = new Float64Array(n);
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m === n) m = n - 1;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) throw new Error('eighTql2: QL iteration did not converge');
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.sqrt(p * p + 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.sqrt(p * p + e[i] * e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          cs[i] = c;
          ss[i] = s;
        }
        if (w) applySweep(w, n, l, m, cs, ss);
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}

/**
 * Applies one QL sweep's rotations (i = m−1 down to l, each mixing eigenvector rows i and i+1)
 * two at a time: rotations i and i−1 share row i, so a fused pass loads and stores three rows
 * instead of four for two rotations.
 */
function applySweep(w: Float64Array, n: number, l: number, m: number, cs: Float64Array, ss: Float64Array): void {
  let i = m - 1;
  for (; i - 1 >= l; i -= 2) {
    const c1 = cs[i];
    const s1 = ss[i];
    const c0 = cs[i - 1];
    const s0 = ss[i - 1];
    const r2 = (i + 1) * n;
    const r1 = i * n;
    const r0 = (i - 1) * n;
    for (let k = 0; k < n; k++) {
      const a = w[r2 + k];
      const b = w[r1 + k];
      const c = w[r0 + k];
      w[r2 + k] = s1 * b + c1 * a;
      const b1 = c1 * b - s1 * a;
      w[r1 + k] = s0 * c + c0 * b1;
      w[r0 + k] = c0 * c - s0 * b1;
    }
  }
  if (i >= l) {
    const c = cs[i];
    const s = ss[i];
    const ri = i * n;
    const ri1 = ri + n;
    for (let k = 0; k < n; k++) {
      const hk = w[ri1 + k];
      const vk = w[ri + k];
      w[ri1 + k] = s * vk + c * hk;
      w[ri + k] = c * vk - s * hk;
    }
  }
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
