import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { InvalidDataError, InvalidOptionError } from '@spam/core';
import { snipScores } from '../src/scores/snip.js';
import { graspScores } from '../src/scores/grasp.js';
import { synflowScores } from '../src/scores/synflow.js';
import { buildFixtureModel } from '../../../tools/fixtures/build-model.js';
import { toTfjsOrder, type Fixture } from '../../../tools/fixtures/schema.js';
import { rejection, relErr, thrown } from '../../../test/helpers/index.js';
import { asModel, cnnModel, take } from './gradient-fixtures.js';

const L = tf.layers;
const FIXTURE_DIR = new URL('../../../test/fixtures/', import.meta.url);
const CASES = (JSON.parse(readFileSync(new URL('index.json', FIXTURE_DIR), 'utf8')) as { cases: Array<{ file: string }> }).cases.map(
  (c) => JSON.parse(readFileSync(new URL(c.file, FIXTURE_DIR), 'utf8')) as Fixture,
);

const flatDeep = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flatDeep) : [v as number]);

function fixtureData(fx: Fixture): { xs: tf.Tensor; ys: tf.Tensor } {
  const xs = tf.tensor(flatDeep(fx.inputs_tfjs), [fx.n_data, ...fx.architecture.input_shape_tfjs]);
  const ys = fx.likelihood === 'classification' ? tf.tensor1d(fx.targets as number[], 'int32') : tf.tensor2d(fx.targets);
  return { xs, ys };
}

const expectedScores = (fx: Fixture, key: string) => toTfjsOrder(fx, (fx.expected.scores as Record<string, number[]>)[key]);

describe('SNIP, GraSP, SynFlow against the float64 fixtures (canonical definitions)', () => {
  for (const fx of CASES) {
    it(`${fx.name}: relErr ≤ 1e-4, one batch and two batches, on ${tf.getBackend()}`, async () => {
      const model = buildFixtureModel(fx);
      const { xs, ys } = fixtureData(fx);
      const before = tf.memory().numTensors;
      const opts = { likelihood: fx.likelihood };
      const one = { xs, ys, batchSize: fx.n_data };
      const two = { xs, ys, batchSize: Math.ceil(fx.n_data / 2) };
      const errs: Record<string, number> = {
        snip: relErr(take(await snipScores(asModel(model), one, opts)), expectedScores(fx, 'snip')),
        snip2: relErr(take(await snipScores(asModel(model), two, opts)), expectedScores(fx, 'snip')),
        grasp: relErr(take(await graspScores(asModel(model), one, opts)), expectedScores(fx, 'grasp')),
        grasp2: relErr(take(await graspScores(asModel(model), two, opts)), expectedScores(fx, 'grasp')),
        synflow: relErr(take(synflowScores(asModel(model))), expectedScores(fx, 'synflow')),
        // The fixtures' scores exclude 1/σ²: passing the case's σ reproduces them too.
        graspSigma: relErr(take(await graspScores(asModel(model), two, { ...opts, sigma: fx.sigma_noise })), expectedScores(fx, 'grasp')),
      };
      console.log(
        `[scores-gradient] ${fx.name.padEnd(20)} ${tf.getBackend()} ${Object.entries(errs)
          .map(([k, e]) => `${k} ${e.toExponential(2)}`)
          .join('  ')}`,
      );
      for (const [k, e] of Object.entries(errs)) expect(e, k).toBeLessThanOrEqual(1e-4);
      // The non-canonical paper-code variants differ: the comparison can tell them apart.
      expect(relErr(expectedScores(fx, 'snip_spam'), expectedScores(fx, 'snip'))).toBeGreaterThan(1e-2);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([xs, ys]);
      model.dispose();
    });
  }
});

describe('batches', () => {
  const fx = CASES.find((c) => c.name === 'cnn_cls_maxpool')!;
  const fr = CASES.find((c) => c.name === 'mlp_reg_tanh')!;
  for (const f of [fx, fr]) {
    it(`${f.name}: two batches of 8 = one batch of 16; batches: 1 = the first batch alone; iterables`, async () => {
      const model = buildFixtureModel(f);
      const all = fixtureData(f);
      const xs = tf.slice(all.xs, [0], [16]);
      const ys = tf.slice(all.ys, [0], [16]);
      const opts = { likelihood: f.likelihood };
      for (const score of [snipScores, graspScores]) {
        const one = take(await score(asModel(model), { xs, ys, batchSize: 16 }, opts));
        const two = take(await score(asModel(model), { xs, ys, batchSize: 8 }, opts));
        const viaOption = take(await score(asModel(model), { xs, ys }, { ...opts, batchSize: 8 }));
        expect(relErr(two, one)).toBeLessThan(1e-5);
        expect(relErr(viaOption, one)).toBeLessThan(1e-5);
        const first = { xs: tf.slice(xs, [0], [8]), ys: tf.slice(ys, [0], [8]) };
        const firstAlone = take(await score(asModel(model), { ...first, batchSize: 8 }, opts));
        const limited = take(await score(asModel(model), { xs, ys, batchSize: 8 }, { ...opts, batches: 1 }));
        expect(relErr(limited, firstAlone)).toBeLessThan(1e-6);
        expect(relErr(limited, one)).toBeGreaterThan(1e-3);
        // An array of batches (owned by the caller) and an uneven split give the same as one batch.
        const rest = { xs: tf.slice(xs, [5], [11]), ys: tf.slice(ys, [5], [11]) };
        const head = { xs: tf.slice(xs, [0], [5]), ys: tf.slice(ys, [0], [5]) };
        const fromArray = take(await score(asModel(model), [head, rest], opts));
        expect(relErr(fromArray, one)).toBeLessThan(1e-5);
        expect(head.xs.isDisposed).toBe(false);
        tf.dispose([first.xs, first.ys, rest.xs, rest.ys, head.xs, head.ys]);
      }
      tf.dispose([xs, ys, all.xs, all.ys]);
      model.dispose();
    });
  }
});

