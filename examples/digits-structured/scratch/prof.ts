import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { trainEpoch } from '@spam/core';
import { loadDigits } from '../src/data.js';
import { buildDigitsLeNet } from '../src/model.js';
await tf.setBackend('wasm');
const d = loadDigits();
const model = buildDigitsLeNet(0);
const opt = tf.train.adam(1e-3);
for (const bs of [64, 128, 256]) {
  await trainEpoch(model, { xs: d.xTrain, ys: d.yTrain, batchSize: bs }, { likelihood: 'classification', optimizer: opt });
  const t0 = performance.now();
  await trainEpoch(model, { xs: d.xTrain, ys: d.yTrain, batchSize: bs }, { likelihood: 'classification', optimizer: opt });
  console.log('bs', bs, ((performance.now() - t0)).toFixed(0), 'ms');
}
const info = await tf.profile(async () => { await trainEpoch(model, { xs: d.xTrain, ys: d.yTrain, batchSize: 64 }, { likelihood: 'classification', optimizer: opt }); });
const agg: Record<string, { ms: number; n: number }> = {};
for (const k of info.kernels) { const key = k.name + ' ' + JSON.stringify(k.inputShapes); agg[key] ??= { ms: 0, n: 0 }; agg[key].ms += k.kernelTimeMs as number; agg[key].n++; }
const tot = Object.values(agg).reduce((a, b) => a + b.ms, 0);
console.log('kernel total', tot.toFixed(0), 'kernels', info.kernels.length);
for (const [k, v] of Object.entries(agg).sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) console.log(v.ms.toFixed(1), v.n, k);
// predict
const x = d.xTest;
for (let i = 0; i < 3; i++) tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
const t1 = performance.now();
for (let i = 0; i < 10; i++) tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
console.log('predict 360', ((performance.now() - t1) / 10).toFixed(2), 'ms');
opt.dispose(); model.dispose(); d.dispose();
