// Shared by scripts/consumer-test.mjs and scripts/example.mjs: packing the @spam/* packages into
// tarballs and running commands in a scratch project with an environment that cannot see the
// monorepo (no NODE_PATH, no NODE_OPTIONS loaders, none of npm's per-project variables).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ROOT } from './workspace.mjs';

export { publishedPackages, ROOT } from './workspace.mjs';

/** process.env without anything that would let a child resolve modules through the repository. */
export function isolatedEnv(extra = {}) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (k.startsWith('npm_') || k === 'NODE_PATH' || k === 'NODE_OPTIONS' || k === 'INIT_CWD' || k === 'TSX_TSCONFIG_PATH') delete env[k];
  }
  return { ...env, ...extra };
}

/**
 * Runs a command (no shell) and returns {status, stdout, stderr, ms}. With `check`, throws on a
 * non-zero exit, showing the output tail.
 */
export function run(cmd, args, { cwd, env = isolatedEnv(), check = true, inherit = false, timeoutMs = 600_000 } = {}) {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, {
    cwd,
    env,
    encoding: 'utf8',
    stdio: inherit ? 'inherit' : 'pipe',
    timeout: timeoutMs,
    maxBuffer: 64 << 20,
  });
  const out = { status: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ms: Date.now() - t0 };
  if (r.error) out.stderr += `\n${r.error.message}`;
  if (check && out.status !== 0) {
    const tail = (s) => s.split('\n').slice(-40).join('\n');
    throw new Error(`\`${cmd} ${args.join(' ')}\` (in ${cwd}) exited ${out.status}\n${tail(out.stdout)}\n${tail(out.stderr)}`);
  }
  return out;
}

/**
 * `npm pack`s a folder into `dest` and returns npm's JSON description of the tarball
 * ({name, version, filename, files: [{path}], ...}) with `tarball` = its absolute path.
 */
export function npmPack(dir, dest) {
  const r = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dest], { cwd: dir });
  const info = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')))[0];
  return { ...info, tarball: join(dest, info.filename) };
}

/** Whether `dir` is `root` or inside it. */
export function isInside(dir, root) {
  const a = resolve(dir) + '/';
  const b = resolve(root) + '/';
  return a.startsWith(b);
}

/** The folders above `dir` that hold a node_modules (module resolution would climb into them). */
export function ancestorNodeModules(dir) {
  const found = [];
  for (let d = dirname(resolve(dir)); ; d = dirname(d)) {
    if (existsSync(join(d, 'node_modules'))) found.push(join(d, 'node_modules'));
    if (dirname(d) === d) break;
  }
  return found;
}

/** The exact version of a package installed at the repository root (e.g. typescript). */
export function rootInstalledVersion(name) {
  return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
}
