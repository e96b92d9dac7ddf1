/**
 * The shared types of the `spam` command: data sets (src/data), the experiment (src/experiment)
 * and the report (src/report) meet here.
 */
import type * as tf from '@tensorflow/tfjs';

/** Classification (softmax cross-entropy) or regression (Gaussian, σ learned). */
export type Likelihood = 'classification' | 'regression';

/** A loaded data set: train/test tensors owned by the object (call {@link Dataset.dispose}). */
export interface Dataset {
  /** Registry name, e.g. `'mnist'`. */
  name: string;
  /** One line: what it is, how many examples, source and licence. */
  description: string;
  likelihood: Likelihood;
  /** Per-example input shape: `[784]`, `[28, 28, 1]`, `[32, 32, 3]`, `[30]`, `[8, 8, 1]`, `[10]`. */
  inputShape: number[];
  /** Classes (classification) or target dimension (regression). */
  outputDim: number;
  /** Inputs `[N, ...inputShape]` float32. */
  xTrain: tf.Tensor;
  /** Labels int32 `[N]` (classification) or targets float32 `[N, outputDim]` (regression). */
  yTrain: tf.Tensor;
  xTest: tf.Tensor;
  yTest: tf.Tensor;
  dispose(): void;
}

/** Options every loader takes. */
export interface LoadOptions {
  /** Directory with the user's files (full MNIST / Fashion-MNIST IDX, CIFAR-10 binary batches). */
  dataDir?: string;
  /** Keep only the first N training / test examples. */
  trainSize?: number;
  testSize?: number;
  /** Tabular data: standardise with the training mean/std (default true); false = raw features. */
  standardize?: boolean;
  /** Image data: `'flat'` `[N, H·W·C]` for MLPs or `'image'` `[N, H, W, C]` for conv nets. Default per data set. */
  layout?: 'flat' | 'image';
}

/** One unstructured sweep point: `report.json`'s `results` rows. */
export interface ResultRow {
  dataset: string;
  /** `'map'`, `'spam-diag-parameterwise'`, `'spam-kron-unitwise'`, … */
  training: string;
  /** `'none'` (unpruned), `'opd'`, `'magnitude'`, `'snip'`, `'grasp'`, `'synflow'`, `'obd'`, `'random'`. */
  criterion: string;
  sparsity: number;
  seed: number;
  /** Classification metrics. */
  accuracy?: number;
  nll: number;
  ece?: number;
  brier?: number;
  /** Regression metric. */
  mse?: number;
  /** Classification, OPD points: the reliability diagram's bins (see report/calibration.ts). */
  reliability?: ReliabilityBins;
  /** `opd-glm-tuned` rows: the posterior temperature T chosen on the last examples of the training split. */
  temperature?: number;
}

/** Equal-width confidence bins: examples, mean confidence and accuracy per bin (NaN where empty). */
export interface ReliabilityBins {
  count: number[];
  confidence: number[];
  accuracy: number[];
}

/** One structured-removal point: `report.json`'s `structured` rows. */
export interface StructuredRow {
  dataset: string;
  training: string;
  /** Unit score: `'opd'`, `'magnitude'` (L1 per unit), `'random'`. */
  criterion: string;
  /** Fraction of units removed per layer (last layer kept); graph models: of the dependency groups of each family. */
  unitFraction: number;
  seed: number;
  accuracy?: number;
  nll: number;
  mse?: number;
  paramsBefore: number;
  paramsAfter: number;
  macsBefore: number;
  macsAfter: number;
  /** Median predict latency of the pruned model on a fixed batch (ms), when measured. */
  latencyMs?: number;
  /** Classification: expected calibration error (10 bins) and Brier score of the smaller model. */
  ece?: number;
  brier?: number;
  /** Epochs the smaller model was fine-tuned before it was measured (0 = one-shot; absent in reports before the flag). */
  fineTuneEpochs?: number;
  /** Test accuracy / NLL of the smaller model right after removal, before fine-tuning. */
  oneShotAccuracy?: number;
  oneShotNll?: number;
  /** Bytes of the smaller model's float32 weights. */
  bytes?: number;
  /** How units were chosen: `'group'` = by dependency groups of a graph model (absent = per layer, a chain). */
  selection?: 'group';
  /** Graph models: prunable dependency groups removed and in total. */
  groupsRemoved?: number;
  groupsTotal?: number;
}

/** Learned prior precisions of one parameter tensor after a training. */
export interface PrecisionSummary {
  dataset: string;
  training: string;
  /** `<layer>/kernel` or `<layer>/bias`. */
  tensor: string;
  min: number;
  max: number;
  geomean: number;
}

/** Everything `report.json` holds. */
export interface Report {
  /** True until the run finished (Ctrl-C or an error leaves a partial report). */
  partial: boolean;
  /** Why it is partial (e.g. `'interrupted (SIGINT)'`). */
  partialReason?: string;
  startedAt: string;
  finishedAt?: string;
  /** The command line (argv after `spam`). */
  command: string[];
  /** The resolved configuration (flags with defaults applied). */
  config: Record<string, unknown>;
  environment: { node: string; platform: string; arch: string; cpus: number; tfjs: string; backend: string };
  /** Wall time per stage, e.g. `{stage: 'mnist/map/train', ms}`. */
  timings: Array<{ stage: string; ms: number }>;
  precisions: PrecisionSummary[];
  results: ResultRow[];
  structured: StructuredRow[];
}
