// Shared fixtures of the fileSystem(dir) tests: a small saved model in a fresh folder, model.json
// edits, and load rejections checked for left-over tensors.
import { expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileSystem } from '@spam/structured/node';
import { rejection, seedWeights } from '../../../test/helpers/index.js';

/** A 3→2 Dense model: 8 float32 weights = 32 bytes. */
export function small(): tf.Sequential {
  const m = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2, name: 'd' })] });
  seedWeights(m, 3);
  return m;
}

let count = 0;
/** A fresh folder under `root` holding {@link small} saved with `fileSystem` (model.json + 32-byte weights.bin). */
export async function savedDir(root: string): Promise<string> {
  const dir = join(root, `m${count++}`);
  const m = small();
  await m.save(fileSystem(dir));
  m.dispose();
  return dir;
}

/** Rewrites `dir/model.json` after `edit` changed its parsed JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the edits reach into arbitrary JSON (j.weightsManifest[0].paths = …)
export function editModelJSON(dir: string, edit: (json: Record<string, any>) => void): void {
  const file = join(dir, 'model.json');
  const json = JSON.parse(readFileSync(file, 'utf8'));
  edit(json);
  writeFileSync(file, JSON.stringify(json));
}

/** The rejection of `tf.loadLayersModel(fileSystem(dir))`, checking that no tensor was left behind. */
export async function loadError(dir: string): Promise<Error> {
  const before = tf.memory().numTensors;
  const e = await rejection(tf.loadLayersModel(fileSystem(dir)));
  expect(tf.memory().numTensors).toBe(before);
  return e;
}
