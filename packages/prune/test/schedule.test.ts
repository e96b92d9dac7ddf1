// Sparsity schedules (tfmot's PolynomialDecay, one-shot) and gradual OPD pruning inside
// marglikTraining: exact counts, monotone events, pruned weights stay zero, and every event prunes
// the lowest OPD scores recomputed on the host from the step's Laplace and learned prior.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { InvalidOptionError, type ModelLike } from '@spam/core';
import { createPrior } from '@spam/priors';
import { fitLaplace, marglikTraining, type MarglikHooks, type MarglikStepState } from '@spam/laplace';
import { oneShotSchedule, polynomialSchedule, type PolynomialScheduleOptions } from '../src/schedule/polynomial.js';
import { gradualPruning, GradualPruning } from '../src/schedule/gradual.js';
import { scoredParams } from '../src/scores/scores.js';
import { sparsityReport } from '../src/masks/report.js';
import { arr, randn, randomTensor, seedWeights, thrown } from '../../../test/helpers/index.js';

const L = tf.layers;
const asModel = (m: tf.LayersModel) => m as unknown as ModelLike;

/** tfmot.sparsity.keras.PolynomialDecay's sparsity, written out independently (0 before begin_step, where tfmot does not prune). */
function tfmotPolynomialDecay(step: number, o: { initial: number; final: number; begin: number; end: number; power: number }): number {
  if (step < o.begin) return 0;
  const p = Math.min(1, Math.max(0, (step - o.begin) / (o.end - o.begin)));
  return (o.initial - o.final) * Math.pow(1 - p, o.power) + o.final;
}

describe('polynomialSchedule = tfmot PolynomialDecay', () => {
  const cases: Array<{ initial: number; final: number; begin: number; end: number; power: number }> = [
    { initial: 0.1, final: 0.9, begin: 2, end: 10, power: 3 },
    { initial: 0, final: 0.8, begin: 0, end: 3, power: 3 },
    { initial: 0.5, final: 0.5, begin: 1, end: 4, power: 2 },
    { initial: 0.2, final: 0.95, begin: 5, end: 105, power: 1 },
  ];
  for (const c of cases) {
    it(`s_i ${c.initial}, s_f ${c.final}, steps ${c.begin}…${c.end}, p ${c.power}`, () => {
      const s = polynomialSchedule({
        initialSparsity: c.initial,
        finalSparsity: c.final,
        beginStep: c.begin,
        endStep: c.end,
        power: c.power,
      });
      const steps = [
        c.begin - 3,
        c.begin - 1,
        c.begin - 0.01,
        c.begin,
        c.begin + 0.5,
        c.begin + 1,
        (c.begin + c.end) / 2,
        c.end - 1,
        c.end - 0.001,
        c.end,
        c.end + 1,
        c.end + 1000,
      ];
      for (const t of steps) expect(s(t), `step ${t}`).toBeCloseTo(tfmotPolynomialDecay(t, c), 12);
      expect(s(c.begin - 1)).toBe(0); // before begin: no pruning
      expect(s(c.begin)).toBeCloseTo(c.initial, 12); // at begin: initial
      expect(s(c.end)).toBe(c.final); // at and after end: final
      expect(s(c.end + 7)).toBe(c.final);
      let prev = -1;
      for (let t = c.begin - 2; t <= c.end + 2; t += (c.end - c.begin) / 97) {
        const v = s(t);
        expect(v, `monotone at ${t}`).toBeGreaterThanOrEqual(prev);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThan(1);
        prev = v;
      }
    });
  }

  it('defaults: initialSparsity 0, beginStep 0, power 3', () => {
    const s = polynomialSchedule({ finalSparsity: 0.6, endStep: 4 });
    for (const t of [0, 1, 2, 3, 4, 5])
      expect(s(t)).toBeCloseTo(tfmotPolynomialDecay(t, { initial: 0, final: 0.6, begin: 0, end: 4, power: 3 }), 12);
    expect(s(2)).toBeCloseTo(0.6 - 0.6 / 8, 12);
  });

  it('bad options → InvalidOptionError', () => {
    const base: PolynomialScheduleOptions = { initialSparsity: 0.1, finalSparsity: 0.8, beginStep: 1, endStep: 5, power: 3 };
    const bad: Array<Partial<PolynomialScheduleOptions>> = [
      { finalSparsity: 1 },
      { finalSparsity: -0.1 },
      { finalSparsity: NaN },
      { finalSparsity: 1.2 },
      { initialSparsity: 1 },
      { initialSparsity: -0.1 },
      { initialSparsity: NaN },
      { initialSparsity: 0.9, finalSparsity: 0.5 }, // final below initial
      { endStep: 1 },
      { endStep: 0 },
      { endStep: NaN },
      { beginStep: Infinity },
      { endStep: Infinity },
      { beginStep: NaN },
      { power: 0 },
      { power: -1 },
      { power: NaN },
      { power: Infinity },
    ];
    for (const b of bad)
      expect(
        thrown(() => polynomialSchedule({ ...base, ...b })),
        JSON.stringify(b),
      ).toBeInstanceOf(InvalidOptionError);
    expect(thrown(() => polynomialSchedule({ endStep: 3 } as PolynomialScheduleOptions))).toBeInstanceOf(InvalidOptionError); // no final sparsity
  });
});

