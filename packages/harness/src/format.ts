/**
 * Text formatting of the examples' reports: numbers with a dash for missing / non-finite values,
 * and aligned text tables with box-drawing rules.
 */

/** `x` in scientific notation with 3 decimals, `—` for undefined / non-finite. */
export const sci = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '—' : x.toExponential(3));

/** `x` with `digits` decimals, `—` for undefined / non-finite. */
export const fixed = (x: number | undefined, digits: number): string => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));

/**
 * A compact number: 3 significant digits for moderate magnitudes, scientific with 2 decimals
 * below 1e-2 or from 1e4 on; `—` for undefined / non-finite.
 */
export function compact(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-2 || a >= 1e4)) return x.toExponential(2);
  return x.toPrecision(3);
}

/**
 * Renders rows as an aligned text table: the header, a rule of `─`, then one line per row;
 * columns are separated by two spaces, the first `left` columns are left-aligned, the rest
 * right-aligned, and trailing blanks are trimmed.
 */
export function formatTable(header: string[], rows: string[][], left = 2): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < left ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line)];
}
