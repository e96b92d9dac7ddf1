/**
 * Reproduction of the paper's structured LeNet experiment on the 10,000 real MNIST digits (fixed
 * 8,000 / 2,000 split): the paper's LeNet (231,720 MACs) trained with MAP and with SpaM (KFAC
 * Laplace, unit-wise prior), then the structured protocol of `@spam/structured` — units removed
 * per layer by their summed score, the smaller net built, fine-tuned, measured — for SpaM + OPD
 * and MAP + OPD / magnitude / random, per seed. Writes `<out>/lenet-mnist.json` (after every
 * model) and `<out>/lenet-mnist.md`.
 *
 *   npx tsx --tsconfig tsconfig.json examples/digits-structured/src/lenet-mnist.ts [--seeds 1,2] [--epochs 10]
 *     [--finetune 5] [--fractions 0.2,0.4,…] [--marglik-every 2] [--hyper-steps 50] [--train-size N]
 *     [--test-size N] [--latency-repeats 5] [--backend wasm|cpu] [--out examples/digits-structured/results]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { isBackendName, marglikOptions, selectBackend, type MarglikSchedule, type TrainingSpec } from '@spam/harness';
import { marglikTraining } from '@spam/laplace';
import { opdScores } from '@spam/prune';
import {
  countMacs,
  magnitudeUnitScores,
  measureModel,
  randomUnitScores,
  structuredProtocol,
  unitScores,
  type StructuredMeasurement,
  type StructuredProtocolRow,
  type UnitScores,
} from '@spam/structured';
import { buildPaperLeNet, loadMnistImages, PAPER_LENET_MACS } from './lenet28.js';

/** One output row: a training's dense net (fraction 0, no fine-tune) or a protocol row. */
type Row = { seed: number; training: string } & (({ criterion: 'none'; fraction: 0 } & StructuredMeasurement) | StructuredProtocolRow);

/** The two trainings compared and the unit criteria each is pruned with. */
const TRAININGS: Array<{ spec: TrainingSpec; criteria: Array<'opd' | 'magnitude' | 'random'> }> = [
  { spec: { name: 'spam-kron-unitwise', map: false, hessian: 'kron', prior: 'unitwise' }, criteria: ['opd'] },
  { spec: { name: 'map', map: true, hessian: 'kron', prior: 'scalar' }, criteria: ['opd', 'magnitude', 'random'] },
];

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) throw new Error(`expected --flag value pairs, got '${argv[i]}'`);
    out[argv[i].slice(2)] = argv[i + 1];
  }
  return out;
}

