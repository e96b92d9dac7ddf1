import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import { magnitudeUnitScores, pruneUnits, unitMasks, countMacs } from '@spam/structured';
import { buildDigitsLeNet } from '@spam/example-digits-structured';
import { buildMlp } from '../src/suites/curvature.js';
await tf.setBackend('wasm'); await tf.ready();
const which = process.argv[2] ?? 'lenet';
const model = which === 'lenet' ? buildDigitsLeNet(0) : buildMlp(which);
const x = tf.randomUniform(which === 'lenet' ? [1024, 8, 8, 1] : [1024, 784]);
for (const f of [0, 0.5, 0.9, 0.99]) {
  const m = f === 0 ? model : pruneUnits(model, unitMasks(magnitudeUnitScores(model), { fraction: f }));
  for (let i = 0; i < 5; i++) tf.tidy(() => (m.predict(x, { batchSize: 1024 }) as tf.Tensor).dataSync());
  const agg: Record<string, number> = {};
  let wall = Infinity;
  for (let rep = 0; rep < 5; rep++) {
    const t0 = performance.now();
    const info = await tf.profile(() => tf.tidy(() => (m.predict(x, { batchSize: 1024 }) as tf.Tensor).dataSync() as any));
    wall = Math.min(wall, performance.now() - t0);
    if (rep === 4) for (const k of info.kernels) agg[k.name + ' ' + JSON.stringify(k.inputShapes[0])] = (agg[k.name + ' ' + JSON.stringify(k.inputShapes[0])] ?? 0) + (k.kernelTimeMs as number);
  }
  const tot = Object.values(agg).reduce((a, b) => a + b, 0);
  console.log(`\n== fraction ${f} MACs ${countMacs(m)} kernels ${tot.toFixed(2)} ms (profiled wall ${wall.toFixed(2)} ms)`);
  for (const [k, v] of Object.entries(agg).sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(v.toFixed(2).padStart(7), k);
  if (m !== model) m.dispose();
}
