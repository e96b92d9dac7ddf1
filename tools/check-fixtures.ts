/**
 * `npm run check:fixtures -- <dir> [--json <file>] [--backend wasm|cpu] [--tol 1e-4]`:
 * evaluates every fixture JSON in <dir> with the library, prints one line per case and
 * quantity, optionally writes the JSON report, and exits 1 if anything fails.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { writeFileSync } from 'node:fs';
import { checkFixtureDir, reportPasses } from './fixtures/check.js';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const v = args[i + 1];
    args.splice(i, 2);
    return v;
  };
  const json = opt('--json');
  const backend = opt('--backend') ?? 'wasm';
  const tol = Number(opt('--tol') ?? '1e-4');
  const dir = args[0];
  if (!dir) {
    console.error('usage: npm run check:fixtures -- <dir> [--json <file>] [--backend wasm|cpu] [--tol 1e-4]');
    return 2;
  }
  await tf.setBackend(backend);
  await tf.ready();
  console.log(`fixture check on ${dir} (backend ${tf.getBackend()}, tol ${tol})`);
  const report = await checkFixtureDir(dir, tol, (l) => console.log(l));
  if (json) writeFileSync(json, JSON.stringify(report, null, 2));
  const n = report.cases.reduce((a, c) => a + Object.keys(c.quantities).length, 0);
  const failed = report.cases.reduce((a, c) => a + Object.values(c.quantities).filter((q) => !q.pass).length + (c.error ? 1 : 0), 0);
  console.log(`${report.cases.length} cases, ${n} quantities, ${failed} failed`);
  return reportPasses(report) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