describe('oneShotSchedule', () => {
  it('0 before the step, the sparsity from it on; bad sparsity → InvalidOptionError', () => {
    const s = oneShotSchedule(0.6, 3);
    expect([0, 1, 2, 2.99, 3, 4, 100].map(s)).toEqual([0, 0, 0, 0, 0.6, 0.6, 0.6]);
    expect(oneShotSchedule(0, 1)(5)).toBe(0);
    for (const b of [1, -0.1, NaN, 2]) expect(thrown(() => oneShotSchedule(b, 1))).toBeInstanceOf(InvalidOptionError);
  });
});

/** 240 examples, 8 features, 3 classes from a random linear teacher. */
function teacherData(n: number) {
  const W = randn(24, 91);
  const x = randn(n * 8, 92);
  const labels = Array.from({ length: n }, (_, i) => {
    const s = [0, 1, 2].map((c) => x.slice(i * 8, i * 8 + 8).reduce((a, v, k) => a + v * W[k * 3 + c], 0));
    return s.indexOf(Math.max(...s));
  });
  return { xs: tf.tensor2d(x, [n, 8]), ys: tf.tensor1d(labels) };
}

/** OPD θ²·(s·h + δ) on the host: h from the kron factors (A_ii·G_oo, G_oo) or the diag Laplace's diagonal. */
function hostOpd(state: MarglikStepState): number[] {
  const lap = state.laplace;
  const theta = lap.theta.flatMap(arr);
  const dT = state.prior.precision();
  const delta = arr(dT);
  dT.dispose();
  let h: number[];
  if (lap.structure === 'kron') {
    h = [];
    for (const f of lap.factors) {
      const fanIn = f.A.shape[0];
      const units = f.G.shape[0];
      const A = f.A.dataSync();
      const G = f.G.dataSync();
      for (let i = 0; i < fanIn; i++) for (let o = 0; o < units; o++) h.push(A[i * fanIn + i] * G[o * units + o]);
      if (f.hasBias) for (let o = 0; o < units; o++) h.push(G[o * units + o]);
    }
  } else {
    const d = lap.diagonal();
    h = arr(d);
    d.dispose();
  }
  const s = lap.hFactor;
  return theta.map((t, i) => t * t * (s * h[i] + delta[i]));
}

