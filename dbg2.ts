import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { maxPoolVjp } from './packages/core/src/adapter/layers/pooling2d';
const res: Record<string, number[]> = {};
(async () => {
for (const be of ['cpu','wasm']) {
 await tf.setBackend(be);
 for (const [K,N,C] of [[1,1,1],[1,2,1],[2,2,1],[1,1,3],[2,3,3]]) tf.tidy(() => {
  const x = tf.tensor(Array.from({length: N*4*4*C}, (_, i) => Math.sin(i*1.7)), [N,4,4,C]);
  const dy = tf.tensor(Array.from({length: K*N*2*2*C}, (_, i) => i+1), [K,N,2,2,C]);
  res[be+[K,N,C].join()] = Array.from(maxPoolVjp(dy, x, [2,2],[2,2],'valid',[2,2,C]).dataSync());
 });
}
for (const k of Object.keys(res).filter(k=>k.startsWith('cpu'))) { const a = res[k], b = res['wasm'+k.slice(3)]; console.log(k, Math.max(...a.map((v,i)=>Math.abs(v-b[i]))), b.slice(0,8).join(' ')); }
})();
