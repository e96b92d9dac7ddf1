// The consumer test's program (ESM, compiled with tsc strict against the published .d.ts, run on
// the wasm backend). It uses the packages as a user's project would: by package name only.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { buildModelAdapter, evaluate, isSupportedTfjsVersion, SpamError, SUPPORTED_TFJS_CORE_RANGE } from '@spam/core';
import { createPrior, PRIOR_STRUCTURES, type Prior } from '@spam/priors';
import { fitLaplace, KronLaplace, logMarginalLikelihoodTerms, marglikTraining, type LaplaceFor } from '@spam/laplace';
import { applyMask, globalMask, opdScores, sparsityReport, type SparsityReport } from '@spam/prune';
import { countParams, maskUnits, pruneUnits, unitMasks, unitScores } from '@spam/structured';
import { PathEscapeError } from '@spam/core/node';
import { fileSystem as laplaceFiles } from '@spam/laplace/node';
import { fileSystem as modelFiles } from '@spam/structured/node';

function check(cond: unknown, what: string): asserts cond {
  if (!cond) throw new Error(`consumer check failed: ${what}`);
}

await tf.setBackend('wasm');
await tf.ready();
check(tf.getBackend() === 'wasm', `backend is wasm (got ${tf.getBackend()})`);
check(isSupportedTfjsVersion(tf.version_core), `tfjs-core ${tf.version_core} in ${SUPPORTED_TFJS_CORE_RANGE}`);

const variables = () => Object.keys(tf.engine().registeredVariables).length;
const baseline = tf.memory().numTensors - variables();
const N = 128;
const xs = tf.randomNormal([N, 6], 0, 1, 'float32', 1);
const ys = tf.tidy(() => tf.argMax(tf.matMul(xs, tf.randomNormal([6, 3], 0, 1, 'float32', 2)), 1));
const model = tf.sequential({
  layers: [tf.layers.dense({ units: 16, inputShape: [6], activation: 'relu' }), tf.layers.dense({ units: 3 })],
});
const P = 6 * 16 + 16 + 16 * 3 + 3;

// 1. Curvature: KFAC GGN of the untrained model, summed over the data set.
const kron: LaplaceFor<'kron'> = await fitLaplace(model, { xs, ys, batchSize: 32 }, { likelihood: 'classification', structure: 'kron' });
check(kron instanceof KronLaplace, 'fitLaplace kron returns a KronLaplace');
check(kron.numParams === P, `numParams ${kron.numParams} = ${P}`);
check(kron.nData === N, `nData ${kron.nData} = ${N}`);
check(kron.factors.length === 2, 'one KFAC factor per Dense layer');
check(kron.factors[0]!.G.shape.join() === '16,16' && kron.factors[1]!.G.shape.join() === '3,3', 'G factors are [units, units]');
const h = kron.diagonal();
const hMin = h.min();
check(h.shape[0] === P && hMin.dataSync()[0]! >= 0, 'GGN diagonal has P non-negative entries');
tf.dispose([h, hMin]);
kron.dispose();

// 2. SpaM: marginal-likelihood training with a layer-wise prior (2 epochs, a marglik step each).
check(PRIOR_STRUCTURES.includes('layerwise'), 'layerwise prior exists');
const prior: Prior = createPrior(model, 'layerwise');
const { laplace, history } = await marglikTraining(
  model,
  { xs, ys, batchSize: 64 },
  {
    likelihood: 'classification',
    hessian: 'kron',
    prior,
    epochs: 2,
    marglikEvery: 1,
    hyperSteps: 5,
    lr: 0.01,
  },
);
const terms = logMarginalLikelihoodTerms(laplace, prior);
check(history.length === 2, `history has one entry per epoch (got ${history.length})`);
check(Number.isFinite(terms.logMarglik), `log marginal likelihood is finite (${terms.logMarglik})`);

// 3. OPD: score, a global mask at 50 % of the kernels, applied to the weights.
const opd = opdScores(laplace, prior);
const mask = globalMask(opd, { sparsity: 0.5 });
const fromMask: SparsityReport = sparsityReport(mask);
const kernels = 6 * 16 + 16 * 3;
check(
  fromMask.overall.kernel.zeros === Math.floor(kernels * 0.5),
  `mask prunes ⌊${kernels}·0.5⌋ kernels (got ${fromMask.overall.kernel.zeros})`,
);
check(Math.abs(fromMask.overall.kernel.sparsity - 0.5) < 0.01, 'mask kernel sparsity ≈ 0.5');
check(fromMask.overall.bias.zeros === 0, 'biases are kept');
applyMask(model, mask);
const fromModel = sparsityReport(model);
check(fromModel.overall.kernel.zeros >= fromMask.overall.kernel.zeros, 'the masked weights are exactly zero');
const metrics = evaluate(buildModelAdapter(model), 'classification', xs, ys);
check('accuracy' in metrics && metrics.accuracy >= 0 && metrics.accuracy <= 1, 'evaluate gives an accuracy');

// 4. Structured removal: OPD summed per unit, half the hidden units removed, a smaller model that
//    computes what the unit-masked model computes.
const units = unitScores(opd);
const unitMask = unitMasks(units, { sparsity: 0.5 });
const small = pruneUnits(model, unitMask);
const masked = maskUnits(model, unitMask);
check(countParams(small) === 6 * 8 + 8 + 8 * 3 + 3, `pruneUnits keeps 8 of 16 hidden units (params ${countParams(small)})`);
const gap = tf.tidy(() => tf.max(tf.abs(tf.sub(small.predict(xs) as tf.Tensor, masked.predict(xs) as tf.Tensor))).dataSync()[0]!);
check(gap <= 1e-5, `the smaller model equals the unit-masked one (max |Δ| ${gap})`);
small.dispose();
masked.dispose();

// 5. Typed errors reach the consumer as classes.
let typed = false;
const [noXs, noYs] = [tf.zeros([0, 6]), tf.zeros([0], 'int32')];
try {
  await fitLaplace(model, { xs: noXs, ys: noYs }, { likelihood: 'classification' });
} catch (e) {
  typed = e instanceof SpamError;
} finally {
  tf.dispose([noXs, noYs]);
}
check(typed, 'empty data raises a SpamError');
// The Node file handlers of both packages raise the one PathEscapeError of @spam/core/node.
const escapes = [
  () => laplaceFiles('spam-consumer-dir', { name: '../out' }),
  () => modelFiles('spam-consumer-dir', { modelFile: '../out.json' }),
];
for (const f of escapes) {
  let shared = false;
  try {
    f();
  } catch (e) {
    shared = e instanceof PathEscapeError && e instanceof SpamError;
  }
  check(shared, 'a file name outside the directory raises the PathEscapeError of @spam/core/node (a SpamError)');
}

opd.dispose();
laplace.dispose();
prior.dispose();
tf.dispose([xs, ys]);
model.dispose();
const leaked = tf.memory().numTensors - variables() - baseline;

console.log(
  JSON.stringify({
    tfjsCore: tf.version_core,
    backend: tf.getBackend(),
    params: P,
    logMarglik: Number(terms.logMarglik.toFixed(3)),
    maskKernelSparsity: fromMask.overall.kernel.sparsity,
    modelKernelZeros: fromModel.overall.kernel.zeros,
    accuracy: Number(metrics.accuracy.toFixed(3)),
    structuredParams: [P, 6 * 8 + 8 + 8 * 3 + 3],
    leakedTensors: leaked,
  }),
);
check(leaked === 0, `no leaked tensors (${leaked})`);
