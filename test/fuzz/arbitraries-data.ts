/**
 * Data arbitraries of the fuzz suite: printable specs of tensors (shape, dtype, fill), labels and
 * data sources in every form SpaM accepts (plus junk); `build.ts` turns them into tensors.
 */
import fc from 'fast-check';
import { optionOf, optionsArb, WRONG_TYPES, type OptionSpec } from './arbitraries-options.js';

/** How a spec tensor is filled. */
export type Fill = 'normal' | 'zeros' | 'ones' | 'nan' | 'inf' | '-inf' | 'huge' | 'tiny' | 'one-nan';

/** Tensor dtypes the suite feeds in. */
export type SpecDtype = 'float32' | 'int32' | 'bool' | 'string';

/** A tensor to build: shape, dtype and fill (seeded). */
export interface TensorSpec {
  shape: number[];
  dtype: SpecDtype;
  fill: Fill;
  seed: number;
}

/** Fills that hold only finite values. */
export const FINITE_FILLS: readonly Fill[] = ['normal', 'zeros', 'ones', 'tiny'];

/** A fill, mostly finite. */
export const fillArb = (): fc.Arbitrary<Fill> =>
  fc.oneof(
    { arbitrary: fc.constantFrom<Fill>('normal', 'ones', 'zeros'), weight: 4 },
    { arbitrary: fc.constantFrom<Fill>('nan', 'inf', '-inf', 'huge', 'tiny', 'one-nan'), weight: 3 },
  );

/** A dtype, mostly float32. */
export const dtypeArb = (): fc.Arbitrary<SpecDtype> =>
  fc.oneof(
    { arbitrary: fc.constant<SpecDtype>('float32'), weight: 6 },
    { arbitrary: fc.constantFrom<SpecDtype>('int32', 'bool', 'string'), weight: 1 },
  );

/**
 * A per-example shape: usually `good`, sometimes one dimension off, one dimension more or less,
 * or a scalar.
 */
export function rowShapeArb(good: readonly number[]): fc.Arbitrary<number[]> {
  const off: fc.Arbitrary<number[]> =
    good.length > 0
      ? fc.nat(good.length - 1).chain((i) => fc.constantFrom(0, 1, good[i] + 1).map((d) => good.map((g, j) => (j === i ? d : g))))
      : fc.constant([1]);
  return fc.oneof(
    { arbitrary: fc.constant([...good]), weight: 6 },
    { arbitrary: off, weight: 1 },
    { arbitrary: fc.constant([...good, 1]), weight: 1 },
    { arbitrary: fc.constant(good.slice(1)), weight: 1 },
  ) as fc.Arbitrary<number[]>;
}

/** Row counts: mostly small positive, sometimes 0. */
export const rowsArb = (): fc.Arbitrary<number> =>
  fc.oneof({ arbitrary: fc.integer({ min: 1, max: 9 }), weight: 6 }, { arbitrary: fc.constant(0), weight: 1 });

/** A tensor spec `[n, ...row]` with a row shape near `row`. */
export function inputSpec(row: readonly number[], n?: number): fc.Arbitrary<TensorSpec> {
  return fc.record(
    {
      shape: fc.tuple(n === undefined ? rowsArb() : fc.constant(n), rowShapeArb(row)).map(([r, s]) => [r, ...s]),
      dtype: dtypeArb(),
      fill: fillArb(),
      seed: fc.nat(1000),
    },
    { noNullPrototype: true },
  );
}

/** What kind of label tensor to build for a likelihood with `outDim` outputs. */
export type LabelKind =
  | 'index' // [n] integers in [0, C)
  | 'index-col' // [n, 1]
  | 'onehot' // [n, C]
  | 'out-of-range' // [n] with a label C
  | 'negative' // [n] with a label −1
  | 'fractional' // [n] with a label 0.5
  | 'nan' // [n] or [n, K] with a NaN
  | 'inf'
  | 'onehot-bad' // [n, C] with a row summing to 2
  | 'targets' // regression [n, K] normal values
  | 'targets-flat' // [n]
  | 'huge' // values 1e30
  | 'wrong-rank' // [n, 2, 2]
  | 'scalar'; // []

