// A saved-and-loaded Laplace gives the same predictive as the one it was saved from (issue 15:
// "identical log Z, OPD and predictive"): GLM probit / Laplace bridge / seeded MC links and the
// seeded sampled-weights predictive for classification, mean and variance for regression, for
// diag, kron (both kronPrior modes) and full, with the prior and temperature saved alongside.
// (Tensor counts around save / load are checked in io-roundtrip.test.ts and io-errors.test.ts.)
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { loadLaplace, predictive, saveLaplace, toMemory, type Laplace, type PredictiveOptions } from '@spam/laplace';
import { fit, mixedNet, values, variedPrior, xs } from './io-helpers.js';

const model = mixedNet();

async function predict(la: Laplace, options: PredictiveOptions): Promise<number[][]> {
  const r = await predictive(la, model, xs, options);
  const out = values(Object.values(r) as tf.Tensor[]);
  tf.dispose(Object.values(r) as tf.Tensor[]);
  return out;
}

describe('predictive of a saved-and-loaded Laplace is identical', () => {
  for (const structure of ['diag', 'kron', 'full'] as const) {
    for (const regression of [false, true]) {
      it(`${structure} ${regression ? 'regression' : 'classification'}`, async () => {
        const la = await fit(model, structure, regression);
        const prior = variedPrior(model, 'unitwise');
        const h = toMemory();
        await saveLaplace(la, h, { prior, temperature: 0.8, eigendecomposition: structure === 'kron' });
        const loaded = await loadLaplace(h, model);
        const variants: PredictiveOptions[] = regression
          ? [{}, { predType: 'nn', samples: 3, seed: 5 }]
          : [{ link: 'probit' }, { link: 'bridge' }, { link: 'mc', samples: 8, seed: 3 }, { predType: 'nn', samples: 3, seed: 5 }];
        const modes = structure === 'kron' ? (['projected', 'exact'] as const) : (['projected'] as const);
        for (const kronPrior of modes) {
          for (const v of variants) {
            const a = await predict(la, { ...v, prior, temperature: 0.8, kronPrior });
            const b = await predict(loaded.laplace, { ...v, prior: loaded.prior!, temperature: loaded.temperature, kronPrior });
            expect(b, JSON.stringify({ kronPrior, ...v })).toEqual(a);
          }
        }
        loaded.laplace.dispose();
        loaded.prior!.dispose();
        la.dispose();
        prior.dispose();
      });
    }
  }
});
