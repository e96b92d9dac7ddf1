import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { marglikTraining } from '@spam/laplace';
import { opdScores, obdScores } from '@spam/prune';
import { unitScores, unitMasks, pruneUnits, magnitudeUnitScores } from '@spam/structured';
import { loadDigits, buildDigitsLeNet, testMetrics } from '../src/index.js';
await tf.setBackend('wasm');
const d = loadDigits();
const model = buildDigitsLeNet(0);
const prior = (process.argv[2] ?? 'parameterwise') as any;
const r = await marglikTraining(model, { xs: d.xTrain, ys: d.yTrain, batchSize: 64 }, { likelihood: 'classification', hessian: 'kron', prior, epochs: 25, marglikEvery: 5, hyperSteps: 100, lr: 1e-3 });
const sets: Record<string, any> = {};
for (const [name, f] of [['opd-exact', () => opdScores(r.laplace, r.prior)], ['opd-eigen', () => opdScores(r.laplace, r.prior, { kronDiagonal: 'eigen' })], ['obd', () => obdScores(r.laplace)]] as const) {
  const s = (f as any)(); sets[name] = unitScores(s); sets[name + '-l2'] = unitScores(s, { aggregate: 'l2' }); s.dispose();
}
sets.magnitude = magnitudeUnitScores(model);
console.log('dense', testMetrics(model, d).accuracy);
for (const [name, us] of Object.entries(sets)) {
  const accs = [0.2, 0.4, 0.6, 0.7, 0.8, 0.9].map((fr) => { const p = pruneUnits(model, unitMasks(us, { fraction: fr })); const a = testMetrics(p, d).accuracy; p.dispose(); return (a * 100).toFixed(1); });
  console.log(name.padEnd(14), accs.join(' '));
}
r.laplace.dispose(); r.prior.dispose(); model.dispose(); d.dispose();
