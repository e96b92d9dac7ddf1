import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { pruneUnits, maskUnits } from '../src/index.ts';
await tf.setBackend('wasm');
const m = tf.sequential({ layers: [
  tf.layers.conv2d({ filters: 4, kernelSize: 3, inputShape: [8, 8, 2], activation: 'sigmoid', name: 'c1' }),
  tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.flatten(), tf.layers.dense({ units: 5, name: 'd1', activation: 'sigmoid' }), tf.layers.dense({ units: 3, name: 'd2' })] });
const masks = { c1: [true, false, true, false], d1: [false, true, true, true, false] };
for (const f of [maskUnits, pruneUnits]) {
  const p = f(m, masks);
  console.log(p.weights.map((w) => w.name + ' ' + JSON.stringify(w.shape) + ' ' + JSON.stringify(w.read().shape)));
}
