/**
 * Inputs that used to hang (a synchronous loop or Node's recursive mkdir on procfs), run one per
 * child process by isolated.test.ts so that a hang is a timeout, not a stuck test runner:
 * `node --import tsx test/fuzz/isolated-cases.ts <case>` prints one JSON line
 * `{outcome: 'ok' | 'spam-error' | 'other-error' | 'non-finite' | 'leak', detail}`.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { buildModelAdapter, evaluate, SpamError } from '@spam/core';
import { magnitudeScores, sparsitySweep } from '@spam/prune';
import { fileSystem } from '@spam/structured/node';

/** Case name → the call (a small model and data are made inside). */
export const CASES: Record<string, (model: tf.LayersModel, xs: tf.Tensor, ys: tf.Tensor) => unknown> = {
  'evaluate batchSize 0': (m, xs, ys) => evaluate(buildModelAdapter(m, { logits: true }), 'classification', xs, ys, { batchSize: 0 }),
  'sparsitySweep batchSize 0': (m, xs, ys) => {
    const s = magnitudeScores(m);
    try {
      return sparsitySweep(m, s, { likelihood: 'classification', data: { xs, ys }, sparsities: [0.5], batchSize: 0 });
    } finally {
      s.dispose();
    }
  },
  "fileSystem('/proc/x').save": (m) => m.save(fileSystem('/proc/x')).then(() => 'saved'),
};

function finite(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(finite);
  if (v && typeof v === 'object') return Object.values(v).every(finite);
  return true;
}

async function main(name: string): Promise<void> {
  await tf.setBackend('wasm');
  await tf.ready();
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [3], units: 4, activation: 'relu' }), tf.layers.dense({ units: 3 })],
  });
  const xs = tf.randomNormal([5, 3], 0, 1, 'float32', 1);
  const ys = tf.tensor1d([0, 1, 2, 0, 1]);
  const before = tf.memory().numTensors;
  let result: { outcome: string; detail: string };
  try {
    const v = await CASES[name](model, xs, ys);
    result = finite(v) ? { outcome: 'ok', detail: JSON.stringify(v) } : { outcome: 'non-finite', detail: JSON.stringify(v) };
  } catch (e) {
    const err = e as Error;
    result = { outcome: e instanceof SpamError ? 'spam-error' : 'other-error', detail: `${err?.constructor?.name}: ${err?.message}` };
  }
  if (result.outcome !== 'other-error' && tf.memory().numTensors !== before) {
    result = { outcome: 'leak', detail: `${tf.memory().numTensors - before} tensors left; ${result.detail}` };
  }
  process.stdout.write(`${JSON.stringify({ case: name, ...result })}\n`);
  process.exit(0);
}

if (process.argv[2] !== undefined) void main(process.argv[2]);
