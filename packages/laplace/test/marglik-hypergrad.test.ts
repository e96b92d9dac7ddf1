import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { ModelLike } from '@spam/core';
import { createPrior, PRIOR_STRUCTURES, type Prior } from '@spam/priors';
import { fitLaplace, logMarginalLikelihood, type KronPriorMode, type Laplace } from '@spam/laplace';
import { randn, randomLabels, randomTensor, seedWeights } from '../../../test/helpers/index.js';

const L = tf.layers;
const N = 16;
const H = 2e-2; // FD step in log space
const LIKELIHOODS = ['classification', 'regression'] as const;
const METHODS: Array<{ structure: 'diag' | 'kron' | 'full'; kronPrior?: KronPriorMode }> = [
  { structure: 'diag' },
  { structure: 'kron', kronPrior: 'projected' },
  { structure: 'kron', kronPrior: 'exact' },
  { structure: 'full' },
];

/** dense(3→5, tanh) → dense(→3 softmax | →2). */
function net(likelihood: (typeof LIKELIHOODS)[number]): ModelLike {
  const cls = likelihood === 'classification';
  const m = tf.sequential({
    layers: [
      L.dense({ inputShape: [3], units: 5, activation: 'tanh' }),
      L.dense({ units: cls ? 3 : 2, activation: cls ? 'softmax' : 'linear' }),
    ],
  });
  seedWeights(m, cls ? 5 : 6, 0.6);
  return m;
}

const fits = new Map<string, Laplace>();
const models = new Map<string, ModelLike>();
const xs = randomTensor([N, 3], 91);
const data = {
  classification: { xs, ys: tf.tensor1d(randomLabels(N, 3, 92)) },
  regression: { xs, ys: randomTensor([N, 2], 93) },
};

beforeAll(async () => {
  for (const lik of LIKELIHOODS) {
    const model = net(lik);
    models.set(lik, model);
    for (const s of ['diag', 'kron', 'full'] as const) {
      fits.set(`${lik}/${s}`, await fitLaplace(model, { ...data[lik], batchSize: 6 }, { likelihood: lik, structure: s, sigma: 0.8 }));
    }
  }
});
afterAll(() => fits.forEach((f) => f.dispose()));

/** Up to three entries (first, middle, last) of a variable. */
const probes = (size: number) => [...new Set([0, Math.floor(size / 2), size - 1])];

function logZ(lap: Laplace, prior: Prior, kronPrior: KronPriorMode | undefined, logSigma?: tf.Tensor): number {
  return tf.tidy(() => logMarginalLikelihood(lap, prior, { kronPrior, logSigma }).dataSync()[0]);
}

/** Central difference of log Z in entry j of variable v. */
function centralDiff(v: tf.Variable, j: number, f: () => number): number {
  const base = Array.from(v.dataSync());
  const at = (x: number) => {
    const vals = [...base];
    vals[j] = x;
    tf.tidy(() => v.assign(tf.tensor(vals, v.shape)));
    return f();
  };
  const d = (at(base[j] + H) - at(base[j] - H)) / (2 * H);
  tf.tidy(() => v.assign(tf.tensor(base, v.shape)));
  return d;
}

describe('hyper-gradients of log Z vs central finite differences (float32)', () => {
  for (const lik of LIKELIHOODS) {
    for (const { structure, kronPrior } of METHODS) {
      for (const ps of PRIOR_STRUCTURES) {
        it(`${lik} / ${structure}${kronPrior ? ` (${kronPrior})` : ''} / ${ps} prior${lik === 'regression' ? ' + log σ' : ''}`, () => {
          const lap = fits.get(`${lik}/${structure}`)!;
          const prior = createPrior(models.get(lik)!, ps);
          // random log δ around 0 (δ in roughly [0.3, 3])
          prior.variables.forEach((v, i) =>
            tf.tidy(() =>
              v.assign(
                tf.tensor(
                  randn(v.size, 7 * i + 1).map((x) => 0.5 * x),
                  v.shape,
                ),
              ),
            ),
          );
          // σ at its likelihood optimum σ² = 2·loss/(N·K), so that ∂log Z/∂log σ is dominated by the log det term
          const logSigma = lik === 'regression' ? tf.variable(tf.scalar(0.5 * Math.log((2 * lap.loss) / (N * 2)))) : undefined;
          const vars = [...prior.variables, ...(logSigma ? [logSigma] : [])] as tf.Variable[];
          const { value, grads } = tf.variableGrads(() => logMarginalLikelihood(lap, prior, { kronPrior, logSigma }) as tf.Scalar, vars);
          expect(Number.isFinite(value.dataSync()[0])).toBe(true);
          const f = () => logZ(lap, prior, kronPrior, logSigma);
          const before = tf.memory().numTensors;
          const got: number[] = [];
          const want: number[] = [];
          for (const v of vars) {
            const g = grads[v.name].dataSync();
            const perVar: Array<[number, number]> = [];
            for (const j of probes(v.size)) perVar.push([g[j], centralDiff(v, j, f)]);
            const num = Math.hypot(...perVar.map(([a, b]) => a - b));
            const den = Math.hypot(...perVar.map(([, b]) => b));
            // per variable: relative error < 1e-2 (absolute 1e-3 where the gradient is ~0)
            expect(num, `variable ${v.name}: autodiff ${perVar.map((p) => p[0])} vs FD ${perVar.map((p) => p[1])}`).toBeLessThan(
              1e-2 * den + 1e-3,
            );
            perVar.forEach(([a, b]) => (got.push(a), want.push(b)));
          }
          const rel = Math.hypot(...got.map((a, i) => a - want[i])) / Math.hypot(...want);
          expect(rel).toBeLessThan(1e-2);
          expect(Math.hypot(...want)).toBeGreaterThan(1e-2); // a non-trivial gradient was checked
          expect(tf.memory().numTensors).toBe(before);
          tf.dispose([value, ...Object.values(grads)]);
          logSigma?.dispose();
          prior.dispose();
        });
      }
    }
  }
});

describe("log σ: the default equals the fit's σ, and s = 1/σ² enters the likelihood", () => {
  for (const structure of ['diag', 'kron', 'full'] as const) {
    it(`${structure}: logSigma = log(fit σ) gives the same value as no logSigma; other σ values differ`, () => {
      const lap = fits.get(`regression/${structure}`)!;
      const prior = createPrior(models.get('regression')!, 'layerwise');
      const base = logZ(lap, prior, undefined);
      const same = tf.scalar(Math.log(0.8));
      const other = tf.scalar(Math.log(0.5));
      expect(Math.abs(logZ(lap, prior, undefined, same) - base)).toBeLessThan(1e-4 * Math.abs(base));
      expect(Math.abs(logZ(lap, prior, undefined, other) - base)).toBeGreaterThan(1e-2);
      tf.dispose([same, other]);
      prior.dispose();
    });
  }
});
