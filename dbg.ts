import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { buildFixtureModel } from './tools/fixtures/build-model';
import { flat } from './tools/fixtures/compare';
import { buildModelAdapter } from '@spam/core';
import { fitLaplace } from '@spam/laplace';
(async () => {
await import('@tensorflow/tfjs-backend-wasm'); await tf.setBackend('wasm');
const fx = JSON.parse(readFileSync('test/fixtures/cnn_reg_tanh.json','utf8'));
const model = buildFixtureModel(fx);
const xs = tf.tensor(flat(fx.inputs_tfjs), [fx.n_data, ...fx.architecture.input_shape_tfjs]);
const ys = tf.tensor2d(fx.targets);
const ad = buildModelAdapter(model as any);
tf.tidy(() => { const tr = ad.forward(xs); const z = tr.captures[0].preactivation; console.log('z range', z.min().dataSync()[0], z.max().dataSync()[0]); 
 const pooled = tr.layerOutputs[2]; console.log(Array.from(tr.layerOutputs[1].slice([0],[1]).dataSync()).map(v=>v.toFixed(3)).join(' '));});
for (const bs of [12, 6, 1]) {
const lap: any = await fitLaplace(model as any, {xs, ys, batchSize: bs}, {likelihood:'regression', structure:'kron', sigma: fx.sigma_noise});
console.log(bs, 'ours G0', Array.from(lap.factors[0].G.dataSync()).map((v:number)=>v.toFixed(4)).join(' '));
}
console.log('exp  G0', flat(fx.expected.kfac[0].G_expand_sum).map((v:number)=>v.toFixed(4)).join(' '), 'reduce', flat(fx.expected.kfac[0].G_reduce_sum).map((v:number)=>v.toFixed(4)).join(' '));
})();