describe('SynFlow', () => {
  it('never changes the weights and strips a final softmax', () => {
    const model = cnnModel(7);
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    const s = take(synflowScores(asModel(model)));
    const after = model.getWeights().map((w) => Array.from(w.dataSync()));
    expect(after).toEqual(before);
    expect(s.every((x) => x >= 0)).toBe(true);
    // Same network without the final softmax: identical scores.
    const lin = tf.sequential();
    lin.add(L.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, padding: 'same', activation: 'sigmoid' }));
    lin.add(L.maxPooling2d({ poolSize: 2 }));
    lin.add(L.conv2d({ filters: 4, kernelSize: 2, activation: 'elu' }));
    lin.add(L.averagePooling2d({ poolSize: 2, strides: 1 }));
    lin.add(L.flatten());
    lin.add(L.dense({ units: 6, activation: 'tanh' }));
    lin.add(L.dropout({ rate: 0.3 }));
    lin.add(L.dense({ units: 3 }));
    lin.setWeights(model.getWeights());
    expect(relErr(take(synflowScores(asModel(lin))), s)).toBeLessThan(1e-6);
    model.dispose();
    lin.dispose();
  });

  it('iterative SynFlow: the exponential schedule, rebuilt from single-shot SynFlow on masked weights', () => {
    const fx = CASES.find((c) => c.name === 'mlp_cls_relu_nobias')!;
    const model = buildFixtureModel(fx);
    const p = fx.n_params;
    const s = 0.8;
    const n = 2;
    const before = tf.memory().numTensors;
    const iterative = take(synflowScores(asModel(model), { iterations: n, sparsity: s }));
    expect(tf.memory().numTensors).toBe(before);
    const zeros = iterative.filter((x) => x === 0).length;
    expect(zeros).toBeGreaterThanOrEqual(Math.floor(p * s));

    // Reference: round 1 = single-shot scores; prune ⌊P(1 − (1 − s)^(1/2))⌋ lowest; round 2 on the masked model.
    const theta = model.getWeights();
    const shapes = theta.map((t) => t.shape);
    const flatTheta = theta.flatMap((t) => Array.from(t.dataSync()));
    const lowest = (sc: ArrayLike<number>, k: number, exclude: Set<number>) =>
      Array.from({ length: sc.length }, (_, i) => i)
        .filter((i) => !exclude.has(i))
        .sort((a, b) => sc[a] - sc[b] || a - b)
        .slice(0, k);
    const s1 = take(synflowScores(asModel(model)));
    const pruned1 = new Set(lowest(s1, Math.floor(p * (1 - Math.sqrt(1 - s))), new Set()));
    let o = 0;
    const masked = shapes.map((sh) => {
      const size = sh.reduce((a, b) => a * b, 1);
      const vals = flatTheta.slice(o, o + size).map((x, j) => (pruned1.has(o + j) ? 0 : x));
      o += size;
      return tf.tensor(vals, sh);
    });
    model.setWeights(masked);
    tf.dispose(masked);
    const s2 = take(synflowScores(asModel(model)));
    const pruned2 = new Set([...pruned1, ...lowest(s2, Math.floor(p * s) - pruned1.size, pruned1)]);
    const reference = Array.from(s2, (x, i) => (pruned2.has(i) ? 0 : x));
    expect(relErr(iterative, reference)).toBeLessThan(1e-6);
    expect(iterative.filter((x, i) => x === 0 && !pruned2.has(i)).length).toBe(zeros - pruned2.size);
    // The final mask is the ⌊P·s⌋ lowest of the returned scores.
    expect(new Set(lowest(iterative, Math.floor(p * s), new Set()))).toEqual(pruned2);
    model.dispose();
  });

  it('iterations: 1 ignores sparsity; iterations: 3, sparsity 0 prunes nothing', () => {
    const fx = CASES.find((c) => c.name === 'mlp_cls_tanh')!;
    const model = buildFixtureModel(fx);
    const single = take(synflowScores(asModel(model)));
    expect(relErr(take(synflowScores(asModel(model), { iterations: 1, sparsity: 0.5 })), single)).toBe(0);
    expect(relErr(take(synflowScores(asModel(model), { iterations: 3, sparsity: 0 })), single)).toBe(0);
    const it3 = take(synflowScores(asModel(model), { iterations: 3, sparsity: 0.5 }));
    expect(it3.filter((x) => x === 0).length).toBeGreaterThanOrEqual(Math.floor(fx.n_params * 0.5));
    model.dispose();
  });
});

