// Shared by the data tests: a temp directory per test file, and load helpers that check for leaks.
import { afterAll, beforeAll, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset, type LoadedDataset } from '../src/data/index.js';
import type { LoadOptions } from '../src/types.js';

/** Registers a temp directory for the calling test file (removed after it) and returns `freshDir`. */
export function useTempDirs(prefix: string): (name?: string) => string {
  let tmp = '';
  let count = 0;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(() => {
    rmSync(tmp, { recursive: true, force: true });
  });
  /** A fresh empty directory under the test file's temp dir. */
  return (name = 'd') => {
    const d = join(tmp, `${name}-${count++}`);
    mkdirSync(d, { recursive: true });
    return d;
  };
}

/** Loads, hands the data set to `check`, disposes it, and asserts that no tensor leaked. */
export async function withDataset(name: string, options: LoadOptions, check: (d: LoadedDataset) => void | Promise<void>): Promise<void> {
  const before = tf.memory().numTensors;
  const d = await loadDataset(name, options);
  try {
    await check(d);
  } finally {
    d.dispose();
  }
  expect(tf.memory().numTensors).toBe(before);
}

/** The error a load throws (and that it left no tensors behind). */
export async function loadError(name: string, options: LoadOptions = {}): Promise<Error> {
  const before = tf.memory().numTensors;
  let err: unknown;
  try {
    const d = await loadDataset(name, options);
    d.dispose();
  } catch (e) {
    err = e;
  }
  expect(tf.memory().numTensors).toBe(before);
  expect(err).toBeInstanceOf(Error);
  return err as Error;
}
