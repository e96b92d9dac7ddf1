/**
 * Reproduction of the paper's structured LeNet experiment on the 10,000 real MNIST digits (fixed
 * 8,000 / 2,000 split): the paper's LeNet (231,720 MACs) trained with MAP and with SpaM (KFAC
 * Laplace, unit-wise prior), then the structured protocol of `@spam/structured` — units removed
 * per layer by their summed score, the smaller net built, fine-tuned, measured — for SpaM + OPD
 * and MAP + OPD / magnitude / random, per seed. Writes `<out>/lenet-mnist<tag>.json` (after every
 * model); `--merge <dir>` collects every `lenet-mnist*.json` there into `<dir>/lenet-mnist.md`.
 * `--training spam|map` and `--criteria` select a part, so the parts can run as parallel processes.
 *
 *   npx tsx --tsconfig tsconfig.json examples/digits-structured/src/lenet-mnist.ts [--seeds 1,2] [--epochs 10]
 *     [--finetune 5] [--fractions 0.2,0.4,…] [--marglik-every 2] [--hyper-steps 50] [--train-size N]
 *     [--test-size N] [--ft-batch 128] [--training spam|map|all] [--criteria opd,magnitude,random] [--tag -s1-map]
 *     [--backend wasm|cpu] [--out examples/digits-structured/results]
 *   npx tsx --tsconfig tsconfig.json examples/digits-structured/src/lenet-mnist.ts --merge examples/digits-structured/results
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  if (a.merge) return merge(a.merge);
  const only = a.training ?? 'all';
  const trainings = TRAININGS.filter((t) => only === 'all' || t.spec.name.startsWith(only)).map((t) => ({
    ...t,
    criteria: a.criteria ? t.criteria.filter((c) => a.criteria.split(',').includes(c)) : t.criteria,
  }));
  if (trainings.length === 0 || trainings.some((t) => t.criteria.length === 0))
    throw new Error(`nothing to run for --training ${only} --criteria ${a.criteria}`);
  const tag = a.tag ?? '';
  const ftBatch = Number(a['ft-batch'] ?? 128);
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
  const config = {
    seeds,
    fractions,
    finetuneEpochs: finetune,
    finetuneBatch: ftBatch,
    schedule,
    backend,
    train: data.xTrain.shape[0],
    test: data.xTest.shape[0],
  };
  const save = (done: boolean) => {
    writeFileSync(join(outDir, `lenet-mnist${tag}.json`), JSON.stringify({ partial: !done, started, config, rows }, null, 1) + '\n');
  };
  const log = (s: string) => console.log(`[${((performance.now() - t00) / 1000).toFixed(0)} s] ${s}`);
  const t00 = performance.now();
  for (const seed of seeds) {
    for (const { spec, criteria } of trainings) {
      const model = buildPaperLeNet(seed);
      const scores: Record<string, UnitScores> = {};
      try {
        const result = await marglikTraining(
          model,
          { xs: data.xTrain, ys: data.yTrain, batchSize: schedule.batchSize, shuffle: seed },
          {
            likelihood: 'classification',
            ...marglikOptions(spec, schedule),
            seed: seed + 1,
            onProgress: (p) => {
              if (p.stage === 'epoch') log(`seed ${seed} ${spec.name}: epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(4)}`);
            },
          },
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
          fineTune: { epochs: finetune, lr: schedule.lr, batchSize: ftBatch, seed, priorPrecision: schedule.priorPrecision },
          onProgress: (p) => {
            if (p.stage === 'epoch')
              log(`  ${p.criterion} ${(p.fraction * 100).toFixed(0)} % fine-tune epoch ${p.epoch! + 1}: loss ${p.loss!.toFixed(4)}`);
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
  if (leaked !== 0) process.exitCode = 1;
}

const pct = (v: number | undefined) => (v === undefined ? '' : (v * 100).toFixed(1));

/** Reads every `lenet-mnist*.json` of `dir` and writes `dir/lenet-mnist.md`: the rows, and accuracy per fraction × (training, criterion) with one value per seed. */
function merge(dir: string): void {
  const parts = readdirSync(dir)
    .filter((f) => /^lenet-mnist.*\.json$/.test(f))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as { partial: boolean; config: unknown; rows: Row[] });
  // The dense row of a training appears in every part that trained it: keep one per seed × training.
  const rows = parts
    .flatMap((p) => p.rows)
    .filter(
      (r, i, all) =>
        r.criterion !== 'none' || all.findIndex((o) => o.criterion === 'none' && o.seed === r.seed && o.training === r.training) === i,
    );
  const lines = [
    '# Structured LeNet on the 10k MNIST digits (the paper protocol)',
    '',
    `${parts.length} part(s)${parts.some((p) => p.partial) ? ' (some partial: still running or stopped)' : ''}; configs:`,
    '',
    ...distinctJson(parts.map((p) => p.config)).map((c) => `- \`${c}\``),
    '',
    '## Test accuracy % after fine-tuning (seed 1 / seed 2 …), MACs',
    '',
  ];
  const combos = distinctJson(rows.filter((r) => r.criterion !== 'none').map((r) => `${r.training}/${r.criterion}`)).map(
    (c) => JSON.parse(c) as string,
  );
  const seeds = [...new Set(rows.map((r) => r.seed))].sort((x, y) => x - y);
  const fractions = [...new Set(rows.map((r) => r.fraction))].sort((x, y) => x - y);
  lines.push(`| removed | MACs | ${combos.join(' | ')} |`, `|---:|---:|${combos.map(() => '---:').join('|')}|`);
  for (const f of fractions) {
    const at = rows.filter((r) => r.fraction === f);
    const cell = (pred: (r: Row) => boolean) =>
      seeds.map((sd) => pct(at.find((r) => r.seed === sd && pred(r))?.accuracy) || '–').join(' / ');
    const macs = [...new Set(at.map((r) => r.macs))].join(', ');
    const cells = combos.map((c) =>
      f === 0 ? cell((r) => r.training === c.split('/')[0]) : cell((r) => `${r.training}/${r.criterion}` === c),
    );
    lines.push(`| ${(f * 100).toFixed(0)} % | ${macs} | ${cells.join(' | ')} |`);
  }
  lines.push(
    '',
    '## Every row',
    '',
    '| seed | training | criterion | removed | MACs | params | acc % | NLL | ECE | one-shot acc % | latency ms |',
    '|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  const sorted = [...rows].sort(
    (x, y) => x.seed - y.seed || x.training.localeCompare(y.training) || x.criterion.localeCompare(y.criterion) || x.fraction - y.fraction,
  );
  for (const r of sorted) {
    const oneShot = 'oneShot' in r ? pct(r.oneShot?.accuracy) : '';
    lines.push(
      `| ${r.seed} | ${r.training} | ${r.criterion} | ${(r.fraction * 100).toFixed(0)} % | ${r.macs} | ${r.params} | ${pct(r.accuracy)} | ` +
        `${r.nll.toFixed(3)} | ${r.ece?.toFixed(3) ?? ''} | ${oneShot} | ${r.latencyMs?.toFixed(2) ?? ''} |`,
    );
  }
  writeFileSync(join(dir, 'lenet-mnist.md'), lines.join('\n') + '\n');
  console.log(`wrote ${join(dir, 'lenet-mnist.md')} (${rows.length} rows from ${parts.length} parts)`);
}

const distinctJson = (xs: unknown[]) => [...new Set(xs.map((x) => JSON.stringify(x)))];

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
