/**
 * Structural and textual mutations of JSON documents (prior JSON, model.json): delete a field,
 * null it, replace it by a value of the wrong kind, truncate the text, flip a bit. Mutations are
 * printable specs; `applyMutations` resolves them against the actual document.
 */
import fc from 'fast-check';

/** Replacement values: wrong types, non-finite and unrepresentable numbers, path-like strings. */
export const REPLACEMENTS: readonly unknown[] = [
  null,
  NaN,
  Infinity,
  -Infinity,
  1000,
  -1000,
  1e39,
  -1e39,
  1e-300,
  0,
  -1,
  0.5,
  2 ** 31,
  'x',
  '',
  '../x',
  '../../../../etc/passwd',
  '/etc/passwd',
  true,
  [],
  {},
  [[]],
  [null],
  [1e39],
  ['../x'],
  { paths: ['../x'] },
];

/** One mutation: which path (an index into the document's paths, modulo) and what to do. */
export type Mutation = { op: 'delete' | 'null' | 'duplicate-array-item' | 'empty'; at: number } | { op: 'set'; at: number; value: unknown };

/** One to three mutations. */
export const mutationsArb = (): fc.Arbitrary<Mutation[]> =>
  fc.array(
    fc.oneof(
      fc.record(
        {
          op: fc.constantFrom<'delete' | 'null' | 'duplicate-array-item' | 'empty'>('delete', 'null', 'duplicate-array-item', 'empty'),
          at: fc.nat(10_000),
        },
        { noNullPrototype: true },
      ),
      fc.record({ op: fc.constant<'set'>('set'), at: fc.nat(10_000), value: fc.constantFrom(...REPLACEMENTS) }, { noNullPrototype: true }),
    ),
    { minLength: 1, maxLength: 3 },
  );

type Path = Array<string | number>;

/** Every path into a JSON value (the root excluded), in document order. */
export function jsonPaths(value: unknown, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...jsonPaths(v, [...prefix, k])]);
}

/** Paths whose last key matches `key` (e.g. every `paths` array of a weights manifest). */
export function pathsNamed(value: unknown, key: string): Path[] {
  return jsonPaths(value).filter((p) => p[p.length - 1] === key);
}

/** Applies mutations to a deep copy (paths resolved on the current copy, modulo their count). */
export function applyMutations<T>(doc: T, mutations: readonly Mutation[], restrictTo?: (p: Path) => boolean): T {
  const out = structuredClone(doc) as unknown;
  for (const m of mutations) {
    const all = jsonPaths(out).filter((p) => !restrictTo || restrictTo(p));
    if (all.length === 0) break;
    const path = all[m.at % all.length];
    const parent = path.slice(0, -1).reduce<any>((o, k) => o[k], out); // eslint-disable-line @typescript-eslint/no-explicit-any
    const key = path[path.length - 1];
    switch (m.op) {
      case 'delete':
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key];
        break;
      case 'null':
        parent[key] = null;
        break;
      case 'empty':
        parent[key] = Array.isArray(parent[key]) ? [] : typeof parent[key] === 'string' ? '' : {};
        break;
      case 'duplicate-array-item':
        if (Array.isArray(parent)) parent.splice(key as number, 0, structuredClone(parent[key as number]));
        break;
      case 'set':
        parent[key] = structuredClone(m.value);
        break;
    }
  }
  return out as T;
}

/** A text-level corruption: keep the first `keep` fraction, or flip bit `bit` of byte `at`. */
export type TextCorruption =
  { kind: 'truncate'; keep: number } | { kind: 'flip'; at: number; bit: number } | { kind: 'append'; extra: string };

/** A text corruption spec. */
export const textCorruptionArb = (): fc.Arbitrary<TextCorruption> =>
  fc.oneof(
    fc.record(
      { kind: fc.constant<'truncate'>('truncate'), keep: fc.double({ min: 0, max: 0.999, noNaN: true }) },
      { noNullPrototype: true },
    ),
    fc.record({ kind: fc.constant<'flip'>('flip'), at: fc.nat(1_000_000), bit: fc.nat(7) }, { noNullPrototype: true }),
    fc.record(
      { kind: fc.constant<'append'>('append'), extra: fc.constantFrom('\0', 'garbage', '}', '\u0000\u0000\u0000\u0000') },
      { noNullPrototype: true },
    ),
  );

/** Corrupts bytes (a copy). */
export function corruptBytes(bytes: Uint8Array, c: TextCorruption): Uint8Array {
  if (c.kind === 'truncate') return bytes.slice(0, Math.floor(bytes.length * c.keep));
  if (c.kind === 'append') return Uint8Array.from([...bytes, ...new TextEncoder().encode(c.extra)]);
  const out = bytes.slice();
  if (out.length > 0) out[c.at % out.length] ^= 1 << c.bit;
  return out;
}
