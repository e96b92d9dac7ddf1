/**
 * Seeded random chain architectures for the structured-removal property tests: Dense chains and
 * Conv2D(+pooling) + Flatten/GAP + Dense chains, Sequential or functional, with activations that
 * have f(0) = 0 and f(0) ≠ 0, activation / ReLU / Dropout layers in between, and random unit masks.
 */
import * as tf from '@tensorflow/tfjs';
import { rng, seedWeights } from '../../../test/helpers/index.js';

const L = tf.layers;

/** Element-wise activations tfjs-layers and the adapter both know; the first three have f(0) ≠ 0. */
export const NONZERO_AT_0 = ['sigmoid', 'hardSigmoid', 'softplus'];
export const ACTIVATIONS = [...NONZERO_AT_0, 'linear', 'relu', 'tanh', 'elu', 'selu', 'softsign', 'relu6', 'swish'];

type Factory = (inputShape?: number[]) => tf.layers.Layer;

export interface RandomNet {
  model: tf.LayersModel;
  inputShape: number[];
  description: string;
}

/** A random chain model; `kind` picks the family; `functional` builds it with tf.model. */
export function randomNet(seed: number, kind: 'dense' | 'conv', functional: boolean): RandomNet {
  const u = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(u() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(u() * xs.length)];
  const factories: Factory[] = [];
  const parts: string[] = [];
  let name = 0;
  const id = (p: string) => `${p}${seed}_${name++}`;
  const maybeOps = (nonzero: boolean): boolean => {
    // An optional element-wise layer between producer and consumer; returns whether the removed
    // channels can still carry a non-zero constant.
    const r = u();
    if (r < 0.2) {
      const act = pick(ACTIVATIONS);
      factories.push(() => L.activation({ activation: act as never, name: id('act') }));
      parts.push(`Activation(${act})`);
      return nonzero || NONZERO_AT_0.includes(act);
    }
    if (r < 0.3) {
      const maxValue = u() < 0.5 ? undefined : 1.5;
      factories.push(() => L.reLU({ maxValue, name: id('relu') }));
      parts.push('ReLU');
      return nonzero;
    }
    if (r < 0.4) {
      factories.push(() => L.dropout({ rate: 0.3, name: id('drop') }));
      parts.push('Dropout');
    }
    return nonzero;
  };
  let inputShape: number[];
  if (kind === 'dense') {
    inputShape = [int(2, 6)];
    const hidden = int(1, 3);
    for (let i = 0; i < hidden; i++) {
      const units = int(2, 7);
      const act = pick(ACTIVATIONS);
      const useBias = u() < 0.8;
      factories.push((s) => L.dense({ units, activation: act as never, useBias, name: id('dense'), ...(s ? { inputShape: s } : {}) }));
      parts.push(`Dense(${units},${act}${useBias ? '' : ',nobias'})`);
      maybeOps(false);
    }
  } else {
    const hw = [int(6, 9), int(6, 9)];
    inputShape = [...hw, int(1, 3)];
    let nonzero = false;
    const convs = int(1, 2);
    for (let i = 0; i < convs; i++) {
      const size = Math.min(hw[0], hw[1]);
      const k = int(1, Math.min(3, size));
      const padding = nonzero || u() < 0.5 ? 'valid' : 'same';
      const strides = u() < 0.7 ? 1 : 2;
      const filters = int(2, 5);
      const act = pick(ACTIVATIONS);
      const useBias = u() < 0.85;
      factories.push((s) =>
        L.conv2d({
          filters,
          kernelSize: k,
          strides,
          padding,
          activation: act as never,
          useBias,
          name: id('conv'),
          ...(s ? { inputShape: s } : {}),
        }),
      );
      parts.push(`Conv2D(${filters},k${k},s${strides},${padding},${act}${useBias ? '' : ',nobias'})`);
      for (let a = 0; a < 2; a++) hw[a] = padding === 'same' ? Math.ceil(hw[a] / strides) : Math.floor((hw[a] - k) / strides) + 1;
      nonzero = NONZERO_AT_0.includes(act);
      nonzero = maybeOps(nonzero);
      if (Math.min(hw[0], hw[1]) >= 2 && u() < 0.6) {
        const pool = 2;
        const ps = int(1, 2);
        const pp = u() < 0.5 ? 'valid' : 'same';
        const max = u() < 0.5;
        factories.push(() => (max ? L.maxPooling2d : L.averagePooling2d)({ poolSize: pool, strides: ps, padding: pp, name: id('pool') }));
        parts.push(`${max ? 'Max' : 'Avg'}Pool(s${ps},${pp})`);
        for (let a = 0; a < 2; a++) hw[a] = pp === 'same' ? Math.ceil(hw[a] / ps) : Math.floor((hw[a] - pool) / ps) + 1;
      }
    }
    if (u() < 0.5) {
      factories.push(() => L.flatten({ name: id('flatten') }));
      parts.push('Flatten');
    } else {
      factories.push(() => L.globalAveragePooling2d({ name: id('gap') }));
      parts.push('GAP');
    }
    if (u() < 0.6) {
      const units = int(2, 6);
      const act = pick(ACTIVATIONS);
      factories.push(() => L.dense({ units, activation: act as never, name: id('dense') }));
      parts.push(`Dense(${units},${act})`);
      maybeOps(false);
    }
  }
  const out = int(1, 4);
  const softmax = u() < 0.3;
  factories.push((s) =>
    L.dense({ units: out, activation: softmax ? 'softmax' : 'linear', name: id('out'), ...(s ? { inputShape: s } : {}) }),
  );
  parts.push(`Dense(${out}${softmax ? ',softmax' : ''})`);
  if (u() < 0.2) {
    factories.push(() => L.activation({ activation: 'softmax', name: id('act') }));
    parts.push('Activation(softmax)');
  }
  let model: tf.LayersModel;
  if (functional) {
    const input = tf.input({ shape: inputShape, name: id('input') });
    let h: tf.SymbolicTensor = input;
    for (const f of factories) h = f().apply(h) as tf.SymbolicTensor;
    model = tf.model({ inputs: input, outputs: h, name: id('functional') });
  } else {
    model = tf.sequential({ layers: factories.map((f, i) => f(i === 0 ? inputShape : undefined)), name: id('sequential') });
  }
  seedWeights(model, seed, 0.6);
  return { model, inputShape, description: `${functional ? 'functional' : 'sequential'} ${parts.join(' → ')}` };
}

/** Dense/Conv2D layers of a model with their unit counts, in model order. */
export function unitLayersOf(model: tf.LayersModel): Array<{ name: string; units: number }> {
  return model.layers
    .filter((l) => l.getClassName() === 'Dense' || l.getClassName() === 'Conv2D')
    .map((l) => ({ name: l.name, units: (l.getConfig().units ?? l.getConfig().filters) as number }));
}

/** Random unit masks: every layer but the last keeps each unit with probability ½ (at least one), or all. */
export function randomMasks(model: tf.LayersModel, seed: number): Record<string, boolean[]> {
  const u = rng(seed);
  const layers = unitLayersOf(model);
  const masks: Record<string, boolean[]> = {};
  layers.slice(0, -1).forEach(({ name, units }) => {
    const r = u();
    if (r < 0.1) return; // no entry: keeps all
    const mask = Array.from({ length: units }, () => r < 0.2 || u() < 0.5);
    if (!mask.some(Boolean)) mask[Math.floor(u() * units)] = true;
    masks[name] = mask;
  });
  return masks;
}
