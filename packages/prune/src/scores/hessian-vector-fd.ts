/**
 * The Hessian-vector product of the mean criterion for models the exact R-operator pass of
 * `hessian-vector.ts` does not cover (graph models, BatchNormalization, LayerNormalization,
 * DepthwiseConv2D, Embedding, attention): a central finite difference of the adapter's exact
 * gradients, H v ≈ (∇L(θ + εv) − ∇L(θ − εv)) / 2ε, in float32.
 *
 * Why not exact: tfjs has no forward-mode autodiff, and a double `tf.grad` would need second
 * derivatives of kernels wasm lacks (`Conv2DBackpropFilter`) or gets wrong (`MaxPoolGrad`); the
 * adapter's gradients are exact on every backend, so their difference is the portable route.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { InvalidDataError, meanNllGradients, type DataSource, type ModelAdapter } from '@spam/core';
import { batchWeight, secondPassError, usedBatches, type ResolvedGradientOptions } from './gradients.js';
import { withParameters } from './graph-passes.js';

/**
 * Default relative step η of {@link finiteDifferenceHvp}: ε = η·‖θ‖/‖v‖, so the parameters move by
 * η of their norm. Chosen from measurements against the exact product and the float64 fixtures
 * (see the prune README, "GraSP on graph models"): the truncation error grows as η², the float32
 * round-off as 1/η.
 */
export const FD_RELATIVE_STEP = 1e-3;

/** ‖t‖ over a list of tensors (host float64 sum of float32 squares). */
function norm(ts: readonly Tensor[]): number {
  const sq = tf.tidy(() => tf.addN(ts.map((t) => tf.sum(tf.square(t)))).dataSync()[0]);
  return Math.sqrt(sq);
}

/**
 * H v of the mean criterion over the used batches (as `meanCriterionHvp`, H the full Hessian), by
 * a central difference of the adapter's exact gradients per batch with step ε = η·‖θ‖/‖v‖ (η =
 * `relativeStep`; ε = η/‖v‖ when θ = 0): Σ_b w_b (g_b(θ + εv) − g_b(θ − εv)) / (2εN). Exact up to
 * O(ε²) truncation and float32 round-off, and only where the loss is twice differentiable: a ReLU
 * kink or a max-pool switch within ε of a parameter-space step changes the difference.
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
  const [plus, minus] = tf.tidy(() => {
    const theta = adapter.params.map((p) => p.variable.read());
    return [theta.map((t, i) => tf.add(t, tf.mul(v[i], eps))), theta.map((t, i) => tf.sub(t, tf.mul(v[i], eps)))];
  });
  let acc: Tensor[] | null = null;
  let n = 0;
  try {
    for await (const b of usedBatches(adapter, data, opts)) {
      try {
        const nb = b.xs.shape[0];
        const prev: Tensor[] | null = acc;
        const next: Tensor[] = tf.tidy(() => {
          if (eps === 0) return prev ?? adapter.params.map((p) => tf.zeros(p.shape));
          const w = batchWeight(opts.likelihood, nb, adapter.outputDim);
          const gp = withParameters(adapter, plus, () => meanNllGradients(adapter, opts.likelihood, b.xs, b.ys, 1).grads);
          const gm = withParameters(adapter, minus, () => meanNllGradients(adapter, opts.likelihood, b.xs, b.ys, 1).grads);
          return gp.map((g, i) => {
            const d = tf.mul(tf.sub(g, gm[i]), w);
            return prev ? tf.add(prev[i], d) : d;
          });
        });
        if (prev && prev !== next) tf.dispose(prev);
        acc = next;
        n += nb;
      } finally {
        b.release();
      }
    }
  } catch (e) {
    if (acc) tf.dispose(acc);
    if (e instanceof InvalidDataError && n === 0 && expectedN !== undefined) throw secondPassError(0, expectedN);
    throw e;
  } finally {
    tf.dispose([...plus, ...minus]);
  }
  if (!acc || n === 0) throw new InvalidDataError('the data set is empty: no examples to compute the Hessian-vector product on');
  const sum: Tensor[] = acc;
  if (expectedN !== undefined && n !== expectedN) {
    tf.dispose(sum);
    throw secondPassError(n, expectedN);
  }
  const scale = eps === 0 ? 0 : 1 / (2 * eps * n);
  const out = tf.tidy(() => sum.map((a) => tf.mul(a, scale)));
  tf.dispose(sum);
  return out;
}
