// OPD = θ²·diag(P), P = s·H + diag(δ), and OBD = ½θ²·s·h, checked against dense host references:
// the full GGN H for diag/full, the Kronecker factors for kron 'exact', and Q(sΛ + E)Qᵀ built
// densely in float64 from the factors' eigendecompositions for kron 'projected'.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { InvalidOptionError } from '@spam/core';
import { createPrior, PriorMismatchError } from '@spam/priors';
import { fitLaplace } from '@spam/laplace';
import { opdScores } from '../src/scores/opd.js';
import { obdScores } from '../src/scores/obd.js';
import { posteriorPrecisionDiagonal } from '../src/scores/precision.js';
import { arr, randomLabels, randomTensor, relErr, thrown } from '../../../test/helpers/index.js';

const L = tf.layers;
import { NETS, asModel, diagOf, fitAll, kronReference, mlp, opdRef, randomizePrior, scoresFlat, thetaOf } from './opd-references.js';

describe('OPD = θ²·(s·diag(H) + δ) against dense references (classification, constant δ)', () => {
  for (const net of NETS) {
    it(net.name, async () => {
      const model = net.make();
      const n = 16;
      const data = { xs: randomTensor([n, ...net.xShape], 11), ys: tf.tensor1d(randomLabels(n, 3, 12)) };
      const before = tf.memory().numTensors;
      const { full, diag, kron, all } = await fitAll(model, data, 'classification');
      const P = full.numParams;
      const theta = thetaOf(model);
      const h = diagOf(full.H.dataSync(), P);
      expect(h.every((v) => v >= 0)).toBe(true);
      expect(Math.max(...h)).toBeGreaterThan(0.01);
      const delta = 0.7;
      const ref = opdRef(
        theta,
        h.map((v) => v + delta),
      );
      for (const lap of [full, diag]) {
        const sc = opdScores(lap, delta);
        expect(sc.criterion).toBe('opd');
        expect(sc.blocks.map((b) => b.shape)).toEqual(model.getWeights().map((w) => w.shape));
        expect(relErr(scoresFlat(sc), ref), lap.structure).toBeLessThan(1e-5);
        sc.dispose();
      }
      // kron exact: s·A_ii·G_oo + δ from the factors; it is not the full GGN diagonal (the check can tell them apart)
      const kref = kronReference(kron, new Array(P).fill(delta), 'exact');
      const ke = opdScores(kron, delta);
      expect(relErr(scoresFlat(ke), opdRef(theta, kref))).toBeLessThan(1e-5);
      expect(
        relErr(
          kref,
          h.map((v) => v + delta),
        ),
      ).toBeGreaterThan(1e-3);
      ke.dispose();
      // the default is 'exact'
      const kd = opdScores(kron, delta, {});
      const kx = opdScores(kron, delta, { kronPrior: 'exact' });
      expect(scoresFlat(kd)).toEqual(scoresFlat(kx));
      kd.dispose();
      kx.dispose();
      // posteriorPrecisionDiagonal is the unscaled diagonal
      const pd = posteriorPrecisionDiagonal(full, delta);
      expect(
        relErr(
          pd.flatMap(arr),
          h.map((v) => v + delta),
        ),
      ).toBeLessThan(1e-5);
      tf.dispose(pd);
      // a constant prior is a scalar δ everywhere: kron 'projected' equals 'exact'
      const kg = opdScores(kron, delta, { kronPrior: 'projected' });
      expect(relErr(scoresFlat(kg), opdRef(theta, kref))).toBeLessThan(1e-5);
      kg.dispose();
      // δ = 0 is allowed (likelihood-only precision)
      const z = opdScores(full, 0);
      expect(relErr(scoresFlat(z), opdRef(theta, h))).toBeLessThan(1e-5);
      z.dispose();
      all.forEach((l) => l.dispose());
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([data.xs, data.ys]);
      model.dispose();
    });
  }
});

