/** What one playground training is: the net, the schedule, MAP or SpaM (structure + prior). */
import type { PriorStructure } from '@spam/priors';

/** MAP (δ fixed at δ₀) or SpaM (δ learned by the marginal likelihood). */
export type RunKind = 'map' | 'spam';

/** Element criteria offered by the pruning panel (all from @spam/prune's registry). */
export const PLAYGROUND_CRITERIA = ['opd', 'magnitude', 'random', 'snip'] as const;
/** One of {@link PLAYGROUND_CRITERIA}. */
export type PlaygroundCriterion = (typeof PLAYGROUND_CRITERIA)[number];

/** The settings of a training pair (MAP and SpaM run with the same ones). */
export interface TrainConfig {
  /** Hidden layer widths of the MLP (ReLU), e.g. `[256]` for 784-256-10. */
  hidden: number[];
  epochs: number;
  batchSize: number;
  /** Adam learning rate of the weights. */
  lr: number;
  /** Laplace curvature structure of the marglik steps and of OPD. */
  structure: 'kron' | 'diag';
  /** Prior structure SpaM learns (MAP keeps δ₀ in the same structure). */
  prior: PriorStructure;
  /** F: a marglik step every F epochs. */
  marglikEvery: number;
  /** K: hyperparameter steps per marglik step. */
  hyperSteps: number;
  hyperLr: number;
  /** Initial prior precision δ₀. */
  priorPrecision: number;
  /** Seed of the initial weights (same seed, same weights for MAP and SpaM). */
  seed: number;
  /** Train on the first `trainRows` training rows only (undefined: all). */
  trainRows?: number;
  /** Evaluate on the first `testRows` test rows only (undefined: all). */
  testRows?: number;
}

/** The page's defaults: a quick run. */
export const DEFAULT_CONFIG: TrainConfig = {
  hidden: [64],
  epochs: 6,
  batchSize: 64,
  lr: 3e-3,
  structure: 'kron',
  prior: 'layerwise',
  marglikEvery: 1,
  hyperSteps: 20,
  hyperLr: 0.1,
  priorPrecision: 1,
  seed: 1,
};

/** Thrown for settings the playground cannot run; the message names the setting. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Checks the settings (`ConfigError` naming the first bad one) and returns them. */
export function checkConfig(c: TrainConfig): TrainConfig {
  const int = (name: string, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max) throw new ConfigError(`${name} must be an integer in [${min}, ${max}], got ${v}`);
  };
  const pos = (name: string, v: number) => {
    if (!(v > 0) || !Number.isFinite(v)) throw new ConfigError(`${name} must be a finite number > 0, got ${v}`);
  };
  if (!Array.isArray(c.hidden) || c.hidden.length > 4) throw new ConfigError('hidden layers: give 0 to 4 widths, e.g. 256 or 128,64');
  c.hidden.forEach((h, i) => int(`hidden layer ${i + 1} width`, h, 1, 2048));
  int('epochs', c.epochs, 1, 500);
  int('batch size', c.batchSize, 1, 8192);
  int('marglik every (F)', c.marglikEvery, 1, 500);
  int('hyper steps (K)', c.hyperSteps, 0, 1000);
  int('seed', c.seed, 1, 2 ** 31 - 1);
  pos('learning rate', c.lr);
  pos('hyper learning rate', c.hyperLr);
  pos('prior precision δ₀', c.priorPrecision);
  if (c.structure !== 'kron' && c.structure !== 'diag') throw new ConfigError(`structure must be kron or diag, got ${String(c.structure)}`);
  if (c.trainRows !== undefined) int('training rows', c.trainRows, 2, 10_000_000);
  if (c.testRows !== undefined) int('test rows', c.testRows, 1, 10_000_000);
  return c;
}
