#!/usr/bin/env node
// Packs the published @spam/* packages for installing them before they are on the npm registry:
//
//   npm run pack:all [-- --out <folder>] [-- --skip-build]
//
// 1. builds the packages (turbo; cached; its output is shown only when the build fails);
// 2. `npm pack`s every published package (packages/<dir> not private, scripts/lib/workspace.mjs)
//    into <folder> (default: tarballs/ in the repository; a relative --out is taken relative to
//    where you ran npm), after removing the tarballs an earlier run left there;
// 3. prints the one `npm install` command to run in your own project: all the tarballs together
//    (each @spam/* package depends on its siblings at their exact version, which npm can only find
//    among the tarballs of the same command until the packages are published) plus tfjs.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { npmPack, publishedPackages, ROOT, run } from './lib/pack.mjs';

const { values: flags } = parseArgs({
  options: {
    out: { type: 'string' },
    'skip-build': { type: 'boolean', default: false },
  },
});
const callerDir = process.env.INIT_CWD ?? process.cwd();
const out = flags.out ? (isAbsolute(flags.out) ? flags.out : resolve(callerDir, flags.out)) : join(ROOT, 'tarballs');
const log = (s) => console.log(`[pack:all] ${s}`);

try {
  main();
} catch (e) {
  console.error(`[pack:all] failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
}

function main() {
  if (!flags['skip-build']) {
    const b = run('npm', ['run', 'build'], { cwd: ROOT, env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' } });
    log(`build: ${(b.ms / 1000).toFixed(1)} s`);
  }
  const packages = publishedPackages();
  for (const p of packages) {
    if (!existsSync(join(p.path, 'dist'))) throw new Error(`packages/${p.dir}/dist is missing: run npm run build (or drop --skip-build)`);
  }
  mkdirSync(out, { recursive: true });
  // Tarballs of earlier runs (older versions would be picked up by a glob).
  const stale = new RegExp(`^(${packages.map((p) => p.pkg.name.replace(/^@/, '').replace('/', '-')).join('|')})-\\d[^/]*\\.tgz$`);
  for (const f of readdirSync(out)) if (stale.test(f)) rmSync(join(out, f));

  const tarballs = packages.map((p) => {
    const info = npmPack(p.path, out);
    log(`${info.name}@${info.version}: ${info.tarball} (${info.entryCount} files, ${(info.size / 1024).toFixed(1)} kB)`);
    return info.tarball;
  });
  console.log(`
Install them in your project, all in one command (npm finds each package's @spam/* dependencies
among these tarballs; one tarball alone fails with a 404 for its sibling, e.g. @spam/core):

  npm install ${tarballs.map(quote).join(' ')} @tensorflow/tfjs

(add @tensorflow/tfjs-backend-wasm for the wasm backend). Once the packages are published, this
becomes \`npm install @spam/laplace @spam/priors @spam/prune @spam/core @tensorflow/tfjs\`.`);
}

function quote(path) {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}
