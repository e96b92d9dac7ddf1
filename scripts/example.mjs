#!/usr/bin/env node
// Runs an example as a user's own project, against the packed packages:
//
//   npm run example:<name> [-- <the example's flags>]      e.g. npm run example:breast-cancer -- --quick
//
// 1. builds the packages (turbo; cached), `npm pack`s the published @spam/* packages and the
//    private @spam/harness (packages/harness: its TypeScript sources and the vendored data/ next
//    to them, its `files`);
// 2. creates or updates the project <os tmp>/spam-examples-<hash of this checkout>/<name>/: the
//    example's own package.json with every @spam/* dependency pointing at its tarball (`file:`;
//    `overrides` do the same for the packages' dependencies on each other), its src/, and tsx to
//    run it; the project lies outside the repository so nothing resolves through the workspace;
// 3. `npm install`s there (incremental: tfjs etc. stay installed; the @spam/* packages are
//    reinstalled from the fresh tarballs every time) and runs the example's `start` script with
//    the flags after `--` (a relative `--out` path is taken relative to where you ran npm).
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { isolatedEnv, npmPack, publishedPackages, ROOT, rootInstalledVersion, run } from './lib/pack.mjs';

/** Every examples/<name>/ whose package.json has a start script. */
const EXAMPLES = readdirSync(join(ROOT, 'examples')).filter((d) => {
  const f = join(ROOT, 'examples', d, 'package.json');
  return existsSync(f) && JSON.parse(readFileSync(f, 'utf8')).scripts?.start;
});
/** Flags whose value is a file path (made absolute against the caller's folder). */
const PATH_FLAGS = ['--out'];

const [name, ...rawArgs] = process.argv.slice(2);
if (!EXAMPLES.includes(name)) {
  console.error(`usage: node scripts/example.mjs <${EXAMPLES.join('|')}> [example flags]`);
  process.exit(2);
}
const callerDir = process.env.INIT_CWD ?? process.cwd();
const args = absolutePaths(rawArgs, callerDir);
const log = (s) => console.log(`[example] ${s}`);
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

try {
  const code = main();
  process.exit(code);
} catch (e) {
  console.error(`[example] failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
}

function main() {
  const t0 = Date.now();
  const b = run('npm', ['run', 'build'], { cwd: ROOT, env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' } });
  log(`build: ${secs(b.ms)}`);

  const base = join(tmpdir(), `spam-examples-${createHash('sha1').update(ROOT).digest('hex').slice(0, 8)}`);
  const project = join(base, name);
  const tarballs = join(base, 'tarballs');
  rmSync(tarballs, { recursive: true, force: true });
  mkdirSync(tarballs, { recursive: true });

  // Tarballs: the published packages and the private harness with its data.
  const specs = {};
  for (const p of publishedPackages()) specs[p.pkg.name] = `file:${npmPack(p.path, tarballs).tarball}`;
  specs['@spam/harness'] = `file:${npmPack(join(ROOT, 'packages', 'harness'), tarballs).tarball}`;
  log(`packed ${Object.keys(specs).length} tarballs into ${tarballs}`);

  // The project: the example's package.json with its @spam/* deps on the tarballs.
  const source = JSON.parse(readFileSync(join(ROOT, 'examples', name, 'package.json'), 'utf8'));
  const deps = { ...source.dependencies };
  for (const dep of Object.keys(deps)) {
    if (!dep.startsWith('@spam/')) continue;
    if (!specs[dep]) throw new Error(`examples/${name} depends on ${dep}, which is not packed`);
    deps[dep] = specs[dep];
  }
  const pkg = {
    ...source,
    dependencies: deps,
    devDependencies: { ...source.devDependencies, tsx: rootInstalledVersion('tsx') },
    overrides: specs,
  };
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  rmSync(join(project, 'src'), { recursive: true, force: true });
  cpSync(join(ROOT, 'examples', name, 'src'), join(project, 'src'), { recursive: true });
  if (existsSync(join(ROOT, 'examples', name, 'README.md'))) cpSync(join(ROOT, 'examples', name, 'README.md'), join(project, 'README.md'));
  // Fresh @spam/* from the tarballs (same versions, new contents); everything else stays installed.
  rmSync(join(project, 'node_modules', '@spam'), { recursive: true, force: true });
  rmSync(join(project, 'package-lock.json'), { force: true });
  const inst = run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: project });
  log(`project ${project}: npm install ${secs(inst.ms)} (set up in ${secs(Date.now() - t0)})`);

  log(`npm start ${args.join(' ')}`);
  const r = run('npm', ['run', 'start', '--', ...args], {
    cwd: project,
    env: isolatedEnv(),
    inherit: true,
    check: false,
    timeoutMs: 24 * 3600_000,
  });
  return r.status;
}

function absolutePaths(argv, dir) {
  const out = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const flag = PATH_FLAGS.find((f) => a === f || a.startsWith(`${f}=`));
    if (!flag) {
      out.push(a);
    } else if (a === flag && i + 1 < argv.length) {
      out.push(a, isAbsolute(argv[i + 1]) ? argv[i + 1] : resolve(dir, argv[i + 1]));
      i++;
    } else if (a.startsWith(`${flag}=`)) {
      const v = a.slice(flag.length + 1);
      out.push(`${flag}=${isAbsolute(v) ? v : resolve(dir, v)}`);
    } else {
      out.push(a);
    }
  }
  return out;
}
