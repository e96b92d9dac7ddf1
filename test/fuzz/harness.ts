/**
 * The fuzz suite's harness: the seed, a time-bounded property runner, and the one contract every
 * public entry point is held to — on success finite results, on failure a `SpamError` subclass
 * (never a raw TypeError/RangeError/tfjs error), and `tf.memory().numTensors` unchanged either way.
 *
 * Seed: `SPAM_FUZZ_SEED` (default {@link DEFAULT_SEED}); `SPAM_FUZZ_RUNS` scales the number of
 * runs (e.g. 10 for a long local session). A failure message starts with the seed and the command
 * that replays it, followed by fast-check's report (counterexample, shrinks, the error).
 */
import { it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { SpamError } from '@spam/core';

/** The seed when `SPAM_FUZZ_SEED` is unset. */
export const DEFAULT_SEED = 1_300_613;

function envSeed(): number {
  const raw = process.env.SPAM_FUZZ_SEED;
  if (raw === undefined || raw === '') return DEFAULT_SEED;
  const s = Number(raw);
  if (!Number.isInteger(s)) throw new Error(`SPAM_FUZZ_SEED must be an integer, got '${raw}'`);
  return s;
}

/** The seed of every property in this run. */
export const SEED = envSeed();

/** Multiplier of every property's run count (`SPAM_FUZZ_RUNS`, default 1). */
export const RUN_SCALE = Math.max(1, Number(process.env.SPAM_FUZZ_RUNS ?? 1) || 1);

/**
 * `SPAM_FUZZ_COLLECT=1`: exploration mode for triage — every failing case is recorded instead of
 * stopping the property, and each property prints its distinct failures (first line of the
 * message) and passes. Never set in CI.
 */
export const COLLECT = process.env.SPAM_FUZZ_COLLECT === '1';

/** Options of {@link fuzz}. */
export interface FuzzOptions {
  /** Generated cases (before scaling by `SPAM_FUZZ_RUNS`). Default 40. */
  numRuns?: number;
  /**
   * Wall-clock budget for the runs and the shrinking, ms. Once spent, remaining runs pass without
   * calling the entry point (a run is never abandoned midway, so no tensor of an abandoned call
   * can spill into the next property's count). Default 1500: the sum over the suite's ~45
   * properties bounds it at well under a minute on two workers even on a slow machine.
   */
  budgetMs?: number;
}

/**
 * A vitest test running a seeded fast-check property. `check` throws to fail. The failure message
 * names the seed and how to replay it.
 */
export function fuzz<T>(name: string, arb: fc.Arbitrary<T>, check: (value: T) => Promise<void> | void, options: FuzzOptions = {}): void {
  const numRuns = Math.round((options.numRuns ?? 40) * RUN_SCALE);
  const budgetMs = (options.budgetMs ?? 1500) * RUN_SCALE;
  it(name, async () => {
    const deadline = Date.now() + budgetMs;
    const seen = new Map<string, { count: number; example: string }>();
    tally.clear();
    const property = fc.asyncProperty(arb, async (value) => {
      if (Date.now() > deadline) return;
      if (!COLLECT) return check(value);
      try {
        await check(value);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        const key = msg.replace(/\(.*?\)|\[.*?\]|\{.*?\}|-?\d+(\.\d+)?(e[+-]?\d+)?/g, '…').slice(0, 160);
        const entry = seen.get(key) ?? { count: 0, example: msg.slice(0, 600) };
        entry.count++;
        seen.set(key, entry);
      }
    });
    try {
      await fc.assert(property, { seed: SEED, numRuns });
      if (COLLECT) {
        const outcomes = [...tally.entries()].map(([k, v]) => `${k} ${v}×`).join(', ');
        console.log(`## ${name}\noutcomes: ${outcomes}\n` + [...seen.values()].map((v) => `- (${v.count}×) ${v.example}`).join('\n'));
      }
    } catch (e) {
      const err = e as Error;
      err.message = `[fuzz seed ${SEED}: replay with SPAM_FUZZ_SEED=${SEED} npx vitest run test/fuzz -t "${name}"]\n${err.message}`;
      throw err;
    }
  });
}

/** A printable form of any value (BigInt, symbols, functions included), for labels. */
export const show = (v: unknown): string => fc.stringify(v);

/** A short description of anything thrown. */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const frames = (e.stack ?? '')
      .split('\n')
      .slice(1, 5)
      .map((l) => l.trim())
      .join(' | ');
    return `${e.constructor.name}: ${e.message} [${frames}]`;
  }
  return `non-Error ${typeof e}: ${String(e)}`;
}

/** Collect mode: how often each entry point returned or threw which SpamError. */
const tally = new Map<string, number>();