/** A label tensor to build. */
export interface LabelSpec {
  kind: LabelKind;
  /** Rows (may differ from the inputs'). */
  n: number;
  dtype: 'float32' | 'int32' | 'bool' | 'string';
  seed: number;
}

/** Labels for `n` rows (sometimes n ± 1), valid ones weighted up. */
export function labelSpec(n: number, likelihood: 'classification' | 'regression'): fc.Arbitrary<LabelSpec> {
  const good: LabelKind[] = likelihood === 'classification' ? ['index', 'index-col', 'onehot'] : ['targets'];
  const bad: LabelKind[] = [
    'out-of-range',
    'negative',
    'fractional',
    'nan',
    'inf',
    'onehot-bad',
    'huge',
    'wrong-rank',
    'scalar',
    'targets-flat',
  ];
  return fc.record(
    {
      kind: fc.oneof({ arbitrary: fc.constantFrom(...good), weight: 4 }, { arbitrary: fc.constantFrom(...bad), weight: 2 }),
      n: fc.oneof({ arbitrary: fc.constant(n), weight: 8 }, { arbitrary: fc.constantFrom(Math.max(0, n - 1), n + 1), weight: 1 }),
      dtype: fc.oneof(
        { arbitrary: fc.constant<'float32'>('float32'), weight: 8 },
        { arbitrary: fc.constantFrom<'int32' | 'bool' | 'string'>('int32', 'bool', 'string'), weight: 1 },
      ),
      seed: fc.nat(1000),
    },
    { noNullPrototype: true },
  );
}

/** An example set: inputs and labels. */
export interface PairSpec {
  xs: TensorSpec;
  ys: LabelSpec;
}

/** Inputs near `row` and labels for a likelihood with any row count. */
export function pairSpec(row: readonly number[], likelihood: 'classification' | 'regression'): fc.Arbitrary<PairSpec> {
  return inputSpec(row).chain((xs) => labelSpec(xs.shape[0], likelihood).map((ys) => ({ xs, ys })));
}

/** A training-data source to build (see `build.ts`). */
export type DataSpec =
  | { form: 'tensors'; pair: PairSpec; batchSize?: unknown; shuffle?: unknown }
  | { form: 'array' | 'generator' | 'async'; batches: PairSpec[] }
  | { form: 'dataset'; pair: PairSpec; batch: number | null }
  | { form: 'elements'; elements: unknown[] }
  | { form: 'junk'; value: unknown };

/** Junk where data is expected. */
export const JUNK_DATA: readonly unknown[] = [
  null,
  undefined,
  0,
  'data',
  [],
  {},
  { xs: 1, ys: 2 },
  { xs: null, ys: null },
  [[1, 2]],
  new Map(),
  { iterator: 1 },
];

/** A data source in every form SpaM accepts, plus junk; valid tensors weighted up. */
export function dataSpec(row: readonly number[], likelihood: 'classification' | 'regression'): fc.Arbitrary<DataSpec> {
  const pair = pairSpec(row, likelihood);
  const batchSize = optionOf(
    fc.integer({ min: 1, max: 8 }),
    fc.constantFrom<unknown>(...[0, -1, 0.5, NaN, Infinity, 1e12, ...WRONG_TYPES]),
  );
  const shuffle = optionOf(fc.constantFrom<unknown>(true, false, 3), fc.constantFrom<unknown>(NaN, 0.5, -1, 'yes', null, Infinity));
  return fc.oneof(
    { arbitrary: fc.record({ form: fc.constant<'tensors'>('tensors'), pair, batchSize, shuffle }, { noNullPrototype: true }), weight: 8 },
    {
      arbitrary: fc.record(
        {
          form: fc.constantFrom<'array' | 'generator' | 'async'>('array', 'generator', 'async'),
          batches: fc.array(pair, { minLength: 0, maxLength: 3 }),
        },
        { noNullPrototype: true },
      ),
      weight: 2,
    },
    {
      arbitrary: fc.record(
        { form: fc.constant<'dataset'>('dataset'), pair, batch: fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 4 })) },
        { noNullPrototype: true },
      ),
      weight: 2,
    },
    {
      arbitrary: fc.record(
        {
          form: fc.constant<'elements'>('elements'),
          elements: fc.array(fc.constantFrom<unknown>(...JUNK_DATA), { minLength: 1, maxLength: 2 }),
        },
        { noNullPrototype: true },
      ),
      weight: 1,
    },
    {
      arbitrary: fc.record({ form: fc.constant<'junk'>('junk'), value: fc.constantFrom<unknown>(...JUNK_DATA) }, { noNullPrototype: true }),
      weight: 1,
    },
  );
}

