/**
 * Deprecated option names: each is still accepted, with one `console.warn` per name and process
 * naming its replacement, so code written against an older release keeps working.
 * @packageDocumentation
 */

const warned = new Set<string>();

/** Returns `value`, warning once (per `what`) that it is deprecated in favour of `use` when it is given. */
export function deprecated<T>(value: T | undefined, what: string, use: string): T | undefined {
  if (value !== undefined && !warned.has(what)) {
    warned.add(what);
    console.warn(`SpaM: ${what} is deprecated; use ${use}.`);
  }
  return value;
}