describe('gradualPruning inside marglikTraining (MLP 8-16-3, 240 examples, layer-wise prior)', () => {
  for (const hessian of ['kron', 'diag'] as const) {
    it(`hessian '${hessian}': polynomial schedule to 0.8 at epoch 3, OPD re-scored at every marglik step`, async () => {
      const data = teacherData(240);
      const model = tf.sequential({
        layers: [L.dense({ inputShape: [8], units: 16, activation: 'tanh' }), L.dense({ units: 3, activation: 'softmax' })],
      });
      seedWeights(model, 93, 0.4);
      const params = scoredParams(asModel(model));
      const kernels = params.filter((p) => p.role === 'kernel').flatMap((p) => Array.from({ length: p.size }, (_, j) => p.offset + j));
      const P = params.reduce((a, p) => a + p.size, 0);
      expect(kernels.length).toBe(176);
      const schedule = polynomialSchedule({ initialSparsity: 0.3, finalSparsity: 0.8, beginStep: 1, endStep: 3 });
      const expectedCounts = [1, 2, 3, 4].map((e) => Math.floor(176 * schedule(e) + 1e-9));
      expect(expectedCounts).toEqual([52, 129, 140, 140]);
      const onPrune: Array<{ epoch: number; sparsity: number; pruned: number }> = [];
      const before = tf.memory().numTensors;
      const gp = gradualPruning(asModel(model), { schedule, onPrune: (e) => onPrune.push(e) });
      expect(gp).toBeInstanceOf(GradualPruning);
      // a second hook, run after gp at every marglik step, checks gp's new mask against OPD recomputed here
      let prevKeep = new Uint8Array(P).fill(1);
      let steps = 0;
      let differsFromMagnitude = false;
      const checker: MarglikHooks = {
        afterMarglikStep: (state) => {
          steps++;
          const keep = gp.mask.keep;
          const target = schedule(state.epoch);
          expect(gp.mask.numPruned, `epoch ${state.epoch}`).toBe(expectedCounts[state.epoch - 1]);
          expect(gp.mask.sparsity).toBeCloseTo(expectedCounts[state.epoch - 1] / P, 12);
          // earlier pruned stay pruned; biases are never pruned
          for (let i = 0; i < P; i++) if (!prevKeep[i]) expect(keep[i], `entry ${i} came back`).toBe(0);
          params
            .filter((p) => p.role === 'bias')
            .forEach((p) => expect(Array.from(gp.mask.block(params.indexOf(p))).every((k) => k === 1)).toBe(true));
          const fresh = kernels.filter((i) => prevKeep[i] && !keep[i]);
          const kept = kernels.filter((i) => keep[i]);
          if (state.epoch <= 3) {
            expect(fresh.length).toBeGreaterThan(0);
            const opd = hostOpd(state);
            // weights pruned earlier are zero in the step's θ (hence OPD 0)
            for (let i = 0; i < P; i++) if (!prevKeep[i]) expect(opd[i]).toBe(0);
            const maxFresh = Math.max(...fresh.map((i) => opd[i]));
            const minKept = Math.min(...kept.map((i) => opd[i]));
            expect(maxFresh, `epoch ${state.epoch}: a pruned weight outranks a kept one`).toBeLessThanOrEqual(minKept * (1 + 1e-5));
            expect(minKept).toBeGreaterThan(0);
            expect(gp.events[gp.events.length - 1]).toEqual({
              epoch: state.epoch,
              sparsity: target,
              pruned: expectedCounts[state.epoch - 1],
            });
            if (state.epoch === 1) {
              // the magnitude criterion would prune a different set (so the OPD check can fail)
              const theta = state.laplace.theta.flatMap(arr);
              const byMag = [...kernels].sort((a, b) => Math.abs(theta[a]) - Math.abs(theta[b]) || a - b).slice(0, fresh.length);
              differsFromMagnitude = byMag.some((i) => keep[i] === 1);
            }
          } else {
            expect(fresh).toHaveLength(0); // target did not grow: no event
          }
          prevKeep = Uint8Array.from(keep);
        },
      };
      const zerosAfterEpoch: number[] = [];
      const r = await marglikTraining(
        asModel(model),
        { ...data, batchSize: 60 },
        {
          likelihood: 'classification',
          hessian,
          prior: 'layerwise',
          epochs: 4,
          marglikEvery: 1,
          hyperSteps: 3,
          lr: 0.01,
          hooks: [gp, checker],
          onProgress: (p) => {
            if (p.stage !== 'epoch') return;
            const w = model.getWeights().flatMap(arr);
            for (let i = 0; i < P; i++)
              if (!gp.mask.keep[i]) expect(Math.abs(w[i]), `epoch ${p.epoch}: pruned weight ${i} is not zero`).toBe(0);
            zerosAfterEpoch.push(w.filter((v) => v === 0).length);
          },
        },
      );
      expect(steps).toBe(4);
      expect(differsFromMagnitude).toBe(true);
      expect(gp.events.map((e) => e.epoch)).toEqual([1, 2, 3]);
      expect(gp.events.map((e) => e.pruned)).toEqual([52, 129, 140]);
      expect(gp.events.map((e) => e.sparsity)).toEqual([1, 2, 3].map(schedule));
      expect(onPrune).toEqual(gp.events);
      expect(zerosAfterEpoch).toEqual([52, 129, 140, 140]);
      // after training: exactly the final count of kernel zeros, biases untouched
      const rep = sparsityReport(asModel(model));
      expect(rep.overall.kernel.zeros).toBe(140);
      expect(rep.overall.bias.zeros).toBe(0);
      expect(sparsityReport(gp.mask)).toEqual(rep);
      expect(r.laplace.theta.flatMap(arr).every((v, i) => gp.mask.keep[i] || v === 0)).toBe(true);
      r.laplace.dispose();
      r.prior.dispose();
      gp.dispose();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([data.xs, data.ys]);
      model.dispose();
    });
  }
});