const numList = (s: string) => s.split(',').map(Number);

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const seeds = numList(a.seeds ?? '1,2');
  const fractions = numList(a.fractions ?? '0.2,0.4,0.6,0.8,0.9,0.95,0.99');
  const finetune = Number(a.finetune ?? 5);
  const outDir = a.out ?? 'examples/digits-structured/results';
  const backend = a.backend ?? 'wasm';
  if (!isBackendName(backend)) throw new Error(`--backend must be wasm or cpu, got ${backend}`);
  const schedule: MarglikSchedule = {
    epochs: Number(a.epochs ?? 10),
    batchSize: 64,
    lr: 1e-3,
    marglikEvery: Number(a['marglik-every'] ?? 2),
    hyperSteps: Number(a['hyper-steps'] ?? 50),
    burnIn: 0,
    hyperLr: 0.1,
    priorPrecision: 1,
  };
  await selectBackend(backend);
  mkdirSync(outDir, { recursive: true });
  const data = loadMnistImages(a['train-size'] ? Number(a['train-size']) : undefined, a['test-size'] ? Number(a['test-size']) : undefined);
  const probe = buildPaperLeNet(1);
  if (countMacs(probe) !== PAPER_LENET_MACS) throw new Error(`LeNet has ${countMacs(probe)} MACs, expected ${PAPER_LENET_MACS}`);
  probe.dispose();
  const tensorsAtStart = tf.memory().numTensors;
  const rows: Row[] = [];
  const started = new Date().toISOString();
  const config = { seeds, fractions, finetuneEpochs: finetune, schedule, backend, train: data.xTrain.shape[0], test: data.xTest.shape[0] };
  const save = (done: boolean) => {
    writeFileSync(join(outDir, 'lenet-mnist.json'), JSON.stringify({ partial: !done, started, config, rows }, null, 1) + '\n');
    if (done) writeFileSync(join(outDir, 'lenet-mnist.md'), markdown(rows, config));
  };
  const log = (s: string) => console.log(`[${((performance.now() - t00) / 1000).toFixed(0)} s] ${s}`);
  const t00 = performance.now();
  for (const seed of seeds) {
    for (const { spec, criteria } of TRAININGS) {
      const model = buildPaperLeNet(seed);
      const scores: Record<string, UnitScores> = {};
      try {
        const result = await marglikTraining(
          model,
          { xs: data.xTrain, ys: data.yTrain, batchSize: schedule.batchSize, shuffle: seed },
          { likelihood: 'classification', ...marglikOptions(spec, schedule), seed: seed + 1 },
        );
        try {
          for (const c of criteria) {
            if (c === 'opd') {
              const opd = opdScores(result.laplace, result.prior);
              try {
                scores.opd = unitScores(opd);
              } finally {
                opd.dispose();
              }
            } else scores[c] = c === 'magnitude' ? magnitudeUnitScores(model) : randomUnitScores(model, { seed });
          }
        } finally {
          result.laplace.dispose();
          result.prior.dispose();
        }
        const test = { xs: data.xTest, ys: data.yTest };
        const dense = measureModel(model, test);
        rows.push({ seed, training: spec.name, criterion: 'none', fraction: 0, ...dense });
        log(`seed ${seed} ${spec.name}: dense acc ${(dense.accuracy! * 100).toFixed(2)} %, nll ${dense.nll.toFixed(3)}`);
        save(false);
        await structuredProtocol(model, {
          scores,
          fractions,
          test,
          train: { xs: data.xTrain, ys: data.yTrain },
          fineTune: { epochs: finetune, lr: schedule.lr, batchSize: schedule.batchSize, seed, priorPrecision: schedule.priorPrecision },
          onProgress: (p) => {
            if (p.stage !== 'done' || !p.row) return;
            rows.push({ seed, training: spec.name, ...p.row });
            log(
              `seed ${seed} ${spec.name}/${p.criterion} ${(p.fraction * 100).toFixed(0)} %: acc ${(p.row.accuracy! * 100).toFixed(2)} % ` +
                `(one-shot ${(p.row.oneShot!.accuracy! * 100).toFixed(2)} %), MACs ${p.row.macs}`,
            );
            save(false);
          },
        });
      } finally {
        model.dispose();
      }
    }
  }
  tf.dispose([data.xTrain, data.yTrain, data.xTest, data.yTest]);
  const leaked = tf.memory().numTensors - (tensorsAtStart - 4);
  log(`done; tensors leaked: ${leaked}`);
  save(true);
}

const pct = (v: number | undefined) => (v === undefined ? '' : (v * 100).toFixed(1));

/** The markdown tables: one row per seed × training × criterion × fraction, and accuracy per fraction. */
function markdown(rows: Row[], config: Record<string, unknown>): string {
  const lines = [
    '# Structured LeNet on the 10k MNIST digits (paper protocol)',
    '',
    `Config: \`${JSON.stringify(config)}\``,
    '',
    '| seed | training | criterion | removed | MACs | params | acc % | NLL | ECE | one-shot acc % | latency ms |',
    '|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const oneShot = 'oneShot' in r ? pct(r.oneShot?.accuracy) : '';
    lines.push(
      `| ${r.seed} | ${r.training} | ${r.criterion} | ${(r.fraction * 100).toFixed(0)} % | ${r.macs} | ${r.params} | ${pct(r.accuracy)} | ` +
        `${r.nll.toFixed(3)} | ${r.ece?.toFixed(3) ?? ''} | ${oneShot} | ${r.latencyMs?.toFixed(2) ?? ''} |`,
    );
  }
  return lines.join('\n') + '\n';
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
