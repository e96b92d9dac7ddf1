/** Small text-formatting helpers shared by the comparison table and the curvature summary. */

/** `x` in scientific notation with 3 decimals, `—` for undefined / non-finite. */
export const sci = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '—' : x.toExponential(3));

/** `x` with `digits` decimals, `—` for undefined / non-finite. */
export const fixed = (x: number | undefined, digits: number): string => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));

/** A compact number: fixed for moderate magnitudes, scientific otherwise. */
export function compact(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-2 || a >= 1e4)) return x.toExponential(2);
  return x.toPrecision(3);
}

/** Renders rows as an aligned text table (first `left` columns left-aligned, the rest right-aligned). */
export function formatTable(header: string[], rows: string[][], left = 2): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < left ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line)];
}