describe('OPD with a learned prior: δ from the prior, kron exact vs eigen-projected', () => {
  for (const net of NETS) {
    it(`${net.name}: unit-wise prior (eigen ≠ exact) and scalar prior (eigen = exact)`, async () => {
      const model = net.make();
      const n = 16;
      const data = { xs: randomTensor([n, ...net.xShape], 21), ys: tf.tensor1d(randomLabels(n, 3, 22)) };
      const unit = createPrior(asModel(model), 'unitwise');
      randomizePrior(unit, 23);
      const scalar = createPrior(asModel(model), 'scalar', { precision: 0.3 });
      const before = tf.memory().numTensors;
      const { full, diag, kron, all } = await fitAll(model, data, 'classification');
      const P = full.numParams;
      const theta = thetaOf(model);
      const h = diagOf(full.H.dataSync(), P);
      const dUnitT = unit.precision();
      const dU = arr(dUnitT);
      dUnitT.dispose();
      expect(Math.max(...dU) / Math.min(...dU)).toBeGreaterThan(5); // δ really varies
      // diag / full: θ²·(h + δ) elementwise
      for (const lap of [full, diag]) {
        const sc = opdScores(lap, unit);
        expect(
          relErr(
            scoresFlat(sc),
            opdRef(
              theta,
              h.map((v, i) => v + dU[i]),
            ),
          ),
          lap.structure,
        ).toBeLessThan(1e-5);
        sc.dispose();
      }
      // kron exact and eigen against their dense references
      const exactRef = kronReference(kron, dU, 'exact');
      const eigenRef = kronReference(kron, dU, 'projected');
      const ex = opdScores(kron, unit, { kronPrior: 'exact' });
      const eg = opdScores(kron, unit, { kronPrior: 'projected' });
      expect([ex.criterion, eg.criterion]).toEqual(['opd', 'opd-projected']); // sweeps keep the two apart
      expect(relErr(scoresFlat(ex), opdRef(theta, exactRef))).toBeLessThan(1e-5);
      expect(relErr(scoresFlat(eg), opdRef(theta, eigenRef))).toBeLessThan(1e-4);
      // the two options really differ here (so the checks above can tell them apart)
      expect(relErr(eigenRef, exactRef)).toBeGreaterThan(1e-2);
      expect(relErr(scoresFlat(eg), scoresFlat(ex))).toBeGreaterThan(1e-4);
      // the eigen-projected diagonal keeps the trace of each block: Σ diag = s·tr(A)tr(G) + Σδ
      const pe = posteriorPrecisionDiagonal(kron, unit, { kronPrior: 'projected' });
      const px = posteriorPrecisionDiagonal(kron, unit, { kronPrior: 'exact' });
      pe.forEach((b, i) => {
        const a = arr(b).reduce((x, y) => x + y, 0);
        const c = arr(px[i]).reduce((x, y) => x + y, 0);
        expect(Math.abs(a - c) / c).toBeLessThan(1e-4);
      });
      tf.dispose([...pe, ...px]);
      ex.dispose();
      eg.dispose();
      // scalar prior: E = δ, so eigen and exact agree
      const dS = new Array(P).fill(0.3);
      const sx = opdScores(kron, scalar, { kronPrior: 'exact' });
      const sg = opdScores(kron, scalar, { kronPrior: 'projected' });
      expect(relErr(scoresFlat(sx), opdRef(theta, kronReference(kron, dS, 'exact')))).toBeLessThan(1e-5);
      expect(relErr(scoresFlat(sg), opdRef(theta, kronReference(kron, dS, 'projected')))).toBeLessThan(1e-5);
      expect(relErr(scoresFlat(sg), scoresFlat(sx))).toBeLessThan(1e-5);
      sx.dispose();
      sg.dispose();
      // 'projected' on diag/full is the plain diagonal
      const fe = opdScores(full, unit, { kronPrior: 'projected' });
      const fx = opdScores(full, unit);
      expect(scoresFlat(fe)).toEqual(scoresFlat(fx));
      fe.dispose();
      fx.dispose();
      all.forEach((l) => l.dispose()); // also frees the cached eigendecompositions
      expect(tf.memory().numTensors).toBe(before);
      unit.dispose();
      scalar.dispose();
      tf.dispose([data.xs, data.ys]);
      model.dispose();
    });
  }
});

