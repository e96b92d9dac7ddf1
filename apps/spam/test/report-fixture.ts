/**
 * A synthetic {@link Report} for the report tests: a classification data set (mnist) with
 * structured rows and a regression data set (diabetes); 2 trainings × 3 criteria × 4 sparsities,
 * plus the unpruned network (criterion `'none'`) per training. Numbers are made up but shaped like
 * a real run (SpaM + OPD degrades least).
 */
import type { Report, ResultRow, StructuredRow } from '../src/types.js';

export const TRAININGS = ['map', 'spam-kron-unitwise'] as const;
export const CRITERIA = ['opd', 'magnitude', 'random'] as const;
export const SPARSITIES = [0.5, 0.8, 0.9, 0.99] as const;
export const UNIT_FRACTIONS = [0, 0.25, 0.5, 0.75] as const;
export const UNIT_CRITERIA = ['opd', 'magnitude'] as const;

/** How much worse each criterion gets with sparsity (0 = not at all). */
const DROP: Record<string, number> = { opd: 0.15, magnitude: 0.35, random: 0.9 };

export function syntheticReport(partial = false): Report {
  const results: ResultRow[] = [];
  const structured: StructuredRow[] = [];
  for (const training of TRAININGS) {
    const boost = training === 'map' ? 1 : 0.5; // SpaM loses half as much
    results.push({
      dataset: 'mnist',
      training,
      criterion: 'none',
      sparsity: 0,
      seed: 0,
      accuracy: 0.97,
      nll: 0.1,
      ece: 0.01,
      brier: 0.05,
    });
    results.push({ dataset: 'diabetes', training, criterion: 'none', sparsity: 0, seed: 0, mse: 0.5, nll: 1.1 });
    for (const criterion of CRITERIA) {
      for (const sparsity of SPARSITIES) {
        const loss = DROP[criterion] * boost * sparsity ** 4;
        const accuracy = Math.max(0.1, 0.97 - loss);
        results.push({
          dataset: 'mnist',
          training,
          criterion,
          sparsity,
          seed: 0,
          accuracy,
          nll: 0.1 + 3 * loss,
          ece: 0.01 + loss / 4,
          brier: 0.05 + loss / 2,
        });
        results.push({ dataset: 'diabetes', training, criterion, sparsity, seed: 0, mse: 0.5 + loss, nll: 1.1 + loss });
      }
    }
    for (const criterion of UNIT_CRITERIA) {
      for (const unitFraction of UNIT_FRACTIONS) {
        const kept = 1 - unitFraction;
        structured.push({
          dataset: 'mnist',
          training,
          criterion,
          unitFraction,
          seed: 0,
          accuracy: 0.97 - DROP[criterion] * boost * unitFraction ** 2,
          nll: 0.1 + unitFraction,
          paramsBefore: 203_530,
          paramsAfter: Math.round(203_530 * kept),
          macsBefore: 203_264,
          macsAfter: Math.round(203_264 * kept),
          latencyMs: 4 * kept + 0.5,
        });
      }
    }
  }
  return {
    partial,
    ...(partial ? { partialReason: 'interrupted (SIGINT)' } : { finishedAt: '2025-01-01T00:04:12.000Z' }),
    startedAt: '2025-01-01T00:00:00.000Z',
    command: ['--datasets', 'mnist,diabetes', '--quick'],
    config: {
      preset: 'quick',
      datasets: ['mnist', 'diabetes'],
      trainings: [
        { name: 'map', map: true, hessian: 'diag', prior: 'scalar' },
        { name: 'spam-kron-unitwise', map: false, hessian: 'kron', prior: 'unitwise' },
      ],
      criteria: [...CRITERIA],
      sparsities: [...SPARSITIES],
      schedules: { mnist: { epochs: 3, batchSize: 64, lr: 0.001 }, diabetes: { epochs: 50, batchSize: 32, lr: 0.01 } },
      seed: 0,
      out: './spam-report',
    },
    environment: { node: 'v20.0.0', platform: 'linux', arch: 'x64', cpus: 2, tfjs: '4.22.0', backend: 'wasm' },
    timings: [
      { stage: 'mnist/map/train', ms: 12_345 },
      { stage: 'mnist/spam-kron-unitwise/train', ms: 61_000 },
      { stage: 'mnist/sweep', ms: 850 },
    ],
    precisions: TRAININGS.flatMap((training) =>
      ['dense/kernel', 'dense/bias', 'dense_1/kernel'].map((tensor, i) => ({
        dataset: 'mnist',
        training,
        tensor,
        min: 0.01 * (i + 1),
        max: 1e4 * (i + 1),
        geomean: 3.5 * (i + 1),
      })),
    ),
    results,
    structured,
  };
}
