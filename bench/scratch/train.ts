import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import { marglikTraining } from '@spam/laplace';
import { buildModelAdapter, evaluate } from '@spam/core';
import { loadMnistSplit, MNIST_PIXELS } from '@spam/examples-common';
import { buildMlp } from '../src/suites/curvature.js';
await tf.setBackend('wasm'); await tf.ready();
const { train, test } = loadMnistSplit();
const xs = tf.tensor2d(train.images, [train.n, MNIST_PIXELS]); const ys = tf.tensor1d(train.labels, 'int32');
const xt = tf.tensor2d(test.images, [test.n, MNIST_PIXELS]); const yt = tf.tensor1d(test.labels, 'int32');
const [arch, prior, epochs] = [process.argv[2], process.argv[3], Number(process.argv[4])];
const model = buildMlp(arch);
const t0 = performance.now(); let last = t0;
const r = await marglikTraining(model, { xs, ys, batchSize: 128, shuffle: 1 }, { likelihood: 'classification', hessian: 'kron', prior: prior as any, epochs, marglikEvery: epochs, hyperSteps: 50, lr: 1e-3,
  onProgress: (p) => { if (p.stage === 'epoch' || (p.stage === 'hyper' && (p as any).step === 1)) { const n = performance.now(); console.log(p.stage, ((n - last) / 1000).toFixed(2)); last = n; } } });
console.log('total', ((performance.now() - t0) / 1000).toFixed(1), (evaluate(buildModelAdapter(model, { logits: true }), 'classification', xt, yt) as any).accuracy);
r.laplace.dispose(); r.prior.dispose(); model.dispose(); tf.dispose([xs, ys, xt, yt]);
