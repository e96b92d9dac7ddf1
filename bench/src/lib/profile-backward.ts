/**
 * Where one curvature batch of the architectures bench spends its time (diagnostic, not a suite):
 * per node of the adapter's backward sweep, per parameter layer's weightVjp / expandInput, and per
 * accumulator (diag, kron) contribution, with K = C − 1 = 9 cotangents (exact GGN, as fitLaplace) and K = 1 (MC), next to
 * one training step's gradient (`meanNllGradients`, as `trainEpoch` runs it) on the same batch,
 * all interleaved batch by batch. Times are CPU time of this process (wasm kernels run
 * synchronously on one thread): far less sensitive to other processes than wall time, though
 * not immune (shared caches and cores). The last lines give the per-batch ratios to the training
 * step and the floor of the exact GGN: forward + the K = 9 backward alone.
 *
 *   node --import tsx bench/src/lib/profile-backward.ts [--model resnet|vit] [--batches 3]
 */
import '@tensorflow/tfjs-backend-wasm';
import '@spam/tfjs-wasm-kernels'; // as in the bench process (the epoch and kernels suites import it)
import * as tf from '@tensorflow/tfjs';
import { loadavg } from 'node:os';
import { buildModelAdapter, outputHessianSqrt, meanNllGradients, type ModelAdapter } from '@spam/core';
import { buildResnet, buildVit, calibrateBatchNorm } from '@spam/harness';
import { layerInputs } from '../../../packages/laplace/src/curvature/base.js';
import { diagAccumulator } from '../../../packages/laplace/src/curvature/diag.js';
import { kronAccumulator } from '../../../packages/laplace/src/curvature/kron.js';
import { useBackend } from './backend.js';
import { loadMnistDigits, shuffledSubset } from './mnist.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
};
/** CPU milliseconds of this process (wasm runs on one thread: robust to other processes' load). */
const now = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const ms = (t0: number) => now() - t0;

class Timer {
  readonly total = new Map<string, number>();
  time<T>(key: string, f: () => T): T {
    const t0 = now();
    const out = f();
    this.total.set(key, (this.total.get(key) ?? 0) + ms(t0));
    return out;
  }
}

/** The adapter's backward sweep, node by node, each node's VJP timed under `${class}`. */
function timedBackward(
  adapter: ModelAdapter,
  trace: ReturnType<ModelAdapter['forward']>,
  v: tf.Tensor,
  t: Timer,
  tag: string,
): tf.Tensor[] {
  const layers = adapter.layers;
  const output = trace.layerOutputs.indexOf(trace.output);
  const paramIndex = layers.map((l) => adapter.paramLayers.indexOf(l as never));
  const needs = layers.map(() => false);
  layers.forEach((l, i) => {
    needs[i] = paramIndex[i] >= 0 || adapter.inbound[i].some((j) => j >= 0 && needs[j]);
  });
  const strip = adapter.strippedLayerIndex;
  const grads: tf.Tensor[] = [];
  const cot: Array<tf.Tensor | undefined> = [];
  cot[output] = v;
  const send = (j: number, d: tf.Tensor) => {
    if (j < 0 || !needs[j]) return;
    const prev = cot[j];
    cot[j] = prev ? t.time(`${tag} branch add`, () => tf.add(prev, d)) : d;
  };
  for (let i = output; i >= 0; i--) {
    const d = cot[i];
    if (!d || !needs[i]) continue;
    const layer = layers[i];
    const inbound = adapter.inbound[i];
    const x = trace.nodeInputs[i];
    const y = trace.layerOutputs[i];
    const key = `${tag} ${layer.className}`;
    if (layer.kind === 'parametric') {
      const cap = trace.captures[paramIndex[i]];
      const gz = i === strip ? d : t.time(`${key} act ${layer.activation.name}`, () => layer.activation.vjp(d, cap.preactivation, y));
      grads[paramIndex[i]] = gz;
      if (inbound[0] >= 0 && needs[inbound[0]])
        send(
          inbound[0],
          t.time(`${key} linearVjp ${layer.name}`, () => layer.linearVjp(gz)),
        );
    } else if (layer.kind === 'weighted') {
      grads[paramIndex[i]] = d;
      if (inbound[0] >= 0 && needs[inbound[0]])
        send(
          inbound[0],
          t.time(`${key} vjp`, () => layer.vjp(d, x[0], y)),
        );
    } else if (layer.kind === 'merge') {
      t.time(`${key} vjp`, () => layer.vjp(d, x, y)).forEach((dj, k) => send(inbound[k], dj));
    } else if (inbound[0] >= 0 && needs[inbound[0]]) {
      send(inbound[0], i === strip ? d : t.time(`${key} vjp`, () => layer.vjp(d, x[0], y)));
    }
  }
  return grads;
}

