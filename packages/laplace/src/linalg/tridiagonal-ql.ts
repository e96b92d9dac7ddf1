/**
 * Implicit QL iterations on a symmetric tridiagonal matrix (EISPACK tql1/tql2, as in JAMA): the
 * eigenvalues-only path of {@link eigvalsh} and the small leaves of the divide-and-conquer solver.
 * @packageDocumentation
 */

import { EighNotConvergedError } from './eigh-checks.js';

const EPS = 2 ** -52;

/**
 * Diagonalises the s×s tridiagonal with diagonal `d[0..s)` and sub-diagonal `e[0..s-1)` in place:
 * on return `d` holds the eigenvalues (unordered) and `e` is destroyed. With `z`, the rotations
 * are applied to its rows `off..off+s` over the columns `off..off+s` (row stride `stride`), so rows
 * that start as the identity end as the eigenvectors (one per row, matching `d`).
 * Throws {@link EighNotConvergedError} after 60 sweeps on one eigenvalue (not seen in practice).
 */
export function tridiagonalQL(d: Float64Array, e: Float64Array, s: number, z: Float64Array | null = null, stride = s, off = 0): void {
  if (s <= 1) return;
  const sub = new Float64Array(s); // sub[i] couples i and i+1; sub[s-1] = 0
  for (let i = 0; i < s - 1; i++) sub[i] = e[i];
  let f = 0;
  let tst1 = 0;
  const cs = new Float64Array(s);
  const ss = new Float64Array(s);
  for (let l = 0; l < s; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(sub[l]));
    let m = l;
    while (m < s - 1 && Math.abs(sub[m]) > EPS * tst1) m++;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) throw new EighNotConvergedError(`eigh: the QL iteration on a ${s}x${s} tridiagonal block did not converge`);
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * sub[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = sub[l] / (p + r);
        d[l + 1] = sub[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < s; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = sub[l + 1];
        let sn = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = sn;
          g = c * sub[i];
          h = c * p;
          r = Math.hypot(p, sub[i]);
          sub[i + 1] = sn * r;
          sn = sub[i] / r;
          c = p / r;
          p = c * d[i] - sn * g;
          d[i + 1] = h + sn * (c * g + sn * d[i]);
          cs[i] = c;
          ss[i] = sn;
        }
        if (z) applySweep(z, stride, off, s, l, m, cs, ss);
        p = (-sn * s2 * c3 * el1 * sub[l]) / dl1;
        sub[l] = sn * p;
        d[l] = c * p;
      } while (Math.abs(sub[l]) > EPS * tst1);
    }
    d[l] += f;
    sub[l] = 0;
  }
}

/**
 * Applies one QL sweep's rotations (i = m−1 down to l, each mixing rows i and i+1 of the block)
 * two at a time: rotations i and i−1 share row i, so a fused pass loads and stores three rows
 * instead of four for two rotations.
 */
function applySweep(
  w: Float64Array,
  stride: number,
  off: number,
  s: number,
  l: number,
  m: number,
  cs: Float64Array,
  ss: Float64Array,
): void {
  const base = off * stride + off;
  let i = m - 1;
  for (; i - 1 >= l; i -= 2) {
    const c1 = cs[i];
    const s1 = ss[i];
    const c0 = cs[i - 1];
    const s0 = ss[i - 1];
    const r2 = base + (i + 1) * stride;
    const r1 = base + i * stride;
    const r0 = base + (i - 1) * stride;
    for (let k = 0; k < s; k++) {
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
    const sn = ss[i];
    const ri = base + i * stride;
    const ri1 = ri + stride;
    for (let k = 0; k < s; k++) {
      const hk = w[ri1 + k];
      const vk = w[ri + k];
      w[ri1 + k] = sn * vk + c * hk;
      w[ri + k] = c * vk - sn * hk;
    }
  }
}
