import type { Tensor } from '@tensorflow/tfjs-core';
import { nllGradient, outputHessianSqrt, sampledOutputHessianSqrt } from '@spam/core';
import type { ResolvedCurvatureOptions } from './options.js';

/**
 * The output-space vectors `[K, N, outDim]` whose back-propagations make up H for the chosen
 * curvature type: exact Λ^½ columns (ggn: K = C − 1 for classification, whose Λ has rank C − 1;
 * K = outDim for regression), sampled ones (mc, K = mcSamples), or the
 * NLL gradient (ef, K = 1). Call inside `tf.tidy`.
 */
export function outputVectors(o: ResolvedCurvatureOptions, f: Tensor, y: Tensor, batchIndex: number): Tensor {
  switch (o.curvature) {
    case 'ggn':
      return outputHessianSqrt(o.likelihood, f, { reduced: true });
    case 'mc':
      // Never 0: tfjs treats a seed of 0 as "no seed" and samples from Math.random.
      return sampledOutputHessianSqrt(o.likelihood, f, o.mcSamples, o.seed * 1_000_003 + batchIndex + 1);
    case 'ef':
      return nllGradient(o.likelihood, f, y, o.sigma);
  }
}
