/**
 * Option arbitraries of the fuzz suite: wrong types, unknown literals, bad and extreme numbers,
 * and option records where usually none or one option is bad.
 */
import fc from 'fast-check';

/**
 * Values of the wrong type for any option — the ones a config file, JSON or command line can
 * produce (symbols, BigInts and functions are left out: a template string with a Symbol throws a
 * TypeError everywhere, which would mask every other finding).
 */
export const WRONG_TYPES: readonly unknown[] = ['1', '', null, true, false, {}, [], [1]];

/** String literals no option accepts (including ones that hit `Object.prototype` when used as keys). */
export const UNKNOWN_LITERALS: readonly string[] = [
  'bogus',
  '',
  'KRON',
  'Diag',
  ' kron',
  'toString',
  '__proto__',
  'constructor',
  'hasOwnProperty',
];

/** An unknown string literal or a wrong type. */
export const badLiteral = (): fc.Arbitrary<unknown> => fc.constantFrom<unknown>(...UNKNOWN_LITERALS, ...WRONG_TYPES, 0, NaN);

/** A count option (integer ≥ 1): bad values only — never huge (a huge count is a legitimately long run). */
export const badCount = (): fc.Arbitrary<unknown> =>
  fc.constantFrom<unknown>(0, -1, -7, 0.5, 1.5, NaN, Infinity, -Infinity, -0.000001, ...WRONG_TYPES);

/** A non-negative count option (integer ≥ 0): bad values only. */
export const badCount0 = (): fc.Arbitrary<unknown> => fc.constantFrom<unknown>(-1, -7, 0.5, 1.5, NaN, Infinity, -Infinity, ...WRONG_TYPES);

/** A positive scale (σ, δ, learning rate): bad or extreme values, including ones float32 cannot hold. */
export const badScale = (): fc.Arbitrary<unknown> =>
  fc.constantFrom<unknown>(
    0,
    -0,
    -1,
    -1e-300,
    NaN,
    Infinity,
    -Infinity,
    1e300,
    1e39,
    3.5e38,
    1e-45,
    1e-300,
    Number.MIN_VALUE,
    Number.MAX_VALUE,
    ...WRONG_TYPES,
  );

/** A positive scale with the usual sane values. */
export const goodScale = (): fc.Arbitrary<number> => fc.constantFrom(0.1, 0.5, 1, 2, 3);

/** A fraction option that must be in [0, 1) (sparsity): bad values only. */
export const badFraction = (): fc.Arbitrary<unknown> =>
  fc.constantFrom<unknown>(-0.1, -1, 1, 1.0000001, 1.5, 100, NaN, Infinity, -Infinity, ...WRONG_TYPES);

/** A valid fraction in [0, 1). */
export const goodFraction = (): fc.Arbitrary<number> => fc.constantFrom(0, 0.1, 0.3, 0.5, 0.75, 0.9, 0.99);

/** A seed option (integer): bad values. */
export const badSeed = (): fc.Arbitrary<unknown> => fc.constantFrom<unknown>(0.5, -1.5, NaN, Infinity, -Infinity, ...WRONG_TYPES);

/** A valid seed. */
export const goodSeed = (): fc.Arbitrary<number> => fc.constantFrom(0, 1, 7, 42, -3, 2 ** 31 - 1);

/**
 * An option value: absent (undefined), a valid value, or a bad one (weighted so that a bad value
 * is common but one-bad-value-at-a-time cases also occur in records of several options).
 */
export function optionOf<T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<unknown>): fc.Arbitrary<T | unknown> {
  return fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: good, weight: 3 }, { arbitrary: bad, weight: 2 });
}

/** One option of {@link optionsArb}: its valid values, its bad values, and whether it may be omitted. */
export interface OptionSpec {
  good: fc.Arbitrary<unknown>;
  bad: fc.Arbitrary<unknown>;
  required?: boolean;
}

/**
 * Option records where usually none or exactly one option is bad (so that success paths and the
 * check of each single option are both exercised), sometimes several at once.
 */
export function optionsArb(spec: Record<string, OptionSpec>): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(spec);
  const ok = (k: string) => (spec[k].required ? spec[k].good : fc.oneof(fc.constant(undefined), spec[k].good));
  const record = (pick: (k: string) => fc.Arbitrary<unknown>) =>
    fc.record(Object.fromEntries(keys.map((k) => [k, pick(k)])), { noNullPrototype: true });
  return fc.oneof(
    { arbitrary: record(ok), weight: 3 },
    { arbitrary: fc.constantFrom(...keys).chain((b) => record((k) => (k === b ? spec[k].bad : ok(k)))), weight: 4 },
    { arbitrary: record((k) => (spec[k].required ? fc.oneof(spec[k].good, spec[k].bad) : optionOf(spec[k].good, spec[k].bad))), weight: 1 },
  );
}
