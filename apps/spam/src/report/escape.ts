/**
 * Text from the user (the command line, paths, error messages) made safe for report.md: shown
 * as typed, never interpreted as Markdown or HTML.
 */

/** Control characters (newlines included) as visible escapes (`\n`, `\x1b`), so a line stays one line. */
function visible(s: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is replaced
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) =>
    c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/**
 * Inline Markdown text: the characters that Markdown, GitHub's math or HTML would interpret
 * inside a line (`\` `` ` `` `*` `_` `[` `]` `~` `$` `<` `>` `&`) are escaped, control characters
 * made visible. `|` is left to the table code (`\|` in cells).
 */
export function escapeText(s: string): string {
  return visible(s)
    .replace(/[\\`*_[\]~$]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/**
 * A Markdown code span showing `s` verbatim (CommonMark: the fence is one backtick longer than
 * the longest backtick run inside, padded with spaces when `s` starts or ends with a backtick).
 * In a table cell, `|` still needs `\|` (the table code does that).
 */
export function codeSpan(s: string): string {
  const text = visible(s);
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') || (text.startsWith(' ') && text.endsWith(' ') && text.trim() !== '') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** One argument as a POSIX shell would need it typed (single-quoted when it has anything special). */
export function shellQuote(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
