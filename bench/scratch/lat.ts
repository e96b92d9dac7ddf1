import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import { magnitudeUnitScores, pruneUnits, unitMasks, countMacs } from '@spam/structured';
import { buildMlp } from '../src/suites/curvature.js';
import { buildDigitsLeNet } from '@spam/example-digits-structured';
await tf.setBackend('wasm'); await tf.ready();
function lat(m: tf.LayersModel, x: tf.Tensor, reps = 15) {
  const once = () => tf.tidy(() => void (m.predict(x, { batchSize: x.shape[0] }) as tf.Tensor).dataSync());
  for (let i = 0; i < 3; i++) once();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) { const t0 = performance.now(); once(); t.push(performance.now() - t0); }
  t.sort((a, b) => a - b); return t[t.length >> 1];
}
for (const arch of ['784-256-10', '784-500-300-10', 'lenet']) {
  const model = arch === 'lenet' ? buildDigitsLeNet(0) : buildMlp(arch);
  const shape = arch === 'lenet' ? [8, 8, 1] : [784];
  for (const f of [0.5, 0.75, 0.9]) {
    const small = pruneUnits(model, unitMasks(magnitudeUnitScores(model), { fraction: f }));
    const macRed = countMacs(model) / countMacs(small);
    const parts: string[] = [];
    for (const b of arch === 'lenet' ? [256, 1024, 4096] : [256, 1024, 4096]) {
      const x = tf.randomUniform([b, ...shape]);
      const a = lat(model, x), c = lat(small, x);
      parts.push(`b${b}: ${a.toFixed(2)}→${c.toFixed(2)} ms ${(a / c).toFixed(2)}× (${(a / c / macRed).toFixed(2)})`);
      x.dispose();
    }
    console.log(arch, f, `MAC÷ ${macRed.toFixed(2)}`, parts.join(' | '));
    small.dispose();
  }
  model.dispose();
}