async function main(): Promise<void> {
  await useBackend('wasm');
  const which = arg('model', 'vit');
  const batches = Number(arg('batches', '3'));
  const data = shuffledSubset(loadMnistDigits(), 128 * (batches + 1));
  const model = which === 'resnet' ? buildResnet({ seed: 1 }) : buildVit({ seed: 1 });
  const xsAll = tf.tensor4d(data.images, [data.n, 28, 28, 1]);
  const ysAll = tf.tensor1d(data.labels, 'int32');
  calibrateBatchNorm(model, xsAll);
  const adapter = buildModelAdapter(model, { logits: true });
  const kron = kronAccumulator('asdl');
  const t = new Timer();
  const load0 = loadavg()[0];
  for (let b = 0; b <= batches; b++) {
    if (b === 1) t.total.clear(); // batch 0 is the warm-up
    tf.tidy(() => {
      const x = tf.slice(xsAll, b * 128, 128);
      const y = tf.slice(ysAll, b * 128, 128);
      t.time('train step: meanNllGradients', () => {
        const r = meanNllGradients(adapter, 'classification', x, y);
        r.loss.dataSync();
        return r;
      });
      const trace = t.time('forward', () => adapter.forward(x));
      const v = t.time('outputHessianSqrt', () => outputHessianSqrt('classification', trace.output, { reduced: true }));
      for (const [tag, vk] of [
        ['K=9', v],
        ['K=1', tf.slice(v, 0, 1)],
      ] as const) {
        const grads = timedBackward(adapter, trace, vk, t, tag);
        const inputs = layerInputs(trace.captures, grads);
        // layerInputs ran weightVjp/expandInput: time them separately for the record.
        trace.captures.forEach((c, i) => {
          const l = c.layer;
          if (l.kind === 'weighted') t.time(`${tag} weightVjp ${l.className}`, () => l.weightVjp(grads[i], c.input, c.preactivation));
          else t.time(`${tag} expandInput ${l.className}`, () => l.expandInput(c.input));
        });
        // The accumulators see every layer at once (the diag one groups layers that share an input).
        t.time(`${tag} acc diag (all layers)`, () => diagAccumulator.batch(inputs).forEach((r) => r.dataSync()));
        t.time(`${tag} acc kron (all layers)`, () => kron.batch(inputs).forEach((r) => r.dataSync()));
      }
    });
  }
  const rows = [...t.total.entries()].map(([k, v]) => [k, v / batches] as const);
  const sum = (pre: string) => rows.filter(([k]) => k.startsWith(pre)).reduce((a, [, v]) => a + v, 0);
  console.log(`model ${which}, ${batches} batches of 128 (after a warm-up), load ${load0.toFixed(2)} → ${loadavg()[0].toFixed(2)}`);
  for (const [k, v] of rows.sort((a, b) => b[1] - a[1])) console.log(`${v.toFixed(1).padStart(9)} ms  ${k}`);
  for (const tag of ['K=9', 'K=1']) {
    const bwd = rows.filter(
      ([k]) => k.startsWith(`${tag} `) && !k.includes(' acc ') && !k.includes('weightVjp') && !k.includes('expandInput'),
    );
    console.log(
      `${tag}: backward ${bwd.reduce((a, [, v]) => a + v, 0).toFixed(0)} ms, weightVjp ${sum(`${tag} weightVjp `).toFixed(0)} ms, expandInput ${sum(`${tag} expandInput `).toFixed(0)} ms, acc diag ${sum(`${tag} acc diag `).toFixed(0)} ms, acc kron ${sum(`${tag} acc kron `).toFixed(0)} ms`,
    );
  }
  const get = (key: string) => rows.find(([k]) => k === key)?.[1] ?? 0;
  const train = get('train step: meanNllGradients');
  const fwd = get('forward');
  const part = (tag: string) => {
    const bwd = rows
      .filter(([k]) => k.startsWith(`${tag} `) && !k.includes(' acc ') && !k.includes('weightVjp') && !k.includes('expandInput'))
      .reduce((a, [, v]) => a + v, 0);
    return { bwd, w: sum(`${tag} weightVjp `), diag: sum(`${tag} acc diag `), kron: sum(`${tag} acc kron `) };
  };
  const k9 = part('K=9');
  const k1 = part('K=1');
  const ratio = (x: number) => `${(x / train).toFixed(2)}× the training step`;
  console.log(`per batch (CPU ms): training step ${train.toFixed(0)}, forward ${fwd.toFixed(0)}`);
  console.log(`backward K=9 / K=1: ${(k9.bwd / k1.bwd).toFixed(1)}× (${k9.bwd.toFixed(0)} / ${k1.bwd.toFixed(0)} ms)`);
  console.log(`diag GGN ≈ forward + backward + weightVjp + acc diag (K=9): ${ratio(fwd + k9.bwd + k9.w + k9.diag)}`);
  console.log(`KFAC GGN ≈ forward + backward + weightVjp + acc kron (K=9): ${ratio(fwd + k9.bwd + k9.w + k9.kron)}`);
  console.log(`diag MC ≈ forward + backward + weightVjp + acc diag (K=1): ${ratio(fwd + k1.bwd + k1.w + k1.diag)}`);
  console.log(`floor of the exact GGN, forward + K=9 backward only: ${ratio(fwd + k9.bwd)}`);
  tf.dispose([xsAll, ysAll]);
  model.dispose();
}

void main();
