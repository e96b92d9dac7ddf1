// The consumer test's CommonJS program: compiled as .cts (so `import` becomes `require` and the
// packages' `require` condition and .d.cts types are used), run on the cpu backend.
import * as tf from '@tensorflow/tfjs';
import { fitLaplace, DiagLaplace } from '@spam/laplace';
import { createPrior } from '@spam/priors';
import { opdScores, globalMask } from '@spam/prune';
import type {} from '@spam/structured';
import { SpamError } from '@spam/core';
import { PathEscapeError } from '@spam/core/node';
import { fileSystem as laplaceFiles } from '@spam/laplace/node';
import { fileSystem as modelFiles } from '@spam/structured/node';

function check(cond: unknown, what: string): asserts cond {
  if (!cond) throw new Error(`consumer (cjs) check failed: ${what}`);
}

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  const xs = tf.randomNormal([40, 3], 0, 1, 'float32', 3);
  const ys = tf.randomNormal([40, 1], 0, 1, 'float32', 4);
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: 4, inputShape: [3], activation: 'tanh' }), tf.layers.dense({ units: 1 })],
  });
  const lap = await fitLaplace(model, { xs, ys, batchSize: 16 }, { likelihood: 'regression', structure: 'diag', sigma: 0.5 });
  check(lap instanceof DiagLaplace, 'diag Laplace');
  check(lap.diag.shape[0] === 3 * 4 + 4 + 4 + 1, 'diag has P entries');
  const prior = createPrior(model, 'parameterwise');
  const scores = opdScores(lap, prior);
  const mask = globalMask(scores, { sparsity: 0.25 });
  check(mask.numPruned === Math.floor(16 * 0.25), `cjs mask prunes ⌊16·0.25⌋ kernels (got ${mask.numPruned})`);
  scores.dispose();
  prior.dispose();
  lap.dispose();
  tf.dispose([xs, ys]);
  model.dispose();
  // One PathEscapeError class (@spam/core/node) whichever package raises it, and a SpamError.
  for (const f of [
    () => laplaceFiles('spam-consumer-dir', { name: '../out' }),
    () => modelFiles('spam-consumer-dir', { modelFile: '../out.json' }),
  ]) {
    let shared = false;
    try {
      f();
    } catch (e) {
      shared = e instanceof PathEscapeError && e instanceof SpamError;
    }
    check(shared, 'cjs: a file name outside the directory raises the PathEscapeError of @spam/core/node (a SpamError)');
  }
  console.log(JSON.stringify({ cjs: true, backend: tf.getBackend(), pruned: mask.numPruned }));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
