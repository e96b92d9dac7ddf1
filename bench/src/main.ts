/**
 * SpaM benchmarks. Run from the repository root:
 *
 *   npm run bench                                  # every suite
 *   npm run bench -- --only curvature --repeats 5
 *   npm run bench -- --only curvature --quick      # smoke test (1,000 examples)
 *
 * Each suite prints its table and writes its rows to bench/results/<suite>.json
 * (bench/results/<suite>.quick.json with --quick, so smoke tests never overwrite the record).
 */
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs, USAGE } from './lib/args.js';
import { SUITES } from './suites/index.js';

const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    console.log(`${USAGE}\n\nSuites:\n${SUITES.map((s) => `  ${s.name.padEnd(12)} ${s.description}`).join('\n')}`);
    return;
  }
  const unknown = (args.only ?? []).filter((name) => !SUITES.some((s) => s.name === name));
  if (unknown.length) {
    throw new Error(`unknown suite(s) ${unknown.map((u) => `'${u}'`).join(', ')}; available: ${SUITES.map((s) => s.name).join(', ')}`);
  }
  const selected = args.only ? SUITES.filter((s) => args.only!.includes(s.name)) : SUITES;

  const cpu = cpus();
  console.log(
    `SpaM bench · node ${process.version} · tfjs ${tf.version.tfjs} · ${cpu.length}× ${cpu[0]?.model ?? 'unknown CPU'} · ` +
      `repeats ${args.repeats}${args.quick ? ' · QUICK (smoke test)' : ''}`,
  );
  mkdirSync(RESULTS_DIR, { recursive: true });
  for (const suite of selected) {
    console.log(`\n=== ${suite.name} ===`);
    const start = process.hrtime.bigint();
    const out = await suite.run({ repeats: args.repeats, quick: args.quick, models: args.models, log: (line) => console.log(line) });
    const file = `${RESULTS_DIR}${suite.name}${args.quick ? '.quick' : ''}.json`;
    writeFileSync(file, `${JSON.stringify(out.rows, null, 2)}\n`);
    const minutes = Number(process.hrtime.bigint() - start) / 6e10;
    console.log(`\n${out.report}\n\n${suite.name}: ${out.rows.length} rows → ${file} (${minutes.toFixed(1)} min)`);
  }
}

main().catch((e: unknown) => {
  console.error(`\nbench FAILED: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
});