/** Valid data in every form (tensors, array / async batches, batched dataset), finite values. */
export function goodDataSpec(row: readonly number[], likelihood: 'classification' | 'regression'): fc.Arbitrary<DataSpec> {
  const pair = (n: number) =>
    fc.record(
      {
        xs: fc.record(
          {
            shape: fc.constant([n, ...row]),
            dtype: fc.constant<SpecDtype>('float32'),
            fill: fc.constantFrom<Fill>('normal', 'ones', 'zeros'),
            seed: fc.nat(1000),
          },
          { noNullPrototype: true },
        ),
        ys: fc.record(
          {
            kind: fc.constantFrom<LabelKind>(
              ...(likelihood === 'classification' ? (['index', 'index-col', 'onehot'] as const) : (['targets'] as const)),
            ),
            n: fc.constant(n),
            dtype: fc.constant<'float32'>('float32'),
            seed: fc.nat(1000),
          },
          { noNullPrototype: true },
        ),
      },
      { noNullPrototype: true },
    );
  const n = fc.integer({ min: 1, max: 8 });
  return fc.oneof(
    {
      arbitrary: fc.record(
        {
          form: fc.constant<'tensors'>('tensors'),
          pair: n.chain(pair),
          batchSize: fc.oneof(fc.constant(undefined), fc.integer({ min: 1, max: 8 })),
        },
        { noNullPrototype: true },
      ),
      weight: 4,
    },
    {
      arbitrary: fc.record(
        { form: fc.constantFrom<'array' | 'async'>('array', 'async'), batches: fc.array(n.chain(pair), { minLength: 1, maxLength: 2 }) },
        { noNullPrototype: true },
      ),
      weight: 1,
    },
    {
      arbitrary: fc.record(
        { form: fc.constant<'dataset'>('dataset'), pair: n.chain(pair), batch: fc.integer({ min: 1, max: 4 }) },
        { noNullPrototype: true },
      ),
      weight: 1,
    },
  ) as unknown as fc.Arbitrary<DataSpec>;
}

/** What a case breaks: nothing, the data, the options, or both (data and options drawn accordingly). */
export function dataAndOptions(
  row: readonly number[],
  likelihood: 'classification' | 'regression',
  options: Record<string, OptionSpec>,
): fc.Arbitrary<{ data: DataSpec; options: Record<string, unknown> }> {
  const keys = Object.keys(options);
  const allGood = fc.record(
    Object.fromEntries(keys.map((k) => [k, options[k].required ? options[k].good : fc.oneof(fc.constant(undefined), options[k].good)])),
    { noNullPrototype: true },
  );
  return fc.oneof(
    { arbitrary: fc.record({ data: goodDataSpec(row, likelihood), options: allGood }, { noNullPrototype: true }), weight: 2 },
    { arbitrary: fc.record({ data: dataSpec(row, likelihood), options: allGood }, { noNullPrototype: true }), weight: 3 },
    { arbitrary: fc.record({ data: goodDataSpec(row, likelihood), options: optionsArb(options) }, { noNullPrototype: true }), weight: 3 },
    { arbitrary: fc.record({ data: dataSpec(row, likelihood), options: optionsArb(options) }, { noNullPrototype: true }), weight: 1 },
  );
}

/** Valid tensor data only (for entry points whose other inputs are being fuzzed). */
export function goodPair(row: readonly number[], likelihood: 'classification' | 'regression', n = 6): PairSpec {
  return {
    xs: { shape: [n, ...row], dtype: 'float32', fill: 'normal', seed: 1 },
    ys: { kind: likelihood === 'classification' ? 'index' : 'targets', n, dtype: 'float32', seed: 2 },
  };
}