describe('GradualPruning called directly with a fitted Laplace', () => {
  async function setup(units: number) {
    const model = tf.sequential({ layers: [L.dense({ inputShape: [10], units })] });
    seedWeights(model, 94, 0.5);
    const xs = randomTensor([30, 10], 95);
    const ys = randomTensor([30, units], 96);
    const lap = await fitLaplace(asModel(model), { xs, ys }, { likelihood: 'regression', structure: 'kron' });
    const prior = createPrior(asModel(model), 'layerwise', { precision: 0.5 });
    const state = (epoch: number): MarglikStepState => ({ epoch, epochs: 10, laplace: lap, prior, sigma: 1 });
    const done = () => {
      lap.dispose();
      prior.dispose();
      tf.dispose([xs, ys]);
      model.dispose();
    };
    return { model, state, done };
  }

  it('exact counts ⌊P·s⌋ at every event, also when P·s rounds below an integer (100·0.29 → 29)', async () => {
    const { model, state, done } = await setup(10);
    const targets: Record<number, number> = { 1: 0.28, 2: 0.29, 3: 0.57, 4: 0.57 };
    const before = tf.memory().numTensors;
    const gp = gradualPruning(asModel(model), { schedule: (t) => targets[t] ?? 0 });
    for (const e of [1, 2, 3, 4]) gp.afterMarglikStep(state(e));
    expect(gp.events.map((e) => e.pruned)).toEqual([28, 29, 57]);
    expect(sparsityReport(asModel(model)).overall.kernel.zeros).toBe(57);
    gp.dispose();
    expect(tf.memory().numTensors).toBe(before);
    done();
  });

  it("scope 'layer': one event per growth of the target, even when Σ⌊P_l·s⌋ < ⌊P·s⌋", async () => {
    // kernels 3 and 3: per layer ⌊3·0.5⌋ + ⌊3·0.5⌋ = 2 pruned, while ⌊6·0.5⌋ = 3
    const model = tf.sequential({ layers: [L.dense({ inputShape: [1], units: 3, activation: 'tanh' }), L.dense({ units: 1 })] });
    seedWeights(model, 97, 0.8);
    const xs = randomTensor([12, 1], 98);
    const ys = randomTensor([12, 1], 99);
    const lap = await fitLaplace(asModel(model), { xs, ys }, { likelihood: 'regression', structure: 'diag' });
    const prior = createPrior(asModel(model), 'scalar');
    const gp = gradualPruning(asModel(model), { schedule: oneShotSchedule(0.5, 1), scope: 'layer' });
    for (const epoch of [1, 2, 3]) gp.afterMarglikStep({ epoch, epochs: 3, laplace: lap, prior, sigma: 1 });
    expect(gp.events).toEqual([{ epoch: 1, sparsity: 0.5, pruned: 2 }]);
    gp.dispose();
    lap.dispose();
    prior.dispose();
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('no event while the target is 0 or does not grow; afterBatch is a no-op before the first event; includeBias and per-layer scope', async () => {
    const { model, state, done } = await setup(4);
    const w0 = model.getWeights().flatMap(arr);
    const gp = gradualPruning(asModel(model), { schedule: oneShotSchedule(0.5, 3), includeBias: true, scope: 'layer' });
    gp.afterBatch();
    for (const e of [1, 2]) gp.afterMarglikStep(state(e));
    expect(gp.events).toEqual([]);
    expect(model.getWeights().flatMap(arr)).toEqual(w0);
    gp.afterMarglikStep(state(3));
    gp.afterMarglikStep(state(4));
    expect(gp.events).toEqual([{ epoch: 3, sparsity: 0.5, pruned: 22 }]); // ⌊(40 + 4)·0.5⌋ with biases
    // afterBatch re-applies the mask after a write
    const ws = model.getWeights().map((w) => tf.onesLike(w));
    model.setWeights(ws);
    tf.dispose(ws);
    gp.afterBatch();
    expect(
      model
        .getWeights()
        .flatMap(arr)
        .filter((v) => v === 0).length,
    ).toBe(22);
    gp.dispose();
    gp.afterBatch(); // after dispose: nothing to apply
    done();
  });
});