describe('regression with σ ≠ 1: s = 1/σ²', () => {
  for (const net of NETS) {
    it(net.name, async () => {
      const model = net.make();
      const n = 12;
      const data = { xs: randomTensor([n, ...net.xShape], 31), ys: randomTensor([n, 3], 32) };
      const sigma = 0.5;
      const before = tf.memory().numTensors;
      const { full, diag, kron, all } = await fitAll(model, data, 'regression', sigma);
      const s = 1 / (sigma * sigma);
      expect(full.hFactor).toBeCloseTo(4, 12);
      const P = full.numParams;
      const theta = thetaOf(model);
      const h = diagOf(full.H.dataSync(), P);
      const delta = 2;
      for (const lap of [full, diag]) {
        const sc = opdScores(lap, delta);
        expect(
          relErr(
            scoresFlat(sc),
            opdRef(
              theta,
              h.map((v) => s * v + delta),
            ),
          ),
          lap.structure,
        ).toBeLessThan(1e-5);
        // s really enters: the σ = 1 formula is off
        expect(
          relErr(
            scoresFlat(sc),
            opdRef(
              theta,
              h.map((v) => v + delta),
            ),
          ),
        ).toBeGreaterThan(1e-2);
        sc.dispose();
        const ob = obdScores(lap);
        expect(
          relErr(
            scoresFlat(ob),
            theta.map((t, i) => 0.5 * t * t * s * h[i]),
          ),
          lap.structure,
        ).toBeLessThan(1e-5);
        ob.dispose();
      }
      for (const mode of ['exact', 'projected'] as const) {
        const sc = opdScores(kron, delta, { kronPrior: mode });
        expect(relErr(scoresFlat(sc), opdRef(theta, kronReference(kron, new Array(P).fill(delta), mode))), mode).toBeLessThan(1e-5);
        sc.dispose();
      }
      const ob = obdScores(kron);
      const kh = kronReference(kron, new Array(P).fill(0), 'exact'); // s·A_ii·G_oo
      expect(
        relErr(
          scoresFlat(ob),
          theta.map((t, i) => 0.5 * t * t * kh[i]),
        ),
      ).toBeLessThan(1e-5);
      ob.dispose();
      all.forEach((l) => l.dispose());
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([data.xs, data.ys]);
      model.dispose();
    });
  }
});

describe('OBD = ½θ²·s·h (no prior)', () => {
  it('classification MLP: diag and full give ½θ²·diag(H); kron ½θ²·A_ii·G_oo', async () => {
    const model = mlp(41);
    const data = { xs: randomTensor([20, 4], 42), ys: tf.tensor1d(randomLabels(20, 3, 43)) };
    const before = tf.memory().numTensors;
    const { full, diag, kron, all } = await fitAll(model, data, 'classification');
    const theta = thetaOf(model);
    const h = diagOf(full.H.dataSync(), full.numParams);
    for (const lap of [full, diag]) {
      const ob = obdScores(lap);
      expect(ob.criterion).toBe('obd');
      expect(
        relErr(
          scoresFlat(ob),
          theta.map((t, i) => 0.5 * t * t * h[i]),
        ),
      ).toBeLessThan(1e-5);
      ob.dispose();
    }
    const kh = kronReference(kron, new Array(full.numParams).fill(0), 'exact');
    const ob = obdScores(kron);
    expect(
      relErr(
        scoresFlat(ob),
        theta.map((t, i) => 0.5 * t * t * kh[i]),
      ),
    ).toBeLessThan(1e-5);
    // OBD is OPD with δ = 0, halved
    const op = opdScores(kron, 0);
    expect(
      relErr(
        scoresFlat(ob),
        scoresFlat(op).map((v) => v / 2),
      ),
    ).toBeLessThan(1e-6);
    op.dispose();
    ob.dispose();
    all.forEach((l) => l.dispose());
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([data.xs, data.ys]);
    model.dispose();
  });
});

describe('OPD errors', () => {
  it('a prior of another model → PriorMismatchError; bad δ or kronPrior → InvalidOptionError; nothing leaks', async () => {
    const model = mlp(51);
    const other = tf.sequential({ layers: [L.dense({ inputShape: [4], units: 6, activation: 'tanh' }), L.dense({ units: 3 })] });
    const data = { xs: randomTensor([10, 4], 52), ys: tf.tensor1d(randomLabels(10, 3, 53)) };
    const foreign = createPrior(asModel(other), 'layerwise');
    const before = tf.memory().numTensors;
    for (const structure of ['diag', 'kron', 'full'] as const) {
      const lap = await fitLaplace(asModel(model), data, { likelihood: 'classification', structure });
      const inner = tf.memory().numTensors;
      for (const mode of ['exact', 'projected'] as const) {
        expect(
          thrown(() => opdScores(lap, foreign, { kronPrior: mode })),
          `${structure}/${mode}`,
        ).toBeInstanceOf(PriorMismatchError);
      }
      for (const bad of [-1, NaN, Infinity]) expect(thrown(() => opdScores(lap, bad))).toBeInstanceOf(InvalidOptionError);
      expect(thrown(() => opdScores(lap, 1, { kronPrior: 'dense' as never }))).toBeInstanceOf(InvalidOptionError);
      expect(thrown(() => opdScores(lap, 1, { kronDiagonal: 'dense' as never }))).toBeInstanceOf(InvalidOptionError);
      expect(tf.memory().numTensors).toBe(inner);
      lap.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    foreign.dispose();
    tf.dispose([data.xs, data.ys]);
    model.dispose();
    other.dispose();
  });
});
