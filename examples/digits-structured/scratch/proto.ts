import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { buildModelAdapter, evaluate } from '@spam/core';
import { marglikTraining } from '@spam/laplace';
import { loadDigits } from '../src/data.js';
import { buildDigitsLeNet } from '../src/model.js';
import { countMacs, countParams } from '@spam/structured';

await tf.setBackend('wasm');
const d = loadDigits();
const prior = process.argv[2] ?? 'parameterwise';
const epochs = Number(process.argv[3] ?? 10);
const F = Number(process.argv[4] ?? 2);
const K = Number(process.argv[5] ?? 50);
const map = process.argv[6] === 'map';
const model = buildDigitsLeNet(0);
console.log('params', countParams(model), 'macs', countMacs(model));
const t0 = performance.now();
let last = t0;
const r = await marglikTraining(model, { xs: d.xTrain, ys: d.yTrain, batchSize: 64, shuffle: 1 }, {
  likelihood: 'classification', hessian: 'kron', curvature: (process.env.CURV ?? 'ggn') as any, mcSamples: 1, prior: prior as any, epochs, marglikEvery: F, hyperSteps: K, lr: 1e-3, map,
  validation: { xs: d.xTest, ys: d.yTest },
  onProgress: (p) => { if (p.stage === 'epoch') { const now = performance.now(); console.log(p.epoch, p.loss.toFixed(3), p.logMarglik?.toFixed(1), ((p.validation as any).accuracy * 100).toFixed(1), ((now - last) / 1000).toFixed(2) + 's'); last = now; } },
});
console.log('total', ((performance.now() - t0) / 1000).toFixed(1), 's', r.prior.summary());
r.laplace.dispose(); r.prior.dispose(); model.dispose(); d.dispose();
console.log('tensors', tf.memory().numTensors);
