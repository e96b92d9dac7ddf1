Error.stackTraceLimit = 60;
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { pruneUnits, maskUnits, countMacs, countParams } from '../src/index.ts';
await tf.setBackend('wasm');
const m = tf.sequential({ layers: [
  tf.layers.conv2d({ filters: 4, kernelSize: 3, inputShape: [8, 8, 2], activation: 'sigmoid', name: 'c1' }),
  tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.flatten(), tf.layers.dense({ units: 5, name: 'd1', activation: 'sigmoid' }), tf.layers.dense({ units: 3, name: 'd2' })] });
const before = tf.memory().numTensors;
const masks = { c1: [true, false, true, false], d1: [false, true, true, true, false] };
const p = pruneUnits(m, masks); const q = maskUnits(m, masks);
const x = tf.randomNormal([4, 8, 8, 2]);
const a = p.predict(x) as tf.Tensor, b = q.predict(x) as tf.Tensor;
console.log(tf.max(tf.abs(tf.sub(a, b))).dataSync(), countMacs(m), countMacs(p), countParams(m), countParams(p));
console.log(p.layers.map((l) => l.name + ' ' + JSON.stringify(l.outputShape)));
tf.dispose([a, b, x]); p.dispose(); q.dispose();
console.log(tf.memory().numTensors - before);
