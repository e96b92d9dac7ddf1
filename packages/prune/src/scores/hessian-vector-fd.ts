/**
 * The Hessian-vector product of the mean criterion for models the exact R-operator pass of
 * `hessian-vector.ts` does not cover (graph models, BatchNormalization, LayerNormalization,
 * DepthwiseConv2D, Embedding, attention): a central finite difference of the adapter's exact
 * gradients, D(ε) = (∇L(θ + εv) − ∇L(θ − εv)) / 2ε, with one Richardson step
 * H v ≈ (4·D(ε/2) − D(ε)) / 3 (truncation O(ε⁴)), in float32.
 *
 * Why not exact: tfjs has no forward-mode autodiff, and a double `tf.grad` fails on the second
 * derivative of `Conv2DBackpropFilter` / `DepthwiseConv2dNativeBackpropFilter` (tfjs 4.22, also on
 * `cpu`); the adapter's gradients are exact on every backend, so their difference is the portable route.
 *
 * Kinks: a plain difference of gradients is wrong by O(1/ε) wherever a ReLU, a max-pool switch or
 * another kink flips between θ − εv and θ + εv, and flips are common in real nets. The exact
 * Hessian takes the second derivative of such pieces as 0 (as the chain R-operator does, from the
 * same facts), so the passes here replace every layer whose adapter declares it piecewise-linear
 * (`Activation.hessianIsZero`, `OpLayer.linearity`, `WeightedLayer.linearity`: PReLU) by its
 * linearisation at θ, forward and backward (`frozen-switches.ts`): the difference then sees a net
 * that is smooth around θ with the same gradient and Hessian there. Not frozen: a merge without a
 * linearity fact (Maximum/Minimum), a custom layer without the fact, and the x-dependence of a
 * piecewise-linear weighted layer's weight gradient (PReLU's α gradient min(x, 0): an O(1) error
 * on flipped entries only).
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { denseTargets, parameterGradients, type DataSource, type ForwardTrace, type LikelihoodName, type ModelAdapter } from '@spam/core';
import { batchWeight, sumOverBatches, type ResolvedGradientOptions } from './gradients.js';
import { withParameters } from './graph-passes.js';
import { frozenForward } from './frozen-switches.js';

/**
 * Default relative step η of {@link finiteDifferenceHvp}: ε = η·‖θ‖/‖v‖, so the parameters move by
 * η of their norm. Chosen from measurements against the exact product and the float64 fixtures
 * (see the prune README, "GraSP on graph models"): the truncation error grows as η⁴, the float32
 * round-off as 1/η.
 */
export const FD_RELATIVE_STEP = 1e-2;

/**
 * ∇θ of the batch's summed-then-normalised NLL (as `meanNllGradients` with σ = 1: mean softmax
 * cross-entropy, or ½Σ(f − y)²/n) at the model's current weights, with the switches of
 * piecewise-linear layers taken from `base`. Call inside `tf.tidy`.
 */
function frozenGradient(adapter: ModelAdapter, likelihood: LikelihoodName, xs: Tensor, y: Tensor, base: ForwardTrace): Tensor[] {
  const n = xs.shape[0];
  const trace = frozenForward(adapter, base);
  const f = trace.output;
  const dF = likelihood === 'classification' ? tf.div(tf.sub(tf.softmax(f), y), n) : tf.div(tf.sub(f, y), n);
  return parameterGradients(adapter, trace, adapter.backward(trace, tf.expandDims(dF, 0)));
}

/** ‖t‖ over a list of tensors (host float64 sum of float32 squares). */
function norm(ts: readonly Tensor[]): number {
  const sq = tf.tidy(() => tf.addN(ts.map((t) => tf.sum(tf.square(t)))).dataSync()[0]);
  return Math.sqrt(sq);
}

/**
 * H v of the mean criterion over the used batches (as `meanCriterionHvp`, H the full Hessian), by
 * central differences of the adapter's exact gradients per batch with steps ε and ε/2, ε =
 * η·‖θ‖/‖v‖ (η = `relativeStep`; ε = η/‖v‖ when θ = 0), and one Richardson step:
 * Σ_b w_b [8(g_b(θ + εv/2) − g_b(θ − εv/2)) − (g_b(θ + εv) − g_b(θ − εv))] / (6εN), with the
 * switches of piecewise-linear layers frozen at θ (see the module notes). Four gradient passes
 * per batch. Exact up to O(ε⁴) truncation and float32 round-off.
 *
 * The model's parameters are overwritten only inside the synchronous per-batch step and restored
 * bit-exactly before the next batch is awaited and on every error (see `withParameters`). v = 0
 * gives zeros without touching the weights. `expectedN` must match the example count, else
 * `InvalidDataError` (data that cannot be iterated twice).
 */
export async function finiteDifferenceHvp(
  adapter: ModelAdapter,
  data: DataSource,
  v: readonly Tensor[],
  opts: ResolvedGradientOptions,
  expectedN?: number,
  relativeStep = FD_RELATIVE_STEP,
): Promise<Tensor[]> {
  const vNorm = norm(v);
  const thetaNorm = norm(adapter.params.map((p) => p.variable.read()));
  const eps = vNorm > 0 ? (relativeStep * (thetaNorm > 0 ? thetaNorm : 1)) / vNorm : 0;
  // Steps ±ε and ±ε/2 for one Richardson step.
  const points = tf.tidy(() => {
    const theta = adapter.params.map((p) => p.variable.read());
    return [eps, -eps, eps / 2, -eps / 2].map((h) => theta.map((t, i) => tf.add(t, tf.mul(v[i], h))));
  });
  try {
    const { sums, n } = await sumOverBatches(
      adapter,
      data,
      opts,
      (b) => {
        if (eps === 0) return adapter.params.map((p) => tf.zeros(p.shape));
        const nb = b.xs.shape[0];
        const w = batchWeight(opts.likelihood, nb, adapter.outputDim);
        const y = denseTargets(opts.likelihood, b.ys, nb, adapter.outputDim);
        const base = adapter.forward(b.xs);
        const [gp, gm, gph, gmh] = points.map((at) =>
          withParameters(adapter, at, () => frozenGradient(adapter, opts.likelihood, b.xs, y, base)),
        );
        // 6ε·(Richardson estimate of H v) = 8(g(θ + εv/2) − g(θ − εv/2)) − (g(θ + εv) − g(θ − εv)).
        return gp.map((g, i) => tf.mul(tf.sub(tf.mul(tf.sub(gph[i], gmh[i]), 8), tf.sub(g, gm[i])), w));
      },
      'the Hessian-vector product',
      expectedN,
    );
    const scale = eps === 0 ? 0 : 1 / (6 * eps * n);
    const out = tf.tidy(() => sums.map((a) => tf.mul(a, scale)));
    tf.dispose(sums);
    return out;
  } finally {
    tf.dispose(points.flat());
  }
}