describe('typed errors and memory', () => {
  const fx = CASES.find((c) => c.name === 'mlp_cls_tanh')!;

  it('bad data and options', async () => {
    const model = asModel(buildFixtureModel(fx));
    const { xs, ys } = fixtureData(fx);
    const cls = { likelihood: 'classification' as const };
    const before = tf.memory().numTensors;
    const emptyX = tf.zeros([0, 4]);
    const emptyY = tf.zeros([0], 'int32');
    for (const score of [snipScores, graspScores]) {
      expect(await rejection(score(model, { xs: emptyX, ys: emptyY }, cls))).toBeInstanceOf(InvalidDataError);
      expect(await rejection(score(model, [], cls))).toBeInstanceOf(InvalidDataError);
      expect(await rejection(score(model, null as never, cls))).toBeInstanceOf(InvalidDataError);
      const nan = tf.fill([4, 4], NaN);
      const ys4 = tf.slice(ys, [0], [4]);
      expect(await rejection(score(model, { xs: nan, ys: ys4 }, cls))).toBeInstanceOf(InvalidDataError);
      tf.dispose([nan, ys4]);
      for (const [opt, value] of [
        ['batches', 0],
        ['batches', 1.5],
        ['batches', -1],
        ['batchSize', 0],
        ['sigma', 0],
        ['sigma', NaN],
      ] as const) {
        const e = await rejection(score(model, { xs, ys }, { ...cls, [opt]: value }));
        expect(e).toBeInstanceOf(InvalidOptionError);
        expect(e.message).toContain(opt);
      }
      const e = await rejection(score(model, { xs, ys }, { likelihood: 'poisson' as never }));
      expect(e).toBeInstanceOf(InvalidOptionError);
      expect(e.message).toContain('likelihood');
      const badLabels = tf.fill([16], 7, 'int32');
      expect(await rejection(score(model, { xs, ys: badLabels }, cls))).toBeInstanceOf(InvalidDataError);
      badLabels.dispose();
    }
    // A one-shot generator cannot feed GraSP's second pass.
    function* once() {
      yield { xs, ys };
    }
    const e2 = await rejection(graspScores(model, once(), cls));
    expect(e2).toBeInstanceOf(InvalidDataError);
    expect(e2.message).toContain('second pass');
    for (const [opts, name] of [
      [{ iterations: 0 }, 'iterations'],
      [{ iterations: 2.5, sparsity: 0.5 }, 'iterations'],
      [{ iterations: 2 }, 'sparsity'],
      [{ iterations: 2, sparsity: 1 }, 'sparsity'],
      [{ iterations: 2, sparsity: -0.1 }, 'sparsity'],
    ] as const) {
      const e = thrown(() => synflowScores(model, opts));
      expect(e).toBeInstanceOf(InvalidOptionError);
      expect(e.message).toContain(name);
    }
    tf.dispose([emptyX, emptyY]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([xs, ys]);
  });

  it('leaves no tensors behind (scores disposed), from tensors and from a tf.data.Dataset', async () => {
    const model = asModel(buildFixtureModel(CASES.find((c) => c.name === 'cnn_reg_tanh')!));
    const f = CASES.find((c) => c.name === 'cnn_reg_tanh')!;
    const { xs, ys } = fixtureData(f);
    const ds = tf.data.zip({ xs: tf.data.array(tf.unstack(xs)), ys: tf.data.array(tf.unstack(ys)) }).batch(5);
    const opts = { likelihood: 'regression' as const };
    const ref = take(await graspScores(model, { xs, ys }, opts));
    const before = tf.memory().numTensors;
    take(await snipScores(model, { xs, ys, batchSize: 5 }, opts));
    const viaDataset = take(await graspScores(model, ds, opts));
    take(await snipScores(model, ds, { ...opts, batches: 2 }));
    take(synflowScores(model));
    take(synflowScores(model, { iterations: 4, sparsity: 0.7 }));
    expect(tf.memory().numTensors).toBe(before);
    expect(relErr(viaDataset, ref)).toBeLessThan(1e-5);
    tf.dispose([xs, ys]);
  });
});
