import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { pruneUnits, maskUnits } from '../src/index.ts';
await tf.setBackend(process.argv[2] ?? 'wasm');
const m = tf.sequential({ layers: [
  tf.layers.conv2d({ filters: 4, kernelSize: 3, inputShape: [8, 8, 2], activation: 'sigmoid', name: 'c1' })] });
const x = tf.randomNormal([4, 8, 8, 2]);
(m.predict(x) as tf.Tensor).print();
const q = tf.Sequential.fromConfig(tf.Sequential, m.getConfig(), {}, true) as tf.Sequential;
const b = (q.layers[0] as any).bias.read();
console.log(b.shape, b.rank);
try { (q.predict(x) as tf.Tensor).shape; console.log('ok fast'); } catch (e) { console.log('fail fast', (e as Error).message); }
q.setWeights(m.getWeights().map((w) => w.clone()));
try { (q.predict(x) as tf.Tensor).shape; console.log('ok after set'); } catch (e) { console.log('fail after set', (e as Error).message); }
const q2 = tf.Sequential.fromConfig(tf.Sequential, m.getConfig(), {}, false) as tf.Sequential;
try { (q2.predict(x) as tf.Tensor).shape; console.log('ok slow'); } catch (e) { console.log('fail slow', (e as Error).message); }
