import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
await tf.setBackend('wasm');
const m = tf.sequential({ layers: [
  tf.layers.conv2d({ filters: 3, kernelSize: 3, inputShape: [6, 6, 2], activation: 'sigmoid', name: 'c1' }),
  tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.flatten(), tf.layers.dense({ units: 4, name: 'd1' })] });
const cfg = m.getConfig() as any;
console.log(JSON.stringify(cfg).slice(0, 600));
console.log(m.getClassName());
const m2 = tf.Sequential.fromConfig(tf.Sequential, cfg) as tf.Sequential;
console.log(m2.layers.map((l) => l.name), m2.weights.map((w) => w.name + ' ' + (w as any).originalName));
const inp = tf.input({ shape: [5] });
const h = tf.layers.dense({ units: 3, name: 'fa' }).apply(inp) as tf.SymbolicTensor;
const o = tf.layers.dense({ units: 2, name: 'fb' }).apply(h) as tf.SymbolicTensor;
const f = tf.model({ inputs: inp, outputs: o });
console.log(f.getClassName(), JSON.stringify(f.getConfig()).slice(0, 800));
const f2 = (tf.LayersModel as any).fromConfig(tf.LayersModel, f.getConfig());
console.log(f2.getClassName(), f2.layers.map((l: any) => l.name));
// avg pool same
const x = tf.ones([1, 5, 5, 1]);
console.log(Array.from(tf.avgPool(x as tf.Tensor4D, 2, 2, 'same').dataSync()));
console.log(Array.from(tf.avgPool(x as tf.Tensor4D, 3, 1, 'same').dataSync()));
console.log(tf.memory().numTensors);