/** What a call did. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: SpamError };

/** Options of {@link expectSafe}. */
export interface SafeOptions<T> {
  /** Checks a successful result (default: every number reachable in plain data is finite). */
  onSuccess?: (result: T) => void | Promise<void>;
  /** Frees a successful result's tensors (before the tensor count is compared). */
  release?: (result: T) => void | Promise<void>;
  /** Tensors the call takes ownership of (freed by it or by `release`): the count may drop by this much. */
  consumes?: number;
  /**
   * Compare the tensor count around this call (default true). Turn it off for calls on a live
   * Laplace, which caches tensors (θ², KFAC eigendecompositions) until its `dispose()`; the
   * property then compares the count around the Laplace's whole lifetime instead.
   */
  countTensors?: boolean;
  /** An error of the caller's own (thrown by a user callback) that may propagate unchanged. */
  passthrough?: (e: unknown) => boolean;
}

/**
 * A user's `tf.data.Dataset` whose own pipeline throws (e.g. `.batch()` stacking elements of
 * different shapes) leaks the elements tfjs-data had fetched for that batch, inside tfjs-data,
 * where SpaM cannot reach them (tfjs 4.22). SpaM turns the error into this InvalidDataError; only
 * then may the tensor count grow. Every other error path is still counted.
 */
export function isTfjsDataPipelineFailure(e: unknown): boolean {
  return e instanceof SpamError && e.code === 'INVALID_DATA' && /tf\.data\.Dataset failed to produce element/.test(e.message);
}

/**
 * Runs one call under the contract: it returns (the result passes `onSuccess`, then `release`
 * frees it) or throws a `SpamError`; either way no tensor is left behind. Throws an assertion
 * error naming `label` otherwise.
 */
export async function expectSafe<T>(label: string, run: () => T | Promise<T>, options: SafeOptions<T> = {}): Promise<Outcome<T>> {
  const before = tf.memory().numTensors;
  let outcome: Outcome<T>;
  try {
    const value = await run();
    outcome = { ok: true, value };
  } catch (e) {
    if (options.passthrough?.(e)) {
      const after = tf.memory().numTensors;
      if (after !== before && options.countTensors !== false)
        throw new Error(`${label}: tf.memory().numTensors went from ${before} to ${after} (after the callback's own error)`);
      return { ok: false, error: e as SpamError };
    }
    if (!(e instanceof SpamError)) throw new Error(`${label}: threw ${describeError(e)} — expected a SpamError subclass`);
    outcome = { ok: false, error: e };
  }
  if (COLLECT) {
    const key = `${label.split('(')[0]}→${outcome.ok ? 'ok' : outcome.error.constructor.name}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  if (outcome.ok) {
    try {
      await (options.onSuccess ?? ((r: T) => assertFiniteDeep(r, label)))(outcome.value);
    } finally {
      await options.release?.(outcome.value);
    }
  }
  const after = tf.memory().numTensors + (options.consumes ?? 0);
  const tfjsLeak = !outcome.ok && isTfjsDataPipelineFailure(outcome.error);
  if (after !== before && options.countTensors !== false && !tfjsLeak) {
    const how = outcome.ok ? 'after success and release' : `after ${outcome.error.constructor.name}: ${outcome.error.message}`;
    throw new Error(`${label}: tf.memory().numTensors went from ${before} to ${after} (${how})`);
  }
  return outcome;
}

/** Throws unless `e` is a SpamError (for calls outside {@link expectSafe}). */
export function assertSpamError(label: string, e: unknown): asserts e is SpamError {
  if (!(e instanceof SpamError)) throw new Error(`${label}: threw ${describeError(e)} — expected a SpamError subclass`);
}

function isPlain(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null || Array.isArray(v);
}

/**
 * Throws if a number reachable from `value` through plain objects, arrays, typed arrays and
 * tensors is NaN or ±∞ (class instances other than tensors are not entered: check them directly).
 */
export function assertFiniteDeep(value: unknown, path: string, seen = new Set<unknown>()): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${path} is ${value}: a successful call returned a non-finite number`);
    return;
  }
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (value instanceof tf.Tensor) {
    if (value.isDisposed || value.dtype === 'string' || value.dtype === 'bool') return;
    const data = value.dataSync();
    const bad = data.findIndex((x: number) => !Number.isFinite(x));
    if (bad >= 0) throw new Error(`${path} (tensor [${value.shape}]) holds ${data[bad]} at flat index ${bad}`);
    return;
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const arr = value as unknown as ArrayLike<number | bigint>;
    for (let i = 0; i < arr.length; i++) {
      if (typeof arr[i] === 'number' && !Number.isFinite(arr[i])) throw new Error(`${path}[${i}] is ${arr[i]}`);
    }
    return;
  }
  if (!isPlain(value)) return;
  for (const [k, v] of Object.entries(value)) assertFiniteDeep(v, `${path}.${k}`, seen);
}

/** Throws unless every value of every tensor is finite. */
export function assertFiniteTensors(tensors: readonly tf.Tensor[], path: string): void {
  tensors.forEach((t, i) => assertFiniteDeep(t, `${path}[${i}]`));
}
